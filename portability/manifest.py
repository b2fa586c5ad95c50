"""What a portable portfolio says, as plain JSON: the manifest written into its ZIP.

docs/portfolio-manifest.schema.json documents every key. People are named by username inside
the manifest and listed once, with their email, under "people": an import maps them by email.
Ids are the exporting installation's; they tie versions to files and judgements to items, and
an import gives every row a new one.
"""

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from assessments.models import (
    Feedback,
    Judgement,
    JudgementEvidence,
    Target,
    TargetReopening,
    UnitSignOff,
)
from criteria.models import Qualification
from criteria.services import unit_export
from evidence.models import EvidenceFile, EvidenceItem, EvidenceMapping, EvidenceVersion
from people.access import Role, eqa_condition
from people.models import EnrolmentUnit
from quality.models import SampleReview

MANIFEST_FORMAT = 1
VACSR = ("valid", "authentic", "current", "sufficient", "reliable")


def iso(moment):
    """A time in UTC, or a date, as ISO 8601; None stays None."""
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(datetime.UTC).isoformat()
    return moment.isoformat()


def file_path(evidence_file):
    """Where a file lies in the ZIP: its id keeps two files of one name apart."""
    return f"files/{evidence_file.pk}/{_safe(evidence_file.original_name)}"


def _safe(name):
    kept = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return kept[:120] or "file"


class _People:
    """Everyone the manifest names, collected as it is built."""

    def __init__(self):
        self.users = {}

    def __call__(self, user):
        if user is None:
            return None
        self.users[user.pk] = user
        return user.username

    def listed(self):
        return [
            {
                "id": user.pk,
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }
            for user in sorted(self.users.values(), key=lambda u: u.username)
        ]


def portfolio_manifest(*, learner, enrolments, only_unit_ids=None, viewer=None, audit=None):
    """The manifest of `learner`'s `enrolments`; `only_unit_ids` {enrolment pk: unit pks or
    None} narrows each to the units a reader's role covers (an EQA's grant)."""
    only_unit_ids = only_unit_ids or {}
    person = _People()
    person(learner)
    units, qualifications, entries = {}, set(), []
    for enrolment in enrolments:
        unit_ids = only_unit_ids.get(enrolment.pk)
        entry = _enrolment(enrolment, unit_ids, person, units, viewer, audit)
        qualifications.add(enrolment.qualification.code)
        entries.append(entry)
    for spec in units.values():
        qualifications.update(spec["qualifications"])
    return {
        "format": MANIFEST_FORMAT,
        "exported_at": iso(timezone.now()),
        "complete": not any(ids is not None for ids in only_unit_ids.values()),
        "learner": person(learner),
        "qualifications": [
            {
                "code": q.code,
                "title": q.title,
                "awarding_body": q.awarding_body,
                "level": q.level,
                "reference": q.reference,
            }
            for q in Qualification.objects.filter(code__in=qualifications).order_by("code")
        ],
        "units": [units[slug] for slug in sorted(units)],
        "enrolments": entries,
        "people": person.listed(),
    }


def _enrolment(enrolment, unit_ids, person, units, viewer, audit):
    enrolled = EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")
    if unit_ids is not None:
        enrolled = enrolled.filter(unit_id__in=unit_ids)
    enrolled = sorted(enrolled, key=lambda eu: eu.unit.slug)
    for enrolled_unit in enrolled:
        if enrolled_unit.unit.slug not in units:
            units[enrolled_unit.unit.slug] = unit_export(unit=enrolled_unit.unit)
    entry = {
        "id": enrolment.pk,
        "qualification": enrolment.qualification.code,
        "assessor": person(enrolment.assessor),
        "iqa": person(enrolment.iqa),
        "start_date": iso(enrolment.start_date),
        "planned_end_date": iso(enrolment.planned_end_date),
        "status": enrolment.status,
        "created_at": iso(enrolment.created_at),
        "units": [eu.unit.slug for eu in enrolled],
        "items": _items(enrolment, unit_ids, person, submitted_only=_is_eqa(viewer)),
        "judgements": _judgements(enrolled, person),
        "sign_offs": _sign_offs(enrolled, person),
        "iqa_reviews": _iqa_reviews(enrolment, enrolled, person, viewer),
        "targets": _targets(enrolment, person, unit_ids),
    }
    extract = audit(enrolment, viewer) if audit else None
    if extract is not None:
        entry["audit"] = extract
    return entry


def _is_eqa(viewer):
    return viewer is not None and viewer.role == Role.EQA


def _criterion_ref(criterion, part):
    return {
        "unit": criterion.outcome.unit.slug,
        "code": criterion.code,
        "part": part.letter if part else None,
    }


