"""The address a request comes from, for sign-in lockouts and rate limits.

Directly exposed, that is the connecting address (REMOTE_ADDR); anyone can send an
X-Forwarded-For header, so it is ignored. Behind the HTTPS proxy (DJANGO_BEHIND_HTTPS_PROXY)
every request connects from the proxy, which appends the address it saw to X-Forwarded-For:
the entry DJANGO_TRUSTED_PROXY_COUNT places from the right is the client, and entries further
left are whatever the client wrote.
"""

import ipaddress

from django.conf import settings


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request):
    """The client's IP address as text, or None if the request names no usable one."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if not settings.BEHIND_HTTPS_PROXY:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < settings.TRUSTED_PROXY_COUNT:
        return remote  # not through the proxy chain we were told of (a health check, say)
    return _address(hops[-settings.TRUSTED_PROXY_COUNT]) or remote
