"""Typed evidence: structured forms whose answers become part of an item and its reports.

Each template is a list of sections; the answers are stored in EvidenceItem.typed_content
under the section keys, so pages and reports show them in the template's order.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from nvq_portfolio.text import ACCOUNT, SHORT, check_text

from .models import AssessmentMethod, EvidenceType


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    help: str = ""
    long: bool = True
    required: bool = True

    @property
    def max_length(self):
        """A one-line answer is a name or a date; a long one is an account in someone's words."""
        return ACCOUNT if self.long else SHORT


@dataclass(frozen=True)
class TypedTemplate:
    key: str
    name: str
    summary: str
    evidence_type: str
    assessment_method: str
    sections: list[Section] = field(default_factory=list)
    # Who writes it: the learner, or the assessor (their own records, which the learner
    # acknowledges and never adds from the "Add evidence" page).
    author: str = "learner"

    def answers(self, content):
        """(label, answer) pairs in the template's order, skipping unanswered optional ones."""
        return [(s.label, content.get(s.key, "")) for s in self.sections if content.get(s.key)]

    def answers_within(self, content, limit):
        """(label, answer) pairs as `answers` gives them, cut to at most `limit` characters of
        answer in all, and the answers' whole length. A cut answer ends at a word, with "…",
        and is the last one given."""
        whole = self.answers(content or {})
        shown, left = [], limit
        for label, answer in whole:
            if left <= 1:
                break
            if len(answer) > left:
                cut = answer[: left - 1]  # room for the "…"
                # Back to the last space, unless that loses more than a long word's length.
                near_end = any(character.isspace() for character in cut[-40:])
                at_space = cut.rsplit(None, 1)[0] if near_end else cut
                shown.append((label, at_space.rstrip(" ,;:-\n") + "…"))
                break
            shown.append((label, answer))
            left -= len(answer)
        return shown, sum(len(answer) for _, answer in whole)


TEMPLATES = {
    template.key: template
    for template in [
        TypedTemplate(
            key="star",
            name="Reflective account (STAR)",
            summary="Tell the story of something you did at work: situation, task, action, result.",
            evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
            assessment_method=AssessmentMethod.LEARNER_STATEMENT,
            sections=[
                Section(
                    "situation",
                    "Situation",
                    "Where and when: who was involved, what was happening.",
                ),
                Section(
                    "task", "Task", "What you needed to achieve, and the standard or timescale."
                ),
                Section("action", "Action", "What you did, step by step, and why you chose to."),
                Section("result", "Result", "What happened, how you know, and what you learnt."),
            ],
        ),
        TypedTemplate(
            key="airr",
            name="Complaint handled (AIRR)",
            summary="A problem or complaint from an internal customer and how you dealt with it.",
            evidence_type=EvidenceType.COMPLAINT_NOTES,
            assessment_method=AssessmentMethod.LEARNER_STATEMENT,
            sections=[
                Section(
                    "customer", "Internal customer", "The colleague or department.", long=False
                ),
                Section(
                    "timescale", "Agreed timescale", "e.g. respond within 4 hours.", long=False
                ),
                Section(
                    "acknowledge", "Acknowledge", "How you acknowledged the complaint, and when."
                ),
                Section("investigate", "Investigate", "What you found out and from whom."),
                Section("resolve", "Resolve", "What you did or referred, and to whom if referred."),
                Section(
                    "reflect", "Reflect", "Whether the timescale was met and what you would change."
                ),
            ],
        ),
        TypedTemplate(
            key="feedback_log",
            name="Feedback log entry",
            summary="Record feedback from an internal customer and what you did about it.",
            evidence_type=EvidenceType.FEEDBACK_LOG,
            assessment_method=AssessmentMethod.WORK_PRODUCT,
            sections=[
                Section(
                    "customer", "Internal customer", "The colleague or department.", long=False
                ),
                Section("channel", "How it was collected", "Survey, email, meeting...", long=False),
                Section("feedback", "Feedback received"),
                Section(
                    "rating", "Rating or measure", "e.g. 4 out of 5.", long=False, required=False
                ),
                Section("action", "Action taken"),
                Section("follow_up", "Follow-up", required=False),
            ],
        ),
        TypedTemplate(
            key="one_to_one",
            name="1:1 meeting minutes",
            summary="Minutes of a one-to-one meeting about the service you provide.",
            evidence_type=EvidenceType.ONE_TO_ONE_MINUTES,
            assessment_method=AssessmentMethod.WORK_PRODUCT,
            sections=[
                Section("attendees", "Attendees", "Names and roles.", long=False),
                Section("discussion", "Points discussed"),
                Section("actions", "Actions agreed", "Who does what, by when."),
                Section("next_meeting", "Next meeting", long=False, required=False),
            ],
        ),
        TypedTemplate(
            key="witness",
            name="Witness testimony",
            summary=(
                "A colleague or manager confirms what they saw you do. "
                "The witness is never your assessor."
            ),
            evidence_type=EvidenceType.WITNESS_TESTIMONY,
            assessment_method=AssessmentMethod.WITNESS_TESTIMONY,
            sections=[
                Section("witness_name", "Witness's name", long=False),
                Section("witness_role", "Witness's job title", long=False),
                Section("relationship", "Relationship to you", "e.g. line manager.", long=False),
                Section(
                    "contact",
                    "Witness's email or phone",
                    "An email address or a UK phone number, so your assessor can check.",
                    long=False,
                ),
                Section("statement", "Statement", "What the witness saw you do, in their words."),
            ],
        ),
        TypedTemplate(
            key="observation",
            name="Observation",
            summary="What you saw the learner do at work, recorded on the day of the observation.",
            evidence_type=EvidenceType.OTHER,
            assessment_method=AssessmentMethod.OBSERVATION,
            author="assessor",
            sections=[
                Section("place", "Place", "Where the observation took place.", long=False),
                Section("activities", "Activities observed", "What the learner did, in order."),
                Section(
                    "criteria_covered",
                    "Criteria covered",
                    "In words: how what you saw meets each criterion ticked below.",
                ),
                Section("notes", "Assessor's notes", "Anything else the record should say."),
            ],
        ),
        TypedTemplate(
            key="professional_discussion",
            name="Professional discussion",
            summary="A planned discussion in which the learner explains how they work.",
            evidence_type=EvidenceType.OTHER,
            assessment_method=AssessmentMethod.PROFESSIONAL_DISCUSSION,
            author="assessor",
            sections=[
                Section("questions", "Questions asked"),
                Section(
                    "answers",
                    "Learner's answers",
                    "The answers in brief, or a note of where the recording is kept.",
                ),
                Section("summary", "Summary", "What the discussion showed."),
            ],
        ),
        TypedTemplate(
            key="questioning",
            name="Questioning",
            summary="Questions you asked the learner and the answers they gave.",
            evidence_type=EvidenceType.OTHER,
            assessment_method=AssessmentMethod.QUESTIONING,
            author="assessor",
            sections=[
                Section("questions", "Questions asked"),
                Section("answers", "Learner's answers"),
            ],
        ),
    ]
}