def _items(enrolment, unit_ids, person, *, submitted_only=False):
    items = EvidenceItem.objects.filter(enrolment=enrolment)
    if unit_ids is not None:
        in_units = EvidenceMapping.objects.filter(criterion__outcome__unit_id__in=unit_ids)
        items = items.filter(pk__in=in_units.values("item"))
    people = ("created_by",)
    items = items.select_related(*people).prefetch_related(
        Prefetch(
            "files", queryset=EvidenceFile.objects.select_related("uploaded_by").order_by("pk")
        ),
        Prefetch(
            "versions",
            queryset=EvidenceVersion.objects.select_related("declared_by", "acknowledged_by")
            .prefetch_related(Prefetch("files", queryset=EvidenceFile.objects.order_by("pk")))
            .order_by("number"),
        ),
        Prefetch(
            "mappings",
            queryset=EvidenceMapping.objects.select_related(
                "criterion__outcome__unit", "part", "added_by", "decided_by"
            ).order_by(
                "criterion__outcome__unit__slug",
                "criterion__outcome__number",
                "criterion__number",
                "part__letter",
            ),
        ),
        Prefetch(
            "feedback",
            queryset=Feedback.objects.select_related("author").order_by("created_at", "pk"),
        ),
    )
    entries = [_item(item, person) for item in items.order_by("created_at", "pk")]
    return [_as_submitted(e) for e in entries if e["versions"]] if submitted_only else entries


# What a draft's working copy says, for an EQA: as its latest version says it.
WORKING_COPY = (
    "title",
    "description",
    "activity_date",
    "evidence_type",
    "assessment_method",
    "template",
    "typed_content",
)


def _as_submitted(entry):
    """An item as an EQA reads it: never a draft's working copy (evidence/access.py)."""
    in_versions = {pk for version in entry["versions"] for pk in version["files"]}
    is_draft = entry["status"] == EvidenceItem.Status.DRAFT
    entry["files"] = [
        f
        for f in entry["files"]
        if f["id"] in in_versions or (f["removed_at"] is None and not is_draft)
    ]
    if is_draft:
        latest = entry["versions"][-1]
        entry.update({key: latest[key] for key in WORKING_COPY})
        entry["mappings"] = [m for m in entry["mappings"] if m["decision"] != "pending"]
    return entry


def _item(item, person):
    return {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "activity_date": iso(item.activity_date),
        "evidence_type": item.evidence_type,
        "assessment_method": item.assessment_method,
        "template": item.template,
        "typed_content": item.typed_content,
        "status": item.status,
        "is_assessor_record": item.is_assessor_record,
        "created_by": person(item.created_by),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "submitted_at": iso(item.submitted_at),
        "files": [
            {
                "id": f.pk,
                "path": file_path(f),
                "original_name": f.original_name,
                "size": f.size,
                "sha256": f.sha256,
                "content_type": f.content_type,
                "uploaded_by": person(f.uploaded_by),
                "uploaded_at": iso(f.uploaded_at),
                "removed_at": iso(f.removed_at),
            }
            for f in item.files.all()
        ],
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "description": v.description,
                "activity_date": iso(v.activity_date),
                "evidence_type": v.evidence_type,
                "assessment_method": v.assessment_method,
                "template": v.template,
                "typed_content": v.typed_content,
                "files": [f.pk for f in v.files.all()],
                "mappings": v.mappings,
                "declaration": v.declaration,
                "declared_by": person(v.declared_by),
                "declared_at": iso(v.declared_at),
                "acknowledged_by": person(v.acknowledged_by),
                "acknowledged_at": iso(v.acknowledged_at),
                "acknowledgement": v.acknowledgement,
            }
            for v in item.versions.all()
        ],
        "mappings": [
            {
                **_criterion_ref(m.criterion, m.part),
                "note": m.note,
                "added_by": person(m.added_by),
                "added_by_assessor": m.added_by_assessor,
                "created_at": iso(m.created_at),
                "decision": m.decision,
                "decision_comment": m.decision_comment,
                "decided_by": person(m.decided_by),
                "decided_at": iso(m.decided_at),
            }
            for m in item.mappings.all()
        ],
        "feedback": [
            {
                "author": person(f.author),
                "kind": f.kind,
                "text": f.text,
                "created_at": iso(f.created_at),
            }
            for f in item.feedback.all()
        ],
    }


def _in_units(target, unit_ids):
    """Whether a target is about the units of a scoped reader: some criteria, all in them."""
    units = {c.outcome.unit_id for c in target.criteria.all()}
    units |= {p.criterion.outcome.unit_id for p in target.parts.all()}
    return bool(units) and units <= set(unit_ids)


def _targets(enrolment, person, unit_ids=None):
    """The learner's targets; a reader scoped to some units (an EQA) gets those about them."""
    targets = (
        Target.objects.filter(enrolment=enrolment)
        .select_related("set_by", "closed_by")
        .prefetch_related(
            "criteria__outcome__unit",
            "parts__criterion__outcome__unit",
            Prefetch(
                "reopenings",
                queryset=TargetReopening.objects.select_related("was_closed_by", "reopened_by"),
            ),
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "description": t.description,
            "criteria": sorted(
                [_criterion_ref(c, None) for c in t.criteria.all()]
                + [_criterion_ref(p.criterion, p) for p in t.parts.all()],
                key=lambda r: (r["unit"], r["code"], r["part"] or ""),
            ),
            "due_date": iso(t.due_date),
            "status": t.status,
            "set_by": person(t.set_by),
            "created_at": iso(t.created_at),
            "closed_at": iso(t.closed_at),
            "closed_by": person(t.closed_by),
            "reopenings": [
                {
                    "reason": r.reason,
                    "was_status": r.was_status,
                    "was_closed_at": iso(r.was_closed_at),
                    "was_closed_by": person(r.was_closed_by),
                    "reopened_by": person(r.reopened_by),
                    "reopened_at": iso(r.reopened_at),
                }
                for r in t.reopenings.all()
            ],
        }
        for t in targets
        if unit_ids is None or _in_units(t, unit_ids)
    ]


