"""What a sampling plan covers, and the sample the system suggests, in the terms of CAMERA.

CAMERA: Candidates (learners), Assessors, Methods, Evidence, Records and Assessment locations.
Each learner's unit in a plan's reach is described once by the features IQAs sample on; the
coverage of a plan is then a tally of the features of its entries, and a suggestion adds
entries until the rules below are met, each with the reason it was added:

1. every assessor has at least their rate of decisions sampled (by risk rating: new 100 %,
   standard 50 %, low 15 % unless the centre set others; an unrated assessor counts as new);
2. every assessment method in use is sampled;
3. every unit in use is sampled;
4. every learner is sampled summatively at least once (once their unit is signed off, if it
   is not yet).

Reading a plan's reach costs a fixed number of queries, however many learners it has.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments.models import Judgement, UnitSignOff
from assessments.selectors import method_labels
from evidence.models import EvidenceMapping, EvidenceType
from evidence.typed import TEMPLATES
from people.models import EnrolmentUnit

from .models import AssessorRisk, RiskRating, SampleEntry, SampleReview, SamplingPolicy

RECORD_TEMPLATES = ("observation", "professional_discussion", "questioning")
# How far ahead an interim sample, or a summative one of a unit already signed, is planned.
SAMPLE_WITHIN = datetime.timedelta(days=14)


@dataclass
class UnitFeatures:
    """One learner's unit, as sampling sees it."""

    enrolled_unit: EnrolmentUnit
    decisions: int = 0  # judgements made on it
    signed: bool = False
    methods: set = field(default_factory=set)
    evidence_types: set = field(default_factory=set)
    records: set = field(default_factory=set)
    locations: set = field(default_factory=set)

    @property
    def pk(self):
        return self.enrolled_unit.pk

    @property
    def enrolment(self):
        return self.enrolled_unit.enrolment

    @property
    def assessor(self):
        return self.enrolled_unit.enrolment.assessor

    @property
    def learner(self):
        return self.enrolled_unit.enrolment.learner

    @property
    def unit(self):
        return self.enrolled_unit.unit

    @property
    def sort_key(self):
        learner = self.learner
        return (learner.last_name, learner.first_name, learner.username, self.unit.title)


def plan_reach(plan):
    """{enrolled unit pk: UnitFeatures} of every unit of the plan IQA's learners on its
    qualification: six queries."""
    enrolled_units = EnrolmentUnit.objects.filter(
        enrolment__qualification=plan.qualification, enrolment__iqa=plan.iqa
    ).select_related("unit", "enrolment__learner", "enrolment__assessor")
    reach = {eu.pk: UnitFeatures(eu) for eu in enrolled_units}
    by_unit = {(f.enrolment.pk, f.unit.pk): f for f in reach.values()}

    # order_by() throughout: the models' default ordering would add its columns to the
    # SELECT (and to DISTINCT below), which then de-duplicated nothing.
    for enrolled_unit_id, methods in (
        Judgement.objects.filter(enrolled_unit_id__in=reach)
        .order_by()
        .values_list("enrolled_unit_id", "methods")
    ):
        reach[enrolled_unit_id].decisions += 1
        reach[enrolled_unit_id].methods.update(methods)
    for enrolled_unit_id in (
        UnitSignOff.objects.filter(enrolled_unit_id__in=reach, reopened_at__isnull=True)
        .order_by()
        .values_list("enrolled_unit_id", flat=True)
    ):
        reach[enrolled_unit_id].signed = True
    mappings = (
        EvidenceMapping.objects.filter(
            item__enrolment__qualification=plan.qualification, item__enrolment__iqa=plan.iqa
        )
        .exclude(decision=EvidenceMapping.Decision.REJECTED)
        .exclude(item__status="draft")
        .order_by()
        .values_list(
            "item__enrolment_id",
            "criterion__outcome__unit_id",
            "item__assessment_method",
            "item__evidence_type",
            "item__template",
            "item__typed_content",
        )
        .distinct()
    )
    for enrolment_id, unit_id, method, evidence_type, template, typed in mappings:
        features = by_unit.get((enrolment_id, unit_id))
        if features is None:
            continue
        features.methods.add(method)
        features.evidence_types.add(evidence_type)
        if template in RECORD_TEMPLATES:
            features.records.add(template)
        if template == "observation" and (typed or {}).get("place", "").strip():
            features.locations.add(typed["place"].strip())
    return reach


