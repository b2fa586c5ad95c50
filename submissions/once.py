"""Saving a create form once, however often it is sent: `{% submission_token %}` inside the
form, `@saved_once` on its view.

The tag gives each form it renders a random token. On a POST that carries one, the decorator
runs the view in a transaction that first claims the submission (person, page, token and
content) in the database. A copy of the same submission (a double click, a resent form, four
arriving at once) finds it claimed, waits for the first to finish, and is sent where the first
was sent, with a message, having saved nothing. A POST counts as saved when the view redirects
without an error message; anything else (the form again with its errors, a refusal) releases the
claim, so the form can be put right and sent again. Content is part of the claim so that a form
reached again with the Back button and changed is a new submission, not a copy.
A POST with no token (a script, a page from before this) is handled as it always was.
"""

import datetime
import functools
import hashlib
import re
import secrets

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect

from .models import Submission

FIELD = "submission_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
REDIRECTS = {301, 302, 303, 307, 308}
# Long enough for any resend or reopened tab; the table stays small.
KEPT_FOR = datetime.timedelta(days=2)
ALREADY_SAVED = "That form had already been sent, so it was saved once and not again."


def new_token():
    return secrets.token_urlsafe(24)


def submission_key(request, token):
    """A digest of who sent what, where, with which token; the same for every copy."""
    digest = hashlib.sha256(repr((request.user.pk, request.path, token)).encode())
    for name in sorted(request.POST):
        if name != "csrfmiddlewaretoken":
            digest.update(repr((name, request.POST.getlist(name))).encode())
    for name in sorted(request.FILES):
        files = [(upload.name, upload.size) for upload in request.FILES.getlist(name)]
        digest.update(repr((name, files)).encode())
    return digest.hexdigest()


def saved_once(view):
    """Run `view` so that copies of one POST (same token, same content) save once."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not (TOKEN.fullmatch(token) and request.user.is_authenticated):
            return view(request, *args, **kwargs)
        key = submission_key(request, token)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = Submission.objects.create(key=key, user=request.user)
            except IntegrityError:  # a copy: the first has finished by now (it held the row)
                return _first_result(request, key)
            errors_before = _error_count(request)
            response = view(request, *args, **kwargs)
            if response.status_code in REDIRECTS and _error_count(request) == errors_before:
                claim.result_url = response["Location"]
                claim.save(update_fields=["result_url"])
                transaction.on_commit(lambda: _prune(before=claim.claimed_at - KEPT_FOR))
            else:
                claim.delete()
        return response

    wrapper.saved_once = True  # for the test that every such view's form carries a token
    return wrapper


def _prune(*, before):
    # After the commit, in a statement of its own: no claim waits on another's pruning.
    Submission.objects.filter(claimed_at__lt=before).delete()


def _first_result(request, key):
    result_url = Submission.objects.filter(key=key).values_list("result_url", flat=True).first()
    messages.info(request, ALREADY_SAVED)
    return HttpResponseRedirect(result_url or request.path)


def _error_count(request):
    """Error messages waiting to be shown, counted without marking them shown."""
    storage = messages.get_messages(request)
    used = storage.used
    count = sum(message.level >= messages.ERROR for message in storage)
    storage.used = used
    return count