def _judgements(enrolled, person):
    judgements = (
        Judgement.objects.filter(enrolled_unit__in=enrolled)
        .select_related("enrolled_unit__unit", "criterion__outcome__unit", "part", "judged_by")
        .prefetch_related(
            Prefetch("relied_on", queryset=JudgementEvidence.objects.order_by("item_id")),
            "history__changed_by",
        )
        .order_by(
            "enrolled_unit__unit__slug",
            "criterion__outcome__number",
            "criterion__number",
            "part__letter",
        )
    )
    return [
        {
            **_criterion_ref(j.criterion, j.part),
            "outcome": j.outcome,
            "rationale": j.rationale,
            "methods": j.methods,
            "judged_by": person(j.judged_by),
            "judged_at": iso(j.judged_at),
            "version": j.version,
            "evidence": [
                {"item": je.item_id, **{name: getattr(je, name) for name in VACSR}}
                for je in j.relied_on.all()
            ],
            "history": [
                {
                    "version": h.version,
                    "outcome": h.outcome,
                    "rationale": h.rationale,
                    "methods": h.methods,
                    "evidence": h.evidence,
                    "changed_by": person(h.changed_by),
                    "changed_at": iso(h.changed_at),
                    "change": h.change,
                }
                for h in sorted(j.history.all(), key=lambda h: h.version)
            ],
        }
        for j in judgements
    ]


def _sign_offs(enrolled, person):
    sign_offs = UnitSignOff.objects.filter(enrolled_unit__in=enrolled).select_related(
        "enrolled_unit__unit", "assessor", "learner", "reopened_by"
    )
    return [
        {
            "unit": s.enrolled_unit.unit.slug,
            "assessor": person(s.assessor),
            "assessor_declaration": s.assessor_declaration,
            "assessor_signed_at": iso(s.assessor_signed_at),
            "digest": s.digest,
            "covered": s.covered,
            "learner": person(s.learner),
            "learner_declaration": s.learner_declaration,
            "learner_signed_at": iso(s.learner_signed_at),
            "reopened_at": iso(s.reopened_at),
            "reopened_by": person(s.reopened_by),
            "reopen_reason": s.reopen_reason,
        }
        for s in sorted(sign_offs, key=lambda s: (s.enrolled_unit.unit.slug, s.assessor_signed_at))
    ]


def _iqa_reviews(enrolment, enrolled, person, viewer):
    """The IQA's signed reviews of this learner's units; an EQA gets their grant's dates only."""
    reviews = SampleReview.objects.filter(entry__enrolled_unit__in=enrolled)
    if viewer is not None and viewer.role == Role.EQA:
        reviews = reviews.filter(
            eqa_condition(
                viewer.user,
                enrolment="entry__enrolled_unit__enrolment",
                unit="entry__enrolled_unit__unit",
                on="signed_at__date",
            )
        )
    reviews = reviews.select_related(
        "entry__plan", "entry__enrolled_unit__unit", "iqa", "assessor"
    ).prefetch_related(
        "verdicts__judgement__criterion__outcome", "verdicts__judgement__part", "actions__closed_by"
    )
    return [
        {
            "unit": r.entry.enrolled_unit.unit.slug,
            "plan": r.entry.plan.title,
            "stage": r.entry.stage,
            "iqa": person(r.iqa),
            "assessor": person(r.assessor),
            "feedback": r.feedback,
            "agreed": r.agreed,
            "declaration": r.declaration,
            "signed_at": iso(r.signed_at),
            "digest": r.digest,
            "covered": r.covered,
            "verdicts": [
                {
                    "code": v.judgement.code,
                    "judgement_version": v.judgement_version,
                    "judgement_outcome": v.judgement_outcome,
                    "agreed": v.agreed,
                    "comment": v.comment,
                }
                for v in sorted(r.verdicts.all(), key=lambda v: v.pk)
            ],
            "actions": [
                {
                    "description": a.description,
                    "due_date": iso(a.due_date),
                    "status": a.status,
                    "response": a.response,
                    "responded_at": iso(a.responded_at),
                    "closing_note": a.closing_note,
                    "closed_by": person(a.closed_by),
                    "closed_at": iso(a.closed_at),
                }
                for a in sorted(r.actions.all(), key=lambda a: a.pk)
            ],
        }
        for r in sorted(reviews, key=lambda r: (r.signed_at, r.pk))
    ]


def files_of(manifest):
    """Every file the manifest lists: (enrolment entry, item entry, file entry)."""
    for enrolment in manifest["enrolments"]:
        for item in enrolment["items"]:
            for entry in item["files"]:
                yield enrolment, item, entry