def current_ratings(assessor_ids):
    """{assessor pk: AssessorRisk or None}: the latest rating of each, in one query."""
    ratings = dict.fromkeys(assessor_ids)
    for risk in AssessorRisk.objects.filter(assessor_id__in=assessor_ids).order_by(
        "assessor_id", "set_at", "pk"
    ):
        ratings[risk.assessor_id] = risk  # later rows overwrite earlier ones
    return ratings


def _rating_of(risk):
    return RiskRating(risk.rating) if risk else RiskRating.NEW


def _rating_words(assessor, risk, rate):
    if risk is None:
        return f"{assessor.display_name} has no risk rating yet, so counts as new: {rate} %"
    label = RiskRating(risk.rating).label.lower()
    article = "an" if label[0] in "aeiou" else "a"
    if risk.rating == RiskRating.NEW:
        return f"{assessor.display_name} is new or unqualified: {rate} %"
    return f"{assessor.display_name} is {article} {label} assessor: {rate} %"


def method_label(value):
    return method_labels([value])[0]


def evidence_type_label(value):
    try:
        return EvidenceType(value).label
    except ValueError:
        return value


def record_label(value):
    return TEMPLATES[value].name if value in TEMPLATES else value


# Coverage ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Planned and done samples of one thing (an assessor, a method...), by stage."""

    key: object
    label: str
    in_use: int = 0  # units in the plan's reach that show it
    planned_interim: int = 0
    planned_summative: int = 0
    done_interim: int = 0
    done_summative: int = 0
    note: str = ""
    target: int | None = None

    @property
    def planned(self):
        return self.planned_interim + self.planned_summative

    @property
    def covered(self):
        return self.planned > 0 if self.target is None else self.planned >= self.target


@dataclass
class CandidateTally(Tally):
    @property
    def covered(self):
        # Every learner is sampled summatively at least once.
        return self.planned_summative > 0


@dataclass
class AssessorTally(Tally):
    rating: RiskRating = RiskRating.NEW
    rated: bool = False
    rate: int = 100
    sampled_units: set = field(default_factory=set)

    @property
    def covered(self):
        # The rate counts units: two stages of one unit count once.
        return len(self.sampled_units) >= (self.target or 0)


@dataclass
class Coverage:
    candidates: list  # Tally per learner
    assessors: list  # AssessorTally
    methods: list
    evidence_types: list
    records: list
    locations: list
    units: list

    @property
    def gaps(self):
        """Sentences naming what the sample does not yet cover."""
        gaps = []
        for tally in self.assessors:
            if not tally.covered:
                gaps.append(
                    f"{tally.label}: {len(tally.sampled_units)} of {tally.target} units "
                    f"planned ({tally.rate} %)."
                )
        for tally in self.candidates:
            if not tally.covered:
                gaps.append(f"{tally.label} has no summative sample.")
        for name, tallies in (("Method", self.methods), ("Unit", self.units)):
            for tally in tallies:
                if not tally.covered:
                    gaps.append(f"{name} {tally.label} is not sampled.")
        return gaps


def _count(tally, stage, reviewed):
    if stage == SampleEntry.Stage.INTERIM:
        tally.planned_interim += 1
        tally.done_interim += reviewed
    else:
        tally.planned_summative += 1
        tally.done_summative += reviewed


