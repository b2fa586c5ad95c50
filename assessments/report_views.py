"""Downloads of the coverage report (PDF) and the criteria-by-evidence matrix (CSV).

Anyone with a role on the enrolment may download them: the learner, their assessor, their IQA
and centre admins. The pages offer the PDF as a job (`coverage_pdf_prepare`, jobs/), so a
long portfolio is made by a worker while the browser shows its progress; the direct download
stays for the EQA, who may not ask for work to be done (quality/middleware.py).
Each view reads: load, authorise, choose the unit, build, send.
"""

import logging

from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from jobs.models import Job
from jobs.services import job_start
from people.access import Role, enrolment_for_user, enrolment_role, units_in_scope
from people.versions import cached
from submissions.once import saved_once

from . import reports

logger = logging.getLogger(__name__)


@require_safe
def coverage_pdf(request, enrolment_pk):
    return _download(request, enrolment_pk, "pdf")


@require_safe
def matrix_csv(request, enrolment_pk):
    return _download(request, enrolment_pk, "csv")


@require_POST
@saved_once
def coverage_pdf_prepare(request, enrolment_pk):
    """The whole portfolio's PDF, made by a worker; the job's page shows it being prepared."""
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    unit = None
    if request.POST.get("unit"):
        try:
            unit = reports.unit_on_enrolment(enrolment, request.POST["unit"])
        except reports.UnitNotOnEnrolment as error:
            return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
    job = job_start(
        kind=Job.Kind.COVERAGE_PDF,
        by=request.user,
        enrolment=enrolment,
        params={"unit": unit.slug if unit else ""},
    )
    return redirect(job)


RENDERERS = {
    "pdf": (reports.render_coverage_pdf, "application/pdf"),
    "csv": (reports.render_matrix_csv, "text/csv; charset=utf-8"),
}


def _download(request, enrolment_pk, kind):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    # An external quality assurer gets the units their grant names, and only those.
    role = enrolment_role(request.user, enrolment)
    only_unit_ids = units_in_scope(request.user, role, enrolment.pk)
    unit = None
    if request.GET.get("unit"):
        try:
            unit = reports.unit_on_enrolment(enrolment, request.GET["unit"])
        except reports.UnitNotOnEnrolment as error:
            # Only people with a role on the enrolment get this far, so naming its units is safe.
            return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
        if only_unit_ids is not None and unit.pk not in only_unit_ids:
            raise Http404("No such unit.")
    renderer, content_type = RENDERERS[kind]

    def build():
        report = reports.coverage_report(
            enrolment=enrolment,
            unit=unit,
            only_unit_ids=only_unit_ids,
            submitted_only=role == Role.EQA,
        )
        return renderer(report)

    if kind == "csv":
        # The matrix says only what the records say: cached by the portfolio's version.
        scope = "all" if only_unit_ids is None else ",".join(map(str, sorted(only_unit_ids)))
        key = f"matrix-csv:{enrolment.pk}:{unit.pk if unit else 'all'}:{scope}"
        body = cached(key, build, version=enrolment.portfolio_version)
    else:
        try:
            body = build()  # its cover carries the time it was made
        except Exception:
            # WeasyPrint failing (a font, memory) is no fault of the reader's: say so, send nothing.
            logger.exception("Coverage PDF for enrolment %s could not be made", enrolment.pk)
            return render(
                request, "assessments/report/pdf_failed.html", {"enrolment": enrolment}, status=503
            )
    filename = reports.CoverageReport(
        enrolment=enrolment, units=[], index=[], generated_at=timezone.now(), scope=unit
    ).filename(kind)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Training centres share computers: keep learners' records out of the browser's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
