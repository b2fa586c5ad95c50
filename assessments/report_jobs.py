"""The coverage report as a job: made on the worker for the person who asked, with their
scope (an EQA's grant names units), and seen only by them while they keep a role."""

from people.access import enrolment_for_user, enrolment_role, units_in_scope

from . import reports


def coverage_authorise(user, job):
    enrolment_for_user(user, job.enrolment_id)


def coverage_pdf_run(job, progress):
    from jobs.services import JobOutput, JobRefused

    user, enrolment = job.requested_by, job.enrolment
    role = enrolment_role(user, enrolment)
    if role is None:
        raise JobRefused("You no longer have a role on this portfolio.")
    only_unit_ids = units_in_scope(user, role, enrolment.pk)
    unit = None
    if job.params.get("unit"):
        try:
            unit = reports.unit_on_enrolment(enrolment, job.params["unit"])
        except reports.UnitNotOnEnrolment as error:
            raise JobRefused(str(error)) from None
    progress(10, "Reading the portfolio")
    report = reports.coverage_report(enrolment=enrolment, unit=unit, only_unit_ids=only_unit_ids)
    progress(40, "Laying out the pages")
    body = reports.render_coverage_pdf(report)
    progress(90, "Saving the report")
    return JobOutput(content=body, filename=report.filename("pdf"), content_type="application/pdf")
