"""The coverage report of an enrolment: its data, read in a fixed number of queries, and the PDF
(WeasyPrint) and CSV that show it.

`coverage_report` reads everything a report shows straight from the records (judgements, the
evidence they rely on, mappings and their decisions, feedback, sign-offs), so the report says
what the database says. `render_coverage_pdf` and `render_matrix_csv` only lay it out.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_text_list

from confirmations.models import Confirmation
from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome
from evidence.models import (
    AssessmentMethod,
    EvidenceFile,
    EvidenceItem,
    EvidenceMapping,
    EvidenceVersion,
)
from evidence.typed import typed_template
from nvq_portfolio.text import NUL
from people.models import EnrolmentUnit

from .criterion_state import CriterionState, UnitStates, portfolio_states
from .models import Feedback, Judgement, JudgementEvidence, UnitSignOff

STYLESHEET = Path(__file__).parent / "templates" / "assessments" / "report" / "report.css"
METHOD_LABELS = dict(AssessmentMethod.choices)
FEEDBACK_SHOWN = 5  # the last few messages of each item's thread; the app shows the rest
VACSR = ("valid", "authentic", "current", "sufficient", "reliable")
# Characters of a typed account the report shows under its item; the portfolio has the rest,
# and a bound keeps the PDF's length and time in proportion to the number of items.
TYPED_SHOWN = 2000


class UnitNotOnEnrolment(LookupError):
    """The unit asked for is not one the learner is working towards on this enrolment."""


def unit_on_enrolment(enrolment, ref):
    """The enrolment's unit whose reference (A/601/2550) or slug is `ref`, else the error."""
    if NUL in ref:  # no unit is named so, and the database would refuse to compare it
        raise UnitNotOnEnrolment("A unit's name never contains a NUL character.")
    # A blank reference means "not yet known" on many units, so it must not match any.
    named = Q(unit__slug=ref) | Q(unit__reference=ref) & ~Q(unit__reference="")
    enrolled_unit = (
        EnrolmentUnit.objects.filter(enrolment=enrolment).filter(named).select_related("unit")
    ).first()
    if enrolled_unit is None:
        slugs = EnrolmentUnit.objects.filter(enrolment=enrolment).values_list("unit__slug")
        known = get_text_list([slug for (slug,) in slugs], "and") or "none yet"
        raise UnitNotOnEnrolment(
            f'This enrolment has no unit "{ref}". Its units are: {known}. '
            "Leave the unit out for a report on all of them."
        )
    return enrolled_unit.unit


# The shape of a report ----------------------------------------------------------------------


@dataclass
class IndexEntry:
    """A submitted item as the evidence index lists it, with its reference number E1, E2..."""

    ref: str
    item: EvidenceItem
    version: EvidenceVersion | None  # the latest submitted version; None for assessor records
    files: list[EvidenceFile]
    mapped_to: list[str]  # "A/601/2550 1.1 (accepted)", in numeric order
    feedback: list[Feedback]
    # Witness and employer confirmations given for the item's versions, newest first.
    confirmations: list = field(default_factory=list)

    @property
    def label(self):
        return f"{self.ref} {self.item.title}"

    @cached_property
    def typed(self):
        """The typed account (STAR, AIRR, 1:1, witness...) as submitted, its answers cut to
        TYPED_SHOWN characters in all, or None for an item of files only."""
        source = self.version or self.item
        template = typed_template(source.template)
        if template is None:
            return None
        answers, length = template.answers_within(source.typed_content, TYPED_SHOWN)
        if not answers:
            return None
        shown = sum(len(answer) for _, answer in answers)
        return TypedAccount(template.name, answers, length, shown if shown < length else None)

    @property
    def feedback_shown(self):
        return self.feedback[-FEEDBACK_SHOWN:]

    @property
    def feedback_hidden(self):
        return max(len(self.feedback) - FEEDBACK_SHOWN, 0)


@dataclass
class TypedAccount:
    name: str  # the template's: "Reflective account (STAR)"
    answers: list[tuple[str, str]]  # (label, answer), cut to TYPED_SHOWN characters in all
    length: int  # characters of the whole account
    shown: int | None  # characters shown when it was cut, else None

    @property
    def cut_note(self):
        if self.shown is None:
            return ""
        return (
            f"The first {self.shown:,} of its {self.length:,} characters; the whole account "
            "is on the item's page in the portfolio."
        )


