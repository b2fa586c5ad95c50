"""Reading the audit trail."""

from people.access import Role, eqa_condition

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
    records = records.select_related("personal")
    return records.order_by("-sequence" if newest_first else "sequence")


def timeline_for(user, role, enrolment, **filters):
    """What `user`, holding `role` on the enrolment, may read of its trail: an EQA only the
    dates their grants cover."""
    records = records_for_enrolment(enrolment, **filters)
    if role == Role.EQA:
        records = records.filter(eqa_condition(user, enrolment="enrolment_id", on="at__date"))
    return records
