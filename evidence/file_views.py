"""Uploading, downloading and removing the files of an evidence item.

Media is private: every byte goes out through `download`, which applies the access rules and
sends headers that stop a browser from running anything a file holds.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from nvq_portfolio.stored_files import open_for_download

from .access import OWNER, evidence_file_for_user, evidence_item_for_user
from .sniffing import ACCEPTED_TYPES
from .uploads import evidence_file_add, evidence_file_remove, safe_file_name

NO_FILE = "No file arrived: the upload may have been cut short. Choose the file and try again."
BROKEN_UPLOAD = "The upload arrived incomplete or garbled, so nothing was stored. Try again."

# Files replace the site's page policy with their own (README, "Security headers").
# Nothing a file holds may run: no scripts, no plugins, no forms; styles only for the
# browser's own image and media viewers.
FILE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; media-src 'self'; sandbox"
)
# Some browsers' PDF viewers (Safari's, for one) show a blank page in a sandboxed document and
# need their embedded viewer; none runs a PDF's own scripts with the site's privileges.
PDF_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'self'"
)
TEXT_TYPES = {"text/plain", "text/csv"}


@csrf_exempt  # checked by _upload, so that a garbled body gets this page's own clear answer
@require_POST
def upload(request, pk):
    try:
        return _upload(request, pk)
    except (MultiPartParserError, UnreadablePostError):
        item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
        return _upload_answer(request, item, [_refused("", BROKEN_UPLOAD)])


@csrf_protect
def _upload(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    uploads = request.FILES.getlist("files")
    results = [_add_file(item, upload, request.user) for upload in uploads]
    return _upload_answer(request, item, results or [_refused("", NO_FILE)])


def _add_file(item, upload, by):
    try:
        evidence_file, duplicate = evidence_file_add(item=item, upload=upload, by=by)
    except ValidationError as error:
        return _refused(safe_file_name(upload.name), " ".join(error.messages))
    file_type = ACCEPTED_TYPES[evidence_file.content_type]
    return {
        "name": evidence_file.original_name,
        "stored": True,
        "file": {
            "id": evidence_file.pk,
            "name": evidence_file.original_name,
            "size": evidence_file.size,
            "content_type": evidence_file.content_type,
            "type_name": file_type.name,
            "sha256": evidence_file.sha256,
            "url": evidence_file.get_absolute_url(),
        },
        "duplicate": _duplicate(duplicate) if duplicate else None,
    }


def _refused(name, error):
    return {"name": name, "stored": False, "error": error}


def _duplicate(earlier):
    uploaded_on = date_format(timezone.localtime(earlier.uploaded_at), "j F Y")
    return {
        "message": f"You uploaded the same file to {earlier.item.title} on {uploaded_on}.",
        "item_title": earlier.item.title,
        "item_url": earlier.item.get_absolute_url(),
        "file_url": earlier.get_absolute_url(),
        "uploaded_on": uploaded_on,
    }


def _upload_answer(request, item, results):
    """JSON for the page's script (one file a request); otherwise messages and back to the item."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        refusals = [result["error"] for result in results if not result["stored"]]
        if refusals:
            return JsonResponse({"error": " ".join(refusals), "results": results}, status=400)
        return JsonResponse({"results": results}, status=201)
    _add_messages(request, results)
    return redirect(item)


def _add_messages(request, results):
    for result in results:
        name = result["name"]
        if not result["stored"]:
            prefix = f"{name} was not added. " if name else ""
            messages.error(request, prefix + result["error"])
        elif result["duplicate"]:
            duplicate = result["duplicate"]
            messages.warning(
                request,
                format_html(
                    '{} was added, but you uploaded the same file to <a href="{}">{}</a> on {}.',
                    name,
                    duplicate["item_url"],
                    duplicate["item_title"],
                    duplicate["uploaded_on"],
                ),
            )
        else:
            messages.success(request, f"{name} was added.")


@require_safe
def download(request, pk):
    evidence_file = evidence_file_for_user(request.user, pk)
    file_type = ACCEPTED_TYPES.get(evidence_file.content_type)
    inline = file_type is not None and file_type.preview and request.GET.get("download") != "1"
    content_type = file_type.content_type if file_type else "application/octet-stream"
    if content_type in TEXT_TYPES:
        content_type += "; charset=utf-8"
    try:
        stream = open_for_download(evidence_file.file)
    except FileNotFoundError:
        # Its bytes were deleted at the end of the retention period (audit/retention.py).
        raise Http404("This file was removed when its retention period ended.") from None
    response = _ranged_file_response(
        request,
        stream,
        size=evidence_file.size,
        content_type=content_type,
        as_attachment=not inline,
        filename=evidence_file.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    is_pdf = inline and content_type == "application/pdf"
    response["Content-Security-Policy"] = PDF_POLICY if is_pdf else FILE_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Training centres share computers: keep evidence out of the browser's cache.
    response["Cache-Control"] = "private, no-store"
    return response


def remove(request, pk):
    """GET: what taking the file out will do; POST: take it out."""
    evidence_file = evidence_file_for_user(request.user, pk)
    item = evidence_item_for_user(request.user, evidence_file.item_id, change=True, roles=OWNER)
    if request.method != "POST":
        return render(
            request,
            "confirm.html",
            {
                "heading": f"Remove {evidence_file.original_name}?",
                "consequences": [
                    f"{evidence_file.original_name} will be taken out of the draft “{item.title}” "
                    "and deleted. This cannot be undone; you can upload the file again.",
                ],
                "action": request.path,
                "button": "Remove the file",
                "danger": True,
                "cancel_url": item.get_absolute_url(),
            },
        )
    try:
        evidence_file_remove(evidence_file=evidence_file, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{evidence_file.original_name} was taken out of this item.")
    return redirect(item)


SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
UNSATISFIABLE = "unsatisfiable"


def _byte_range(header, size):
    """(first, last) byte of a single Range header, None for the whole file, or UNSATISFIABLE."""
    match = SINGLE_RANGE.fullmatch((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None  # absent, several ranges or malformed: the whole file is a valid answer
    first, last = match.groups()
    if not first:
        length = int(last)  # "bytes=-500": the last 500 bytes
        return (max(size - length, 0), size - 1) if length else UNSATISFIABLE
    first, last = int(first), min(int(last), size - 1) if last else size - 1
    if first >= size:
        return UNSATISFIABLE
    return (first, last) if first <= last else None


class _Slice:
    """A part of a stored file, read in blocks: video players seek with Range requests."""

    def __init__(self, stream, first, length):
        stream.seek(first)
        self.stream, self.remaining = stream, length

    def read(self, size=-1):
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.stream.read(size)
        self.remaining -= len(data)
        return data

    def close(self):
        self.stream.close()


def _ranged_file_response(request, stream, *, size, **options):
    byte_range = _byte_range(request.headers.get("Range"), size)
    if byte_range == UNSATISFIABLE:
        stream.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range:
        first, last = byte_range
        response = FileResponse(_Slice(stream, first, last - first + 1), status=206, **options)
        response["Content-Length"] = last - first + 1
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    else:
        response = FileResponse(stream, **options)
    response["Accept-Ranges"] = "bytes"
    return response
