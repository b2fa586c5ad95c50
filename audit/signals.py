"""Sign-ins and failed sign-ins, from Django's own signals (wiring to Django only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .models import AuditRecord
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def signed_in(sender, request, user, **kwargs):
    audit_record(
        kind=AuditRecord.Kind.SIGNED_IN,
        actor=user,
        obj=user,
        summary="Signed in.",
        request=request,
    )


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # The name tried may be a mistyped password or someone else's name: kept apart, unhashed.
    tried = str(credentials.get("username", "")).replace("\x00", "")[:150]
    person = get_user_model().objects.filter(username__iexact=tried).first() if tried else None
    audit_record(
        kind=AuditRecord.Kind.SIGN_IN_FAILED,
        actor=None,
        obj=person,
        object_type="" if person else "sign-in",
        summary="Failed sign-in" + (" for an existing account." if person else "."),
        request=request,
        detail=f"Username tried: {tried}",
    )
