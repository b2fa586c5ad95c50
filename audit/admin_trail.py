"""Changes made in Django admin go into the audit trail, as the services' own do.

Django admin is a second way to change people, enrolments, sampling rates, the catalogue and
second factors; it must not be a way round the trail. `AuditedAdmin` appends one record for
each object added, changed or deleted, inside the transaction Django admin saves in, with the
object's state before and after, and keeps Django's own LogEntry as it was.
"""

from django.db import transaction

from . import chain
from .hooks import enrolment_id_of
from .models import AuditRecord
from .services import audit_record


def _changed_fields(message):
    """The labels of the fields Django admin's change message lists; names no one."""
    fields = []
    for entry in message if isinstance(message, list) else []:
        for name in entry.get("changed", {}).get("fields", []):
            if name not in fields:
                fields.append(name)
    return fields


class AuditedAdmin:
    """Mix into a ModelAdmin (before admin.ModelAdmin); set `audit_kinds`."""

    # {"added": Kind, "changed": Kind, "deleted": Kind}
    audit_kinds = {}
    # What the record calls the object, if not the model's verbose name.
    audit_noun = None

    def audit_state(self, obj):
        """What is digested before and after: the object's own fields unless said otherwise."""
        return chain.state_of(obj)

    def audit_enrolment(self, obj):
        return enrolment_id_of(obj)

    def _stored_state(self, obj):
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return self.audit_state(stored) if stored is not None else None

    def _audit(self, request, how, obj, *, before, after, summary):
        audit_record(
            kind=self.audit_kinds[how],
            actor=request.user,
            obj=obj,
            enrolment=self.audit_enrolment(obj),
            before=before,
            after=after,
            summary=summary,
            request=request,
        )

    def _name(self, obj):
        name = str(type(obj)._meta.verbose_name)
        return self.audit_noun or name[:1].upper() + name[1:]

    def save_model(self, request, obj, form, change):
        if change:
            # Before the form's values are saved; inlines are saved after, by save_related.
            request._audit_before = self._stored_state(obj)
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        self._audit(
            request,
            "added",
            obj,
            before=None,
            after=self.audit_state(obj),
            summary=f"{self._name(obj)} added in Django admin.",
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        after = self.audit_state(obj)
        # A password set on its own page changes nothing that is digested.
        before = request.__dict__.pop("_audit_before", after)
        fields = _changed_fields(message)
        what = f": {', '.join(fields)}" if fields else ""
        self._audit(
            request,
            "changed",
            obj,
            before=before,
            after=after,
            summary=f"{self._name(obj)} changed in Django admin{what}.",
        )
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._deleted(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action is not in a transaction of Django's: the records and the deletion
        # stand or fall together here.
        with transaction.atomic():
            for obj in queryset:
                self._deleted(request, obj)
            super().delete_queryset(request, queryset)

    def _deleted(self, request, obj):
        self._audit(
            request,
            "deleted",
            obj,
            before=self.audit_state(obj),
            after=None,
            summary=f"{self._name(obj)} deleted in Django admin.",
        )


PERSON_KINDS = {
    "added": AuditRecord.Kind.PERSON_CREATED,
    "changed": AuditRecord.Kind.PERSON_CHANGED,
    "deleted": AuditRecord.Kind.PERSON_CHANGED,
}
ENROLMENT_KINDS = {
    "added": AuditRecord.Kind.ENROLMENT_CREATED,
    "changed": AuditRecord.Kind.ENROLMENT_CHANGED,
    "deleted": AuditRecord.Kind.ENROLMENT_CHANGED,
}
SAMPLING_KINDS = dict.fromkeys(("added", "changed", "deleted"), AuditRecord.Kind.SAMPLING_RATE)
CATALOGUE_KINDS = dict.fromkeys(("added", "changed", "deleted"), AuditRecord.Kind.CATALOGUE_CHANGED)
