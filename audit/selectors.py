"""Reading the audit trail."""

from .models import AuditRecord


def records_for_enrolment(enrolment, *, kinds=(), since=None, until=None, newest_first=True):
    """The enrolment's audit records with their personal details (AuditPersonal) and actor,
    newest first; `kinds` and the dates (inclusive, local dates) narrow it."""
    records = AuditRecord.objects.filter(enrolment_id=getattr(enrolment, "pk", enrolment))
    if kinds:
        records = records.filter(kind__in=kinds)
    if since is not None:
        records = records.filter(at__date__gte=since)
    if until is not None:
        records = records.filter(at__date__lte=until)
    records = records.select_related("personal", "actor")
    return records.order_by("-sequence" if newest_first else "sequence")
