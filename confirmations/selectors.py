"""Reading confirmations: an item's, with where each stands, and the one a link names."""

import hashlib
import re

from django.db.models import Max, OuterRef, Prefetch, Subquery

from evidence import rules
from evidence.models import EvidenceFile, EvidenceVersion

from .models import Confirmation
from .wording import kinds_for_item

# What secrets.token_urlsafe(32) gives; anything else is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def confirmation_for_token(token):
    """The request whose link carries `token`, found by the token's hash, or None."""
    if not TOKEN.fullmatch(token or ""):
        return None
    files = Prefetch("version__files", queryset=EvidenceFile.objects.order_by("pk"))
    return (
        Confirmation.objects.select_related(
            "item__enrolment__learner", "item__enrolment__qualification", "version"
        )
        .prefetch_related(files)
        .filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
        .first()
    )


def _with_states(confirmations, item):
    for confirmation in confirmations:
        confirmation.current_state = confirmation.state(
            latest_number=confirmation.latest_number, item_is_draft=item.is_draft
        )
        # A confirmation of an earlier version says so: it covers that version only.
        confirmation.for_old_version = confirmation.version.number < (
            confirmation.latest_number or 0
        ) or (item.is_draft and confirmation.is_confirmed)
    return confirmations


def confirmations_for_item(item, *, version=None):
    """The item's requests, newest first, each with `current_state` and `for_old_version`:
    one query."""
    latest = (
        EvidenceVersion.objects.filter(item=OuterRef("item"))
        .values("item")
        .annotate(latest=Max("number"))
        .values("latest")
    )
    confirmations = (
        Confirmation.objects.filter(item=item)
        .select_related("version")
        .annotate(latest_number=Subquery(latest))
        .order_by("-requested_at", "-pk")
    )
    if version is not None:
        confirmations = confirmations.filter(version=version, confirmed_at__isnull=False)
    return _with_states(list(confirmations), item)


def confirmation_context(item, user):
    """What an item's page shows of its confirmations, and whether it offers to ask for one."""
    kinds = kinds_for_item(item)
    return {
        "confirmations": confirmations_for_item(item),
        "can_ask_confirmation": bool(kinds)
        and not item.is_draft
        and rules.owner_id(item) == user.pk,
        "owns_confirmations": rules.owner_id(item) == user.pk,
    }
