"""The IQA report of a sampling plan as a job, seen only by who asked while they may see the
plan."""

from . import access, reports


def iqa_authorise(user, job):
    access.plan_for_user(user, job.plan_id)


def iqa_pdf_run(job, progress):
    from jobs.services import JobOutput

    access.plan_for_user(job.requested_by, job.plan_id)
    progress(10, "Reading the plan's reviews")
    report = reports.iqa_report(job.plan, job.requested_by)
    progress(40, "Laying out the pages")
    body = reports.render_iqa_pdf(report)
    progress(90, "Saving the report")
    return JobOutput(content=body, filename=report.filename("pdf"), content_type="application/pdf")