def typed_template(key):
    return TEMPLATES.get(key) if key else None


def typed_content_validate(*, template_key, content, enrolment):
    """Check answers against their template; return the cleaned answers or raise."""
    if not template_key:
        if content:
            raise ValidationError("Typed answers need a template.")
        return {}
    template = TEMPLATES.get(template_key)
    if template is None:
        raise ValidationError(f"Unknown typed-evidence template {template_key!r}.")
    cleaned, errors = {}, {}
    for section in template.sections:
        answer = str(content.get(section.key, "")).strip()
        try:
            check_text(answer, limit=section.max_length, noun=section.label.lower())
        except ValidationError as error:
            errors[section.key] = error.messages
            continue
        if section.required and not answer:
            errors[section.key] = f"{section.label} is required."
        if answer:
            cleaned[section.key] = answer
    unknown = set(content) - {section.key for section in template.sections}
    if unknown:
        errors["__all__"] = f"Unknown answers: {', '.join(sorted(unknown))}."
    contact = cleaned.get("contact", "")
    if template_key == "witness" and contact and not witness_contact_is_valid(contact):
        errors["contact"] = WITNESS_CONTACT_INVALID
    if template_key == "witness" and not errors:
        _check_witness_is_not_the_assessor(cleaned, enrolment)
    if errors:
        raise ValidationError(errors)
    return cleaned


# A UK number as people write it: 01632 960 123, (020) 7946 0018, +44 7700 900123, 0044 ...
UK_PHONE = re.compile(r"(?:(?:\+44|0044)[1-9]\d{8,9}|0[1-9]\d{8,9})")
PHONE_PUNCTUATION = re.compile(r"[\s()\-.]")
WITNESS_CONTACT_INVALID = (
    "Give the witness's email address (like name@example.co.uk) or a UK phone number (like "
    "01632 960123 or +44 7700 900123), so your assessor can check with them."
)


def witness_contact_is_valid(contact):
    """An email address, or a UK phone number written with spaces, brackets or dashes."""
    if "@" in contact:
        try:
            validate_email(contact)
        except ValidationError:
            return False
        return True
    # "+44 (0)20 ..." writes the trunk 0 for callers inside the UK: dial it from neither side.
    return bool(UK_PHONE.fullmatch(PHONE_PUNCTUATION.sub("", contact.replace("(0)", ""))))


def _check_witness_is_not_the_assessor(answers, enrolment):
    assessor = enrolment.assessor
    name = " ".join(answers["witness_name"].lower().split())
    contact = answers["contact"].strip().lower()
    if name == assessor.get_full_name().lower() or (
        assessor.email and contact == assessor.email.lower()
    ):
        raise ValidationError(
            {"witness_name": "The witness cannot be your assessor; ask someone who saw the work."}
        )
