"""Who may see a job: only the person who asked for it, and only while they still may see
what it was made from (the same check as the page they asked on)."""

from django.shortcuts import get_object_or_404

from .kinds import kind_of
from .models import Job


def job_for_user(user, token):
    job = get_object_or_404(
        Job.objects.select_related("enrolment", "plan"), token=token, requested_by=user
    )
    kind_of(job.kind).authorise(user, job)
    return job