@dataclass
class EvidenceUse:
    """An item against one criterion or part: relied on by its judgement, or mapped to it."""

    entry: IndexEntry
    mapping: EvidenceMapping | None
    relied_on: JudgementEvidence | None = None
    via: str = ""  # the parts it is mapped to, when a whole criterion is judged on them

    @property
    def decision(self):
        if self.mapping is None:
            return "Not mapped to this criterion"
        decision = self.mapping.get_decision_display()
        return f"{decision} (mapped to {self.via})" if self.via else decision

    @property
    def vacsr_checked(self):
        """'Valid, authentic and current': the VACSR checks the assessor recorded."""
        if self.relied_on is None:
            return ""
        checked = [name for name in VACSR if getattr(self.relied_on, name)]
        return get_text_list(checked, "and").capitalize() or "None recorded"


@dataclass
class CriterionRow:
    """A criterion, or one lettered part of it, with its judgement and its evidence."""

    code: str
    text: str
    is_part: bool
    judgement: Judgement | None
    evidence: list[EvidenceUse]  # relied on when judged, else the submitted items mapped
    decisions: dict[int, str]  # item pk -> mapping decision value, submitted items only
    drafts_only: bool  # mapped only by items never submitted
    state: CriterionState  # the one truth about it, shared with every page
    parts: list["CriterionRow"] = field(default_factory=list)

    @property
    def has_evidence(self):
        return self.state.has_evidence

    @property
    def status(self):
        return self.state.label

    @property
    def method_labels(self):
        if self.judgement is None:
            return ""
        methods = [METHOD_LABELS.get(method, method) for method in self.judgement.methods]
        return get_text_list(methods, "and").capitalize()  # the labels hold no proper names

    @property
    def evidence_groups(self):
        """The evidence as the report lists it: references sharing a decision and VACSR check
        go in one line ("E3, E7 and E9: Accepted; VACSR checked: ..."); the titles, dates
        and files are in the evidence index. A comment on a decision keeps its item alone."""
        groups = []
        for use in self.evidence:
            comment = ""
            if use.mapping is not None and not use.via and use.mapping.decision_comment.strip():
                by = use.mapping.decided_by
                comment = use.mapping.decision_comment + (f", {by.display_name}" if by else "")
            facts = (use.decision, use.vacsr_checked, comment)
            if groups and groups[-1][1] == facts and not comment:
                groups[-1][0].append(use.entry.ref)
            else:
                groups.append(([use.entry.ref], facts))
        return [
            {"refs": get_text_list(refs, "and"), "decision": d, "vacsr": v, "comment": c}
            for refs, (d, v, c) in groups
        ]

    def matrix_rows(self):
        return [self, *self.parts]


@dataclass
class OutcomeSection:
    outcome: LearningOutcome
    criteria: list[CriterionRow]


@dataclass
class UnitSection:
    enrolled_unit: EnrolmentUnit
    outcomes: list[OutcomeSection]
    sign_offs: list[UnitSignOff]
    entries: list[IndexEntry]  # items mapped to or relied on in this unit, in E order
    decision_comments: list[tuple[str, IndexEntry, EvidenceMapping]]
    states: UnitStates

    @property
    def unit(self):
        return self.enrolled_unit.unit

    @property
    def criteria_loaded(self):
        return self.unit.criteria_complete

    @cached_property
    def criteria(self):
        return [row for outcome in self.outcomes for row in outcome.criteria]

    @property
    def total(self):
        return len(self.criteria)

    @property
    def met(self):
        return self.states.met

    @property
    def with_evidence(self):
        return self.states.with_evidence

    @cached_property
    def matrix_rows(self):
        return [row for criterion in self.criteria for row in criterion.matrix_rows()]

    @cached_property
    def gaps(self):
        """What stands between the learner and this unit, as sentences: the progress page's
        gap list, word for word."""
        return self.states.gap_sentences + self.states.rejection_sentences

    @property
    def entries_with_feedback(self):
        return [entry for entry in self.entries if entry.feedback]

    @property
    def standing_sign_off(self):
        return next((sign_off for sign_off in self.sign_offs if sign_off.is_standing), None)


