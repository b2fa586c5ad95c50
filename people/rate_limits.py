"""How often someone may ask for things that email a person, counted in the cache.

Counters live in Django's cache (local memory unless CACHES says otherwise), never in the
database: a flood of requests must not become a flood of writes.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60 * 60


def _count(key):
    """Count one more request against `key` in the current window; the new total."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def password_reset_request_allowed(*, address, email):
    """Count a password reset request from `address` for `email`; False past either hourly limit.

    The account is counted by the address typed, hashed, whether or not anyone has it, so the
    answer says nothing about who has an account.
    """
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    from_address = _count(f"password-reset:address:{address}")
    for_account = _count(f"password-reset:account:{account}")
    return (
        from_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        and for_account <= settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
    )


def confirmation_link_use_allowed(*, address):
    """Count one opening or sending of a witness's confirmation link from `address`; False past
    the hourly limit, whether the link is real or not, so guessing tokens gets nowhere."""
    used = _count(f"confirmation-link:address:{address}")
    return used <= settings.CONFIRMATION_LINK_LIMIT_PER_ADDRESS
