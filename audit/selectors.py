"""Reading the audit trail."""

from django.db.models import Q

from people.access import Role, eqa_grant_scopes

from .models import AuditRecord

# Records about the enrolment as a whole, which carry no item or unit: an EQA whose grant
# names the learner reads them (for the grant's dates), as they read the enrolment's page.
ENROLMENT_KINDS = (AuditRecord.Kind.ENROLMENT_CREATED, AuditRecord.Kind.ENROLMENT_CHANGED)


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
    """What `user`, holding `role` on the enrolment, may read of its trail: an EQA only what
    their grants cover (see eqa_records_condition)."""
    records = records_for_enrolment(enrolment, **filters)
    if role == Role.EQA:
        records = records.filter(eqa_records_condition(user))
    return records


def eqa_records_condition(user):
    """A Q for the records an EQA's grants in force cover: for each grant, its learners' records
    dated within its dates whose unit, if they name one, is one of its units, and whose item,
    if they name one, was submitted and is mapped to one of them; or records about the
    enrolment as a whole. So a record about another unit, or about evidence mapped only to
    other units or never submitted, is not theirs; nor is one written before records said
    what they were about (it names neither)."""
    from evidence.models import EvidenceMapping
    from evidence.selectors import ever_submitted

    condition = Q(pk__in=[])
    for scope in eqa_grant_scopes(user):
        dates = Q(at__date__gte=scope.covers_from, at__date__lte=scope.covers_to)
        for enrolment_id, unit_ids in scope.units_by_enrolment().items():
            mapped = (
                EvidenceMapping.objects.filter(
                    ever_submitted("item"),
                    item__enrolment_id=enrolment_id,
                    criterion__outcome__unit_id__in=unit_ids,
                )
                .order_by()
                .values("item_id")
            )
            item_in_scope = Q(item__isnull=True) | Q(item_id__in=mapped)
            unit_in_scope = Q(unit__isnull=True) | Q(unit_id__in=unit_ids)
            about = Q(item__isnull=False) | Q(unit__isnull=False) | Q(kind__in=ENROLMENT_KINDS)
            condition |= (
                Q(enrolment_id=enrolment_id) & dates & item_in_scope & unit_in_scope & about
            )
    return condition
