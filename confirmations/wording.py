"""What each kind of confirmation says to the person asked and to those who read it after."""

from evidence.models import AssessmentMethod, EvidenceType

from .models import Confirmation

DECLARATIONS = {
    Confirmation.Kind.WITNESS: (
        "I confirm that I saw the learner do what this evidence describes, that what I have "
        "written here is true, and that I am not the learner's assessor."
    ),
    Confirmation.Kind.EMPLOYER: (
        "I confirm, as the learner's line manager or employer, that this record is an "
        "accurate account of what happened, with any correction I have written here."
    ),
}
ASKS = {
    Confirmation.Kind.WITNESS: "to confirm what they saw the learner do",
    Confirmation.Kind.EMPLOYER: "to sign off a record as their line manager or employer",
}


def kinds_for_item(item):
    """The kinds of confirmation that fit `item`: a witness confirms any of the learner's own
    evidence; an employer signs off an observation record or the minutes of a 1 to 1."""
    employer = (
        item.evidence_type == EvidenceType.ONE_TO_ONE_MINUTES
        or item.assessment_method == AssessmentMethod.OBSERVATION
        or item.template == "observation"
    )
    kinds = [] if item.is_assessor_record else [Confirmation.Kind.WITNESS]
    if employer:
        kinds.append(Confirmation.Kind.EMPLOYER)
    return kinds
