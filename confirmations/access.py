"""The one place that decides who may act on a confirmation request: its item's owner."""

from django.shortcuts import get_object_or_404

from evidence.access import OWNER, evidence_item_for_user

from .models import Confirmation


def confirmation_for_user(user, pk):
    """The request, for its item's owner; 404 for outsiders, 403 for those who only read."""
    confirmation = get_object_or_404(Confirmation, pk=pk)
    confirmation.item = evidence_item_for_user(user, confirmation.item_id, change=True, roles=OWNER)
    return confirmation
