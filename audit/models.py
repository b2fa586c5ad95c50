"""The audit trail: one append-only, hash-chained record per state change.

Each AuditRecord holds the SHA-256 of the record before it and of its own hashed fields in
canonical JSON (audit/chain.py), so a row changed, removed or inserted by hand breaks the chain
at that row (`manage.py verify_audit`). What names or locates a person (the client address, the
actor's name at the time, free text) lives apart in AuditPersonal, outside the hash, so
retention can blank it and the chain stays valid (docs/audit.md).
"""

from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """An audit record was about to be changed or deleted."""


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit records are never changed.")

    def delete(self):
        raise AppendOnly("Audit records are never deleted.")

    # bulk_update goes through update(); bulk_create would skip the chain.
    def bulk_create(self, *args, **kwargs):
        raise AppendOnly("Audit records are appended one at a time by audit_record().")


def kept_id(to, *, db_index=False):
    """A reference a record keeps whatever becomes of what it names: never a constraint, never
    a cascade, never edited."""
    return models.ForeignKey(
        to,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=db_index,
        related_name="+",
        editable=False,
    )


class AuditRecord(models.Model):
    class Kind(models.TextChoices):
        EVIDENCE_CREATED = "evidence_created", "Evidence created"
        EVIDENCE_EDITED = "evidence_edited", "Evidence edited"
        EVIDENCE_DELETED = "evidence_deleted", "Draft evidence deleted"
        EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
        EVIDENCE_REVISED = "evidence_revised", "Evidence reopened for revision"
        EVIDENCE_MAPPED = "evidence_mapped", "Evidence mapped"
        MAPPING_REMOVED = "mapping_removed", "Mapping removed"
        FILE_ADDED = "file_added", "File added"
        FILE_REMOVED = "file_removed", "File removed"
        REVIEW = "review", "Evidence reviewed"
        MAPPING_DECIDED = "mapping_decided", "Mapping decided"
        ASSESSOR_RECORD = "assessor_record", "Assessor's record"
        TARGET = "target", "Target changed"
        JUDGEMENT = "judgement", "Judgement recorded"
        SIGNED_OFF = "signed_off", "Unit signed off"
        COUNTERSIGNED = "countersigned", "Unit countersigned"
        REOPENED = "reopened", "Unit reopened"
        IQA_PLAN = "iqa_plan", "IQA sampling plan changed"
        IQA_REVIEW = "iqa_review", "IQA review signed"
        IQA_ACTION = "iqa_action", "IQA action changed"
        STANDARDISATION = "standardisation", "Standardisation record"
        EQA_GRANTED = "eqa_granted", "EQA access granted"
        EQA_GRANT_ENDED = "eqa_grant_ended", "EQA access ended"
        PERSON_CREATED = "person_created", "Person added"
        PERSON_CHANGED = "person_changed", "Person or role changed"
        ENROLMENT_CREATED = "enrolment_created", "Enrolment added"
        ENROLMENT_CHANGED = "enrolment_changed", "Enrolment changed"
        SAMPLING_RATE = "sampling_rate", "Sampling rate changed"
        SETTINGS_CHANGED = "settings_changed", "Centre settings changed"
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        RETENTION = "retention", "Personal data removed after retention"
        CONFIRMATION_ASKED = "confirmation_asked", "Confirmation asked of a witness or employer"
        CONFIRMATION_CHANGED = (
            "confirmation_changed",
            "Confirmation link resent or withdrawn",
        )
        CONFIRMATION_GIVEN = "confirmation_given", "Confirmation given by link"
        CATALOGUE_CHANGED = "catalogue_changed", "Catalogue changed"

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False)
    # No cascade can ever delete a record: the person may go, the id stays.
    actor = kept_id(settings.AUTH_USER_MODEL, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, editable=False)
    object_type = models.CharField(max_length=60, editable=False)
    object_id = models.CharField(max_length=40, blank=True, editable=False)
    # "Evidence item 12", "Unit A/601/2550": never a person's name (that is in AuditPersonal).
    object_label = models.CharField(max_length=200, blank=True, editable=False)
    enrolment = kept_id("people.Enrolment")
    # The evidence item and the unit the change is about, when it is about one: what an EQA's
    # grant (learners, units, dates) is matched against. Hashed when set (audit/chain.py).
    item = kept_id("evidence.EvidenceItem")
    unit = kept_id("criteria.Unit")
    # What happened, in words that name no one.
    summary = models.CharField(max_length=300, editable=False)
    before_digest = models.CharField(max_length=64, blank=True, editable=False)
    after_digest = models.CharField(max_length=64, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    record_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["enrolment", "at"], name="audit_enrolment_at")]

    def __str__(self):
        return f"#{self.sequence} {self.get_kind_display()}: {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit records are never deleted.")


class AuditPersonal(models.Model):
    """What about a record names or locates a person, kept outside the hash so retention can
    blank it without breaking the chain."""

    record = models.OneToOneField(
        AuditRecord,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="personal",
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    actor_name = models.CharField(max_length=300, blank=True)
    object_name = models.CharField(max_length=300, blank=True)
    detail = models.TextField(blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Personal details of audit record {self.record_id}"


class CentreSettings(models.Model):
    """The centre's settings: one row (pk 1), edited by a centre admin."""

    retention_years = models.PositiveSmallIntegerField(
        "years to keep a portfolio after certification",
        default=3,
        help_text=(
            "Awarding bodies ask for records to be kept; after this many years a learner's "
            "personal data is pseudonymised and their evidence files removed."
        ),
    )

    class Meta:
        verbose_name = "centre settings"
        verbose_name_plural = "centre settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="centre_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(retention_years__gte=1, retention_years__lte=50),
                name="retention_years_1_to_50",
            ),
        ]

    def __str__(self):
        return "Centre settings"

    @classmethod
    def current(cls):
        # Unsaved defaults until an admin saves: reading the settings never writes.
        return cls.objects.filter(pk=1).first() or cls(pk=1)
