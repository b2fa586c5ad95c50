"""The portable portfolio and the subject access export as jobs: made on the worker into a
temporary file, streamed into storage, and downloadable only by the person who asked while
they keep the role they asked with."""

from django.core.exceptions import PermissionDenied

from people.access import enrolment_for_user, enrolment_role, require_centre_admin, units_in_scope
from people.models import User

from .archive import ExportFailed
from .services import Viewer, export_to_temporary_file
from .subject_access import subject_access_export


def portfolio_zip_authorise(user, job):
    enrolment_for_user(user, job.enrolment_id)


def portfolio_zip_run(job, progress):
    from jobs.services import JobOutput, JobRefused

    user, enrolment = job.requested_by, job.enrolment
    role = enrolment_role(user, enrolment)
    if role is None:
        raise JobRefused("You no longer have a role on this portfolio.")
    try:
        path, _ = export_to_temporary_file(
            learner=enrolment.learner,
            enrolments=enrolment.__class__.objects.filter(pk=enrolment.pk),
            only_unit_ids={enrolment.pk: units_in_scope(user, role, enrolment.pk)},
            viewer=Viewer(user, role),
            progress=progress,
        )
    except ExportFailed as error:
        raise JobRefused(str(error)) from None
    progress(90, "Saving the archive")
    return JobOutput(
        path=path,
        filename=f"portfolio-{enrolment.learner.username}-{enrolment.qualification.code}.zip",
        content_type="application/zip",
    )


def subject_access_authorise(user, job):
    try:
        require_centre_admin(user)
    except PermissionDenied:
        from django.http import Http404

        raise Http404("No such job.") from None


def subject_access_run(job, progress):
    from jobs.services import JobOutput, JobRefused

    if not job.requested_by.is_centre_admin:
        raise JobRefused("Only a centre admin can make a subject access export.")
    person = User.objects.filter(pk=job.params.get("person")).first()
    if person is None:
        raise JobRefused("That person is no longer on the system.")
    import os
    import tempfile

    handle, path = tempfile.mkstemp(suffix=".zip")
    os.close(handle)
    try:
        subject_access_export(person=person, target=path, progress=progress)
    except BaseException:
        os.unlink(path)
        raise
    return JobOutput(
        path=path,
        filename=f"subject-access-{person.username}.zip",
        content_type="application/zip",
    )
