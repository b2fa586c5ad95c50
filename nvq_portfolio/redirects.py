"""Sending someone back where a form came from (`next`), only ever to a page of this site."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

LONGEST = 2_000


def local_url(request, url):
    """`url` if it is a path on this site (such as /evidence/4/#feedback), otherwise None.

    Anything else, such as a full address elsewhere, `javascript:`, a bare word Django would
    try to reverse as a view name, or control characters, is not a place to send anyone.
    """
    if not isinstance(url, str) or not url.startswith("/") or len(url) > LONGEST:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in url):
        return None
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else None


def redirect_back(request, fallback):
    """Redirect to the POST's `next` if it is a page of this site; otherwise to `fallback`."""
    return HttpResponseRedirect(local_url(request, request.POST.get("next")) or fallback)
