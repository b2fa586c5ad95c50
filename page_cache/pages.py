"""Pages served again from the cache while nothing they read has changed.

`@cached_page` on a view that only reads: a GET by a signed-in person is looked up under a key
of who is asking (their session's CSRF secret, so a cached form carries a token their session
accepts, and what the navigation shows them: roles, unread notices, what waits for them), the
address with its query, and the day (pages say "waiting 9 days"). The entry holds the page and
the version of every table its statements read (`tables.reads_noted`); it is served while every
one of those versions is unchanged, checked in one query, so a change committed anywhere (any
app server, a job, a command) to anything the page read is never hidden by it.

Not cached: a page with messages to show, a response that sets a cookie or is not a plain 200.
Each `{% submission_token %}` in a cached page is replaced by a new token each time it is
served, so two forms sent from copies of one page are two submissions, not one.
"""

import functools
import hashlib
import re
import zlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from people.context_processors import navigation_facts_of
from submissions.once import new_token

from .tables import reads_noted, versions

TOKEN_PLACEHOLDER = "submission-token-served-fresh"
_PLACEHOLDER = re.compile(re.escape(TOKEN_PLACEHOLDER).encode())
RECORDING = "_page_cache_recording"
# A page larger than this, compressed, is built each time: the cache of each app server (local
# memory when no REDIS_URL is set) holds at most CACHES' MAX_ENTRIES of these.
LARGEST_KEPT = 100 * 1024


def cached_page(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = _key(request, view)
        if key is None:
            return view(request, *args, **kwargs)
        entry = cache.get(key)
        if entry is not None:
            read, headers, packed = entry
            current = versions()
            if all(current.get(table, 0) == version for table, version in read.items()):
                return _served(zlib.decompress(packed), headers)
        seen = versions()  # before the page reads anything: a change after this moves it on
        setattr(request, RECORDING, True)
        try:
            with reads_noted() as tables:
                response = view(request, *args, **kwargs)
        finally:
            delattr(request, RECORDING)
        if _storable(response):
            read = {table: seen.get(table, 0) for table in tables}
            headers = [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in {"content-length", "set-cookie"}
            ]
            packed = zlib.compress(response.content, 1)  # a tenth of the memory, in a millisecond
            if len(packed) <= LARGEST_KEPT:
                cache.set(key, (read, headers, packed), settings.PAGE_CACHE_SECONDS)
            if _PLACEHOLDER.search(response.content):
                return _served(response.content, headers)
        return response

    return wrapper


def recording(context):
    """True while a page is being rendered to be cached (for `{% submission_token %}`)."""
    request = getattr(context, "request", None)
    return bool(getattr(request, RECORDING, False))


def _key(request, view):
    user = getattr(request, "user", None)
    secret = request.META.get("CSRF_COOKIE")
    if (
        not settings.PAGE_CACHE_SECONDS
        or request.method != "GET"
        or user is None
        or not user.is_authenticated
        or not secret
        # What an EQA may see ends at a time, not at a write: their pages are never cached.
        or user.is_external_verifier
        or _has_messages(request)
    ):
        return None
    roles, unread, waiting = navigation_facts_of(request)
    who = (user.pk, user.get_username(), user.display_name, sorted(roles), unread, waiting)
    parts = (view.__module__, view.__qualname__, who, secret, request.get_full_path())
    digest = hashlib.sha256(repr((parts, timezone.localdate().isoformat())).encode())
    return f"page:{digest.hexdigest()}"


def _has_messages(request):
    storage = messages.get_messages(request)
    waiting = any(True for _ in storage)
    storage.used = False  # looked at, not shown: they stay for the page that shows them
    return waiting


def _storable(response):
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        return False
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
    )


def _served(body, headers):
    body = _PLACEHOLDER.sub(lambda _: new_token().encode(), body)
    response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
    return response
