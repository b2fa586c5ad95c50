"""A witness's or an employer's confirmation of one submitted version of an evidence item,
asked for by an emailed link and given without an account.

The link carries a random token (secrets.token_urlsafe(32), 256 bits); only its SHA-256 is
kept, so the table cannot be turned back into working links. A request names the version it
was sent for: once the item has a newer version, or the learner is revising it, the link is
refused, and a confirmation already given applies to its version only. Resending gives the
request a new token (the old one dies); cancelling kills it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from evidence.models import EvidenceItem, EvidenceVersion
from nvq_portfolio.text import NOTE, SHORT, BoundedCharField, BoundedTextField


class Confirmation(models.Model):
    class Kind(models.TextChoices):
        WITNESS = "witness", "Witness testimony"
        EMPLOYER = "employer", "Employer sign-off"

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed as written"
        CORRECTED = "corrected", "Confirmed with a correction"

    class State(models.TextChoices):
        SENT = "sent", "Sent"
        CONFIRMED = "confirmed", "Confirmed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Withdrawn"
        OUT_OF_DATE = "out_of_date", "Out of date"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WITNESS)
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="confirmations")
    version = models.ForeignKey(
        EvidenceVersion, on_delete=models.PROTECT, related_name="confirmations"
    )
    witness_name = BoundedCharField("name", max_length=SHORT)
    witness_role = BoundedCharField("role", max_length=SHORT, help_text="e.g. Line manager")
    relationship = BoundedCharField(
        "relationship to the learner", max_length=SHORT, help_text="e.g. Manages my team"
    )
    witness_email = models.EmailField("email address", max_length=254)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The witness's answer and signature.
    how_known = BoundedTextField("how they know the learner", max_length=NOTE, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    correction = BoundedTextField(max_length=NOTE, blank=True)
    signed_name = BoundedCharField("name typed as signature", max_length=SHORT, blank=True)
    content_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the version's content as signed."
    )
    files_signed = models.JSONField(
        default=list, blank=True, help_text="[name, SHA-256] of each file of the version signed."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    witness_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True)
                | (~Q(signed_name="") & ~Q(content_digest="") & ~Q(outcome="")),
                name="confirmation_signed_in_full",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="confirmation_not_confirmed_and_cancelled",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.witness_name} of {self.version}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def state(self, *, latest_number=None, item_is_draft=False, now=None):
        """Where the request stands; `latest_number` is the item's newest version number."""
        if self.is_confirmed:
            return self.State.CONFIRMED
        if self.cancelled_at:
            return self.State.CANCELLED
        if item_is_draft or (latest_number is not None and latest_number > self.version.number):
            return self.State.OUT_OF_DATE
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.SENT