def coverage(reach, entries, *, policy, ratings):
    """The plan's coverage: `entries` are (enrolled unit pk, stage, reviewed) triples."""
    learners, assessors, methods, types, records, locations, units = ({} for _ in range(7))
    for features in sorted(reach.values(), key=lambda f: f.sort_key):
        enrolment, assessor = features.enrolment, features.assessor
        learner = learners.setdefault(
            enrolment.pk, CandidateTally(enrolment.pk, features.learner.display_name)
        )
        learner.in_use += 1
        if assessor.pk not in assessors:
            risk = ratings.get(assessor.pk)
            rating = _rating_of(risk)
            assessors[assessor.pk] = AssessorTally(
                assessor.pk,
                assessor.display_name,
                rating=rating,
                rated=risk is not None,
                rate=policy.rate_for(rating),
            )
        if features.decisions:
            assessors[assessor.pk].in_use += 1
        unit = features.unit
        units.setdefault(unit.pk, Tally(unit.pk, f"{unit.display_reference} {unit.title}"))
        units[unit.pk].in_use += 1
        for value in features.methods:
            methods.setdefault(value, Tally(value, method_label(value))).in_use += 1
        for value in features.evidence_types:
            types.setdefault(value, Tally(value, evidence_type_label(value))).in_use += 1
        for value in features.records:
            records.setdefault(value, Tally(value, record_label(value))).in_use += 1
        for value in features.locations:
            locations.setdefault(value, Tally(value, value)).in_use += 1
    for tally in assessors.values():
        tally.target = math.ceil(tally.in_use * tally.rate / 100)

    for enrolled_unit_pk, stage, reviewed in entries:
        features = reach.get(enrolled_unit_pk)
        if features is None:
            continue  # the learner has since moved to another IQA; the entry still shows
        _count(learners[features.enrolment.pk], stage, reviewed)
        assessor = assessors[features.assessor.pk]
        _count(assessor, stage, reviewed)
        assessor.sampled_units.add(enrolled_unit_pk)
        _count(units[features.unit.pk], stage, reviewed)
        for value in features.methods:
            _count(methods[value], stage, reviewed)
        for value in features.evidence_types:
            _count(types[value], stage, reviewed)
        for value in features.records:
            _count(records[value], stage, reviewed)
        for value in features.locations:
            _count(locations[value], stage, reviewed)
    for tally in assessors.values():
        # An assessor's rate counts units, so two stages of one unit count once.
        tally.note = f"{len(tally.sampled_units)} of {tally.in_use} units with decisions"

    def ordered(tallies):
        return sorted(tallies.values(), key=lambda t: str(t.label).lower())

    return Coverage(
        candidates=list(learners.values()),
        assessors=ordered(assessors),
        methods=ordered(methods),
        evidence_types=ordered(types),
        records=ordered(records),
        locations=ordered(locations),
        units=ordered(units),
    )


# Suggesting a sample -------------------------------------------------------------------------


@dataclass
class Suggestion:
    features: UnitFeatures
    stage: str
    planned_for: datetime.date
    reasons: list

    @property
    def key(self):
        return f"{self.features.pk}-{self.stage}"

    @property
    def enrolled_unit(self):
        return self.features.enrolled_unit

    def get_stage_display(self):
        return SampleEntry.Stage(self.stage).label


def _planned_for(plan, features, stage, today):
    """A date inside the plan's period, never after it ends: soon, or for a summative sample of
    a unit not yet signed off, the learner's planned end if the plan lasts that long."""
    soon = max(plan.period_start, min(plan.period_end, today + SAMPLE_WITHIN))
    if stage == SampleEntry.Stage.SUMMATIVE and not features.signed:
        # Not signed yet: sample it once it is, by the learner's planned end at the latest,
        # or by the plan's end when the learner finishes after it.
        return min(plan.period_end, max(soon, features.enrolment.planned_end_date))
    return soon


