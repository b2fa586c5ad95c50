"""Accepting or dismissing a suggested criterion from the mapping page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from evidence.access import OWNER, evidence_item_for_user
from nvq_portfolio.errors import errors_to_messages
from submissions.once import saved_once

from . import services
from .forms import SuggestionForm


def _mapping_page(item):
    return redirect(reverse("evidence:mappings", args=[item.pk]) + "#suggested-criteria")


@require_POST
@saved_once
def accept(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    form = SuggestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the suggested criteria.")
        return _mapping_page(item)
    try:
        mapping = services.suggestion_accept(
            item=item, by=request.user, key=form.cleaned_data["target"]
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, f"Mapped to {mapping.code}. Say in a line how it shows it.")
    return _mapping_page(item)


@require_POST
def dismiss(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    form = SuggestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the suggested criteria.")
        return _mapping_page(item)
    try:
        dismissal = services.suggestion_dismiss(
            item=item, by=request.user, key=form.cleaned_data["target"]
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        code = dismissal.part.code if dismissal.part else dismissal.criterion.code
        messages.success(request, f"{code} will not be suggested for this item again.")
    return _mapping_page(item)