@dataclass
class CoverageReport:
    enrolment: object
    units: list[UnitSection]
    index: list[IndexEntry]
    generated_at: datetime.datetime
    scope: object = None  # the one unit reported on, or None for all of them
    site_name: str = ""
    typed_shown: str = f"{TYPED_SHOWN:,}"  # "2,000", for the index's note

    @property
    def scope_name(self):
        if self.scope is None:
            return "All units"
        return f"{self.scope.display_reference} {self.scope.title}"

    def filename(self, kind):
        """coverage-report-alice-A-601-2550-2026-11-23.pdf, criteria-matrix-...csv."""
        stem = "coverage-report" if kind == "pdf" else "criteria-matrix"
        scope = "all-units"
        if self.scope is not None:
            scope = self.scope.reference.replace("/", "-") or self.scope.slug
        day = timezone.localtime(self.generated_at).date().isoformat()
        name = f"{stem}-{self.enrolment.learner.username}-{scope}-{day}.{kind}"
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


# Reading the records: a fixed number of queries however many items ---------------------------


def _enrolled_units(enrolment, unit, only_unit_ids):
    parts = CriterionPart.objects.order_by("letter")
    criteria = AssessmentCriterion.objects.order_by("number").prefetch_related(
        Prefetch("parts", queryset=parts)
    )
    outcomes = LearningOutcome.objects.order_by("number").prefetch_related(
        Prefetch("criteria", queryset=criteria)
    )
    judgements = Judgement.objects.select_related("judged_by").prefetch_related(
        Prefetch("relied_on", queryset=JudgementEvidence.objects.order_by("pk"))
    )
    sign_offs = UnitSignOff.objects.select_related("assessor", "learner", "reopened_by")
    enrolled_units = (
        EnrolmentUnit.objects.filter(enrolment=enrolment)
        .select_related("unit")
        .prefetch_related(
            Prefetch("unit__outcomes", queryset=outcomes),
            Prefetch("judgements", queryset=judgements),
            Prefetch("sign_offs", queryset=sign_offs.order_by("-assessor_signed_at", "-pk")),
        )
    )
    if unit is not None:
        enrolled_units = enrolled_units.filter(unit=unit)
    if only_unit_ids is not None:
        enrolled_units = enrolled_units.filter(unit_id__in=only_unit_ids)
    return list(enrolled_units)


def _items(enrolment, only_unit_ids):
    """Every item of the enrolment (mapped to one of `only_unit_ids`, when given), oldest
    activity first, with what the report shows of it."""
    latest_number = (
        EvidenceVersion.objects.filter(item=OuterRef("item"))
        .order_by("-number")
        .values("number")[:1]
    )
    latest_versions = EvidenceVersion.objects.filter(number=Subquery(latest_number))
    mappings = EvidenceMapping.objects.select_related(
        "criterion__outcome__unit", "part", "decided_by"
    ).order_by(
        "criterion__outcome__unit__slug",
        "criterion__outcome__number",
        "criterion__number",
        "part__letter",
    )
    items = EvidenceItem.objects.filter(enrolment=enrolment)
    if only_unit_ids is not None:
        in_units = EvidenceMapping.objects.filter(criterion__outcome__unit_id__in=only_unit_ids)
        items = items.filter(pk__in=in_units.values("item"))
    return list(
        items.order_by("activity_date", "pk").prefetch_related(
            Prefetch("mappings", queryset=mappings),
            Prefetch(
                "versions",
                queryset=latest_versions.prefetch_related("files"),
                to_attr="latest_versions",
            ),
            Prefetch(
                "files",
                queryset=EvidenceFile.objects.filter(removed_at__isnull=True),
                to_attr="current_files",
            ),
            Prefetch("feedback", queryset=Feedback.objects.select_related("author")),
            Prefetch(
                "confirmations",
                queryset=Confirmation.objects.filter(confirmed_at__isnull=False)
                .select_related("version")
                .order_by("-confirmed_at"),
                to_attr="confirmations_given",
            ),
        )
    )


