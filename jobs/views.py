"""A job's page (its progress, then its download), the status its script polls, the download."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from nvq_portfolio.stored_files import open_for_download

from .access import job_for_user


@require_safe
def detail(request, token):
    job = job_for_user(request.user, token)
    return render(request, "jobs/detail.html", {"job": job})


@require_safe
def status(request, token):
    job = job_for_user(request.user, token)
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
