"""Asking a witness or employer to confirm evidence, and their answer by the emailed link.

The learner's pages read: load, authorise, validate, act, render. The witness's page is open
without an account: the link is the authority, limited per client address, and every link we
cannot use gets a page saying why (one page for every link we do not know).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from evidence.access import OWNER, evidence_item_for_user
from evidence.typed import typed_template
from nvq_portfolio.client_address import client_address
from nvq_portfolio.errors import errors_to_form, errors_to_messages
from people.rate_limits import confirmation_link_use_allowed
from submissions.once import saved_once

from . import selectors, services
from .access import confirmation_for_user
from .forms import ConfirmationGiveForm, ConfirmationRequestForm
from .wording import DECLARATIONS, kinds_for_item


@saved_once
def request_create(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    kinds = kinds_for_item(item)
    if item.is_draft or not kinds:
        messages.error(
            request,
            "Submit the item first: a witness confirms the version you submitted."
            if kinds
            else "This item is not one a witness or employer confirms.",
        )
        return redirect(item)
    form = ConfirmationRequestForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            confirmation = services.confirmation_request(
                item=item, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(
                request,
                f"Sent {confirmation.witness_name} a link to confirm version "
                f"{confirmation.version.number}. It works once, for "
                f"{settings.CONFIRMATION_LINK_DAYS} days.",
            )
            return redirect(item)
    return render(
        request,
        "confirmations/request_form.html",
        {"item": item, "form": form, "link_days": settings.CONFIRMATION_LINK_DAYS},
    )


@require_POST
def resend(request, pk):
    confirmation = confirmation_for_user(request.user, pk)
    try:
        services.confirmation_resend(confirmation=confirmation, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            f"Sent {confirmation.witness_name} a new link; the one sent before no longer works.",
        )
    return redirect(confirmation.item)


@require_POST
def cancel(request, pk):
    confirmation = confirmation_for_user(request.user, pk)
    try:
        services.confirmation_cancel(confirmation=confirmation, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request, f"Withdrawn: the link sent to {confirmation.witness_name} no longer works."
        )
    return redirect(confirmation.item)


def _refused(request, refusal):
    return render(
        request, "confirmations/refused.html", {"refusal": refusal}, status=refusal.status
    )


@login_not_required
@never_cache
def respond(request, token):
    address = client_address(request)
    if not confirmation_link_use_allowed(address=address):
        refusal = services.LinkRefused(
            429,
            "Too many tries from this connection",
            "Please wait an hour and open the link from the email again.",
        )
        return _refused(request, refusal)
    confirmation = selectors.confirmation_for_token(token)
    if refusal := services.link_refusal(confirmation):
        return _refused(request, refusal)
    form = ConfirmationGiveForm(request.POST or None, declaration=DECLARATIONS[confirmation.kind])
    if request.method == "POST" and form.is_valid():
        try:
            confirmation = services.confirmation_give(
                confirmation=confirmation, address=address, **form.cleaned_data
            )
        except services.LinkRefused as refusal:
            return _refused(request, refusal)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            return render(request, "confirmations/given.html", {"confirmation": confirmation})
    version = confirmation.version
    return render(
        request,
        "confirmations/respond.html",
        {
            "confirmation": confirmation,
            "version": version,
            "learner": confirmation.item.enrolment.learner,
            "template": typed_template(version.template),
            "files": version.files.all(),
            "form": form,
        },
    )