def _mapping_code(mapping):
    criterion = mapping.criterion
    code = f"{criterion.outcome.number}.{criterion.number}"
    return f"{code} {mapping.part.letter}" if mapping.part_id else code


def _is_submitted(item):
    # Submitted at least once: a revision in progress keeps its last submitted version.
    return item.status != EvidenceItem.Status.DRAFT or bool(item.latest_versions)


def _index_entry(number, item, several_units):
    version = item.latest_versions[0] if item.latest_versions else None
    mapped_to = []
    for mapping in item.mappings.all():
        unit = mapping.criterion.outcome.unit
        prefix = f"{unit.reference or unit.slug} " if several_units else ""
        mapped_to.append(
            f"{prefix}{_mapping_code(mapping)} ({mapping.get_decision_display().lower()})"
        )
    return IndexEntry(
        ref=f"E{number}",
        item=item,
        version=version,
        files=list(version.files.all()) if version else item.current_files,
        mapped_to=mapped_to,
        feedback=list(item.feedback.all()),
        confirmations=item.confirmations_given,
    )


def coverage_report(*, enrolment, unit=None, only_unit_ids=None, submitted_only=False, now=None):
    """Everything the report on `enrolment` (one unit, or all when `unit` is None) shows.

    `only_unit_ids` narrows it to those units and the items mapped to them: what an external
    quality assurer's grant covers, and `submitted_only` leaves drafts out of where each
    criterion stands, as their progress page does.

    `enrolment` should come with its learner, qualification, assessor and IQA selected, as
    people.access.enrolment_for_user gives it. Costs the same number of queries for 2 items
    as for 200.
    """
    enrolled_units = _enrolled_units(enrolment, unit, only_unit_ids)
    states = portfolio_states(enrolment, only_unit_ids=only_unit_ids, submitted_only=submitted_only)
    items = _items(enrolment, only_unit_ids)
    several_units = len({m.criterion.outcome.unit_id for i in items for m in i.mappings.all()}) > 1
    index = [
        _index_entry(number, item, several_units)
        for number, item in enumerate(filter(_is_submitted, items), start=1)
    ]
    entries = {entry.item.pk: entry for entry in index}
    mapped, drafts = {}, set()
    for item in items:
        for mapping in item.mappings.all():
            key = (mapping.criterion_id, mapping.part_id)
            if item.pk in entries:
                mapped.setdefault(key, []).append((entries[item.pk], mapping))
            else:
                drafts.add(key)
    return CoverageReport(
        enrolment=enrolment,
        units=[
            _unit_section(
                enrolled_unit,
                entries=entries,
                mapped=mapped,
                drafts=drafts,
                states=states[enrolled_unit.unit_id],
            )
            for enrolled_unit in enrolled_units
        ],
        index=index,
        generated_at=now or timezone.now(),
        scope=unit,
        site_name=settings.SITE_NAME,
    )


