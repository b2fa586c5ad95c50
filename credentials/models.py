import uuid

from django.db import models

from assessments.models import UnitSignOff
from nvq_portfolio.text import NOTE, BoundedTextField


class Credential(models.Model):
    """An Open Badges 3.0 credential for a unit signed off and countersigned: issued once per
    sign-off, kept exactly as signed, and revoked (never deleted) when the unit is reopened."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sign_off = models.OneToOneField(
        UnitSignOff, on_delete=models.PROTECT, related_name="credential"
    )
    document = models.TextField(help_text="The signed JSON-LD document, byte for byte.")
    verification_method = models.CharField(
        max_length=300, help_text="The id of the public key that signed it."
    )
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = BoundedTextField("reason for revoking", max_length=NOTE, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoke_reason=""),
                name="credential_revoked_with_reason",
                violation_error_message="A revoked credential needs the reason.",
            ),
        ]

    def __str__(self):
        return f"Credential {self.public_id}"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def urn(self):
        return f"urn:uuid:{self.public_id}"