def suggest_sample(plan, reach, entries, *, policy, ratings, today=None):
    """Entries to add to `plan` so it meets the rules in this module's docstring, each with
    the reasons it is there. `entries` are the plan's current (pk, stage, reviewed) triples.
    """
    today = today or timezone.localdate()
    chosen = {(pk, stage) for pk, stage, _ in entries}  # in the plan or suggested
    suggestions = {}

    def add(features, stage, reason):
        key = (features.pk, stage)
        if key in chosen and key not in suggestions:
            return  # already in the plan
        chosen.add(key)
        if key not in suggestions:
            suggestions[key] = Suggestion(
                features, stage, _planned_for(plan, features, stage, today), []
            )
        if reason not in suggestions[key].reasons:
            suggestions[key].reasons.append(reason)

    def sampled(features):
        return any((features.pk, stage) in chosen for stage in SampleEntry.Stage.values)

    def best_stage(features):
        return SampleEntry.Stage.SUMMATIVE if features.signed else SampleEntry.Stage.INTERIM

    units = sorted(reach.values(), key=lambda f: f.sort_key)
    # Prefer signed units (they can be sampled summatively now), then the ones showing most.
    richest_first = sorted(units, key=lambda f: (not f.signed, -len(f.methods), f.sort_key))

    # 1. Each assessor at the rate their risk rating sets.
    by_assessor = {}
    for features in richest_first:
        if features.decisions:
            by_assessor.setdefault(features.assessor.pk, []).append(features)
    for assessor_units in sorted(by_assessor.values(), key=lambda u: u[0].assessor.display_name):
        assessor = assessor_units[0].assessor
        risk = ratings.get(assessor.pk)
        rate = policy.rate_for(_rating_of(risk))
        target = math.ceil(len(assessor_units) * rate / 100)
        already = sum(1 for features in assessor_units if sampled(features))
        reason = _rating_words(assessor, risk, rate) + f" ({target} of {len(assessor_units)} units)"
        for features in assessor_units:
            if already >= target:
                break
            if not sampled(features):
                add(features, best_stage(features), reason)
                already += 1

    # 2 and 3. Every method and every unit in use.
    def covered(test):
        return any(test(reach[pk]) for pk, _ in chosen if pk in reach)

    in_use = sorted({m for f in units for m in f.methods}, key=method_label)
    for method in in_use:
        if covered(lambda f, m=method: m in f.methods):
            continue
        features = next(f for f in richest_first if method in f.methods)
        add(
            features,
            best_stage(features),
            f"method {method_label(method).lower()} is not yet sampled in this plan",
        )
    for features in richest_first:
        unit = features.unit
        if not covered(lambda f, u=unit: f.unit.pk == u.pk):
            add(
                features,
                best_stage(features),
                f"unit {unit.display_reference} is not yet sampled in this plan",
            )
    # 4. Every learner summatively at least once.
    summative = SampleEntry.Stage.SUMMATIVE
    by_learner = {}
    for features in richest_first:
        by_learner.setdefault(features.enrolment.pk, []).append(features)
    for learner_units in by_learner.values():
        if any((f.pk, summative) in chosen for f in learner_units):
            continue
        features = learner_units[0]
        when = "signed off" if features.signed else "once the unit is signed off"
        add(
            features,
            summative,
            f"{features.learner.display_name} has no summative sample yet ({when}): "
            "every learner is sampled summatively at least once",
        )

    return sorted(suggestions.values(), key=lambda s: (s.features.sort_key, s.stage))


def plan_entries(plan):
    """The plan's entries as (enrolled unit pk, stage, reviewed) triples: one query."""
    reviewed = Exists(SampleReview.objects.filter(entry=OuterRef("pk")))
    return list(
        plan.entries.annotate(reviewed=reviewed).values_list(
            "enrolled_unit_id", "stage", "reviewed"
        )
    )


def sampling_policy():
    return SamplingPolicy.objects.get_or_create(pk=1)[0]