def _unit_section(enrolled_unit, *, entries, mapped, drafts, states):
    unit = enrolled_unit.unit
    judgements = {(j.criterion_id, j.part_id): j for j in enrolled_unit.judgements.all()}

    def row(criterion, code, *, part=None, parts=()):
        key = (criterion.pk, part.pk if part else None)
        judgement = judgements.get(key)
        mappings = {entry.item.pk: mapping for entry, mapping in mapped.get(key, [])}
        via = {}  # a whole criterion is judged on the evidence mapped to its parts
        for criterion_part, part_row in parts:
            for entry, mapping in mapped.get((criterion.pk, criterion_part.pk), []):
                via.setdefault(entry.item.pk, []).append((part_row.code, mapping))
        if judgement is not None:
            evidence = [
                _use(entries[used.item_id], mappings, via, relied_on=used)
                for used in judgement.relied_on.all()
                if used.item_id in entries
            ]
        else:
            evidence = [EvidenceUse(entry, mapping) for entry, mapping in mapped.get(key, [])]
        return CriterionRow(
            code=code,
            text=(part or criterion).text,
            is_part=part is not None,
            judgement=judgement,
            evidence=evidence,
            decisions={pk: mapping.decision for pk, mapping in mappings.items()},
            drafts_only=key in drafts and not mappings,
            state=states.get(*key),
            parts=[part_row for _, part_row in parts],
        )

    outcomes = []
    for outcome in unit.outcomes.all():
        # An outline's criteria (if any) are not the awarding body's yet: nothing to report.
        criteria = outcome.criteria.all() if unit.criteria_complete else []
        rows = []
        for criterion in criteria:
            code = f"{outcome.number}.{criterion.number}"
            parts = [
                (part, row(criterion, f"{code} {part.letter}", part=part))
                for part in criterion.parts.all()
            ]
            rows.append(row(criterion, code, parts=parts))
        outcomes.append(OutcomeSection(outcome=outcome, criteria=rows))

    section = UnitSection(
        enrolled_unit=enrolled_unit,
        outcomes=outcomes,
        sign_offs=list(enrolled_unit.sign_offs.all()),
        entries=[],
        decision_comments=[],
        states=states,
    )
    used = {}
    for matrix_row in section.matrix_rows:
        for use in matrix_row.evidence:
            used[use.entry.item.pk] = use.entry
            if use.mapping is not None and not use.via and use.mapping.decision_comment.strip():
                section.decision_comments.append((matrix_row.code, use.entry, use.mapping))
    section.entries = sorted(used.values(), key=lambda entry: int(entry.ref[1:]))
    return section


def _use(entry, mappings, via, *, relied_on):
    pk = entry.item.pk
    if pk in mappings or pk not in via:
        return EvidenceUse(entry, mappings.get(pk), relied_on=relied_on)
    codes = get_text_list([code for code, _ in via[pk]], "and")
    return EvidenceUse(entry, via[pk][0][1], relied_on=relied_on, via=codes)


# Rendering -----------------------------------------------------------------------------------


def _refuse_fetch(url, *args, **kwargs):
    # Everything the report needs is inline: nothing a title or comment says may make the
    # renderer fetch a file or a web address.
    raise ValueError(f"The coverage report does not load {url}.")


def render_coverage_html(report):
    return render_to_string("assessments/report/coverage.html", {"report": report})


def render_coverage_pdf(report):
    """The report as PDF bytes: real text, A4, page numbers, the generation time on each page."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint is slow to import

    html = HTML(
        string=render_coverage_html(report),
        base_url=str(STYLESHEET.parent),
        url_fetcher=_refuse_fetch,
    )
    # Tagged: headings, tables and reading order reach screen readers, at no cost in time.
    return html.write_pdf(
        stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"))], pdf_tags=True
    )


def warm_renderer():
    """Lay out a report of no units once, so that the first person in this process to ask for a
    PDF does not wait for WeasyPrint's import, fontconfig, the fonts' first use and this
    template's compilation (half a second or more of a fresh process's first report). Called at
    a server's start (nvq_portfolio/wsgi.py); reads nothing from the database."""
    from criteria.models import Qualification
    from people.models import Enrolment, User

    now = timezone.now()
    person = User(username="warm-up", first_name="Warm", last_name="Up")
    enrolment = Enrolment(
        learner=person,
        assessor=person,
        qualification=Qualification(title="Warm-up", awarding_body="Warm-up", level=1),
        start_date=now.date(),
        planned_end_date=now.date(),
    )
    render_coverage_pdf(CoverageReport(enrolment=enrolment, units=[], index=[], generated_at=now))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def render_matrix_csv(report):
    """The criteria-by-evidence matrix as UTF-8 CSV with a byte order mark, for Excel.

    One row per criterion and per lettered part, in numeric order; one column per submitted
    item, each cell the mapping's decision (accepted, pending, rejected) or empty.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Unit reference", "Code", "Criterion", "Status"]
    writer.writerow([spreadsheet_cell(value) for value in header + [e.label for e in report.index]])
    for section in report.units:
        for row in section.matrix_rows:
            cells = [section.unit.display_reference, row.code, row.text, row.status]
            cells += [row.decisions.get(entry.item.pk, "") for entry in report.index]
            writer.writerow([spreadsheet_cell(value) for value in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
