"""A job's page (its progress, then its download), the status its script polls, the download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from nvq_portfolio.stored_files import open_for_download
from submissions.once import saved_once

from .access import job_for_user
from .models import Job
from .services import job_retry, jobs_sweep_stale


def _job_seen_by(user, token):
    """The job, with a dead worker's claim on it undone first, so its page is never stuck."""
    job = job_for_user(user, token)
    if job.status == Job.Status.RUNNING and jobs_sweep_stale(job=job) != (0, 0):
        job.refresh_from_db()
    return job


@require_safe
def detail(request, token):
    job = _job_seen_by(request.user, token)
    return render(request, "jobs/detail.html", {"job": job})


@require_safe
def status(request, token):
    job = _job_seen_by(request.user, token)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "stage": job.stage,
            "finished": job.is_finished,
        }
    )


@require_safe
def download(request, token):
    job = job_for_user(request.user, token)
    if not job.has_download:
        raise Http404("Nothing to download yet.")
    response = FileResponse(
        open_for_download(job.result),
        as_attachment=True,
        filename=job.result_name,
        content_type=job.result_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Training centres share computers: keep learners' records out of the browser's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
@saved_once
def retry(request, token):
    """A failed job asked for again: a new job, and its page."""
    job = job_for_user(request.user, token)
    try:
        again = job_retry(job=job, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job)
    return redirect(again)
