"""Asking for a portable portfolio or a subject access export.

Anyone with a role on an enrolment may export it (an EQA only the units their grant names):
the learner, their assessor and IQA and centre admins ask for it as a job, whose page shows it
being prepared. An EQA may not ask for work to be done (quality/middleware.py), so their
export is streamed at once from a GET, as their coverage report is. Only a centre admin asks
for a person's subject access export.
"""

import os

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from jobs.models import Job
from jobs.services import job_start
from people.access import enrolment_for_user, enrolment_role, require_centre_admin, units_in_scope
from people.models import Enrolment, User
from submissions.once import saved_once

from .services import Viewer, export_to_temporary_file


@require_POST
@saved_once
def export_prepare(request, pk):
    enrolment = enrolment_for_user(request.user, pk)
    job = job_start(kind=Job.Kind.PORTFOLIO_ZIP, by=request.user, enrolment=enrolment)
    return redirect(job)


class _Removed(FileResponse):
    """A download of a temporary file, removed once it has been sent."""

    def __init__(self, path, **kwargs):
        self.temporary = path
        super().__init__(open(path, "rb"), **kwargs)  # noqa: SIM115 (closed by the response)

    def close(self):
        super().close()
        if os.path.exists(self.temporary):
            os.unlink(self.temporary)


@require_safe
def export_zip(request, pk):
    enrolment = enrolment_for_user(request.user, pk)
    role = enrolment_role(request.user, enrolment)
    path, _ = export_to_temporary_file(
        learner=enrolment.learner,
        enrolments=Enrolment.objects.filter(pk=enrolment.pk),
        only_unit_ids={enrolment.pk: units_in_scope(request.user, role, enrolment.pk)},
        viewer=Viewer(request.user, role),
    )
    response = _Removed(
        path,
        as_attachment=True,
        filename=f"portfolio-{enrolment.learner.username}-{enrolment.qualification.code}.zip",
        content_type="application/zip",
    )
    # Training centres share computers: keep learners' records out of the browser's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
@saved_once
def subject_access_prepare(request, pk):
    require_centre_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    job = job_start(kind=Job.Kind.SUBJECT_ACCESS, by=request.user, params={"person": person.pk})
    return redirect(job)
