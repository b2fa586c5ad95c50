"""Each kind of job: the function that does it and the access check its pages repeat.

Named by dotted path so that this app does not import the apps whose work it runs.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class JobKind:
    runner: str  # run(job, progress) -> JobOutput; progress(percent, stage)
    authoriser: str  # authorise(user, job): raises Http404 or PermissionDenied

    def run(self, job, progress):
        return import_string(self.runner)(job, progress)

    def authorise(self, user, job):
        import_string(self.authoriser)(user, job)


KINDS = {
    "coverage_pdf": JobKind(
        "assessments.report_jobs.coverage_pdf_run", "assessments.report_jobs.coverage_authorise"
    ),
    "iqa_pdf": JobKind("quality.report_jobs.iqa_pdf_run", "quality.report_jobs.iqa_authorise"),
    "enrolment_import": JobKind(
        "people.import_jobs.enrolment_import_run", "people.import_jobs.import_authorise"
    ),
    "portfolio_zip": JobKind(
        "portability.jobs.portfolio_zip_run", "portability.jobs.portfolio_zip_authorise"
    ),
    "subject_access": JobKind(
        "portability.jobs.subject_access_run", "portability.jobs.subject_access_authorise"
    ),
}


def kind_of(name):
    return KINDS[name]
