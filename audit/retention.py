"""Retention: who is past the centre's retention period, and pseudonymising them.

The clock of an enrolment starts at certification: every unit of the enrolment signed off
and countersigned by the learner (the latest countersignature's date). An enrolment that ends
without certification (withdrawn, or completed with a unit never countersigned) starts it at
its planned end date. A learner is past retention when every enrolment they hold is past
`CentreSettings.retention_years` from its start of clock, and they hold no other role (assessor,
IQA, centre admin, EQA, staff): those accounts are still in use.

Pseudonymising keeps every row and hash: sign-off seals, evidence versions and their files'
SHA-256 all stay checkable. The learner's name, email and username give way to
"Former learner 4f2a", their evidence files' bytes are deleted from storage, the AuditPersonal
rows that name or locate them are blanked, and the redaction is itself an audit record.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from assessments.models import UnitSignOff
from evidence.models import EvidenceFile
from people.models import Enrolment, User

from . import chain
from .models import AuditPersonal, AuditRecord, CentreSettings
from .services import audit_record

PSEUDONYM_PREFIX = "former-learner-"


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def clock_start(enrolment):
    """When the retention clock of `enrolment` started, or None while it is still running."""
    unit_count = enrolment.enrolled_units.count()
    facts = UnitSignOff.objects.filter(
        enrolled_unit__enrolment=enrolment,
        reopened_at__isnull=True,
        learner_signed_at__isnull=False,
    ).aggregate(units=Count("enrolled_unit", distinct=True), last=Max("learner_signed_at"))
    if unit_count and facts["units"] == unit_count:
        return timezone.localtime(facts["last"]).date()
    if enrolment.status in (Enrolment.Status.WITHDRAWN, Enrolment.Status.COMPLETED):
        return enrolment.planned_end_date
    return None


@dataclass
class Due:
    person: User
    retained_until: datetime.date
    files: list = field(default_factory=list)  # stored names of their evidence files


def is_pseudonymised(person):
    return person.username.startswith(PSEUDONYM_PREFIX)


def people_past_retention(*, today=None):
    """[Due] for every learner past the retention period on `today`, by username."""
    today = today or timezone.localdate()
    years = CentreSettings.current().retention_years
    other_roles = Q(assessor_enrolments__isnull=False) | Q(iqa_enrolments__isnull=False)
    learners = (
        User.objects.filter(enrolments__isnull=False)
        .exclude(other_roles)
        .exclude(is_centre_admin=True)
        .exclude(is_external_verifier=True)
        .exclude(is_staff=True)
        .exclude(is_superuser=True)
        .exclude(username__startswith=PSEUDONYM_PREFIX)
        .distinct()
        .order_by("username")
    )
    due = []
    for person in learners:
        until = None
        for enrolment in person.enrolments.all():
            start = clock_start(enrolment)
            if start is None:
                until = None
                break
            ends = _years_after(start, years)
            until = ends if until is None or ends > until else until
        if until is not None and until <= today:
            files = EvidenceFile.objects.filter(item__enrolment__learner=person).exclude(file="")
            due.append(Due(person, until, list(files.values_list("file", flat=True))))
    return due


def _pseudonym(person):
    # Random, so the pseudonym says nothing about who it was; short, to read aloud.
    return secrets.token_hex(2)


@transaction.atomic
def person_pseudonymise(*, person, by=None, retained_until):
    """Replace a learner's personal data past retention, delete their files' bytes once the
    transaction commits, blank the personal details of their audit records, and record it."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if is_pseudonymised(person):
        raise ValidationError(f"{person.username} has already been pseudonymised.")
    before = chain.state_of(person)
    token = _pseudonym(person)
    while User.objects.filter(username=f"{PSEUDONYM_PREFIX}{token}").exists():
        token = _pseudonym(person)
    person.username = f"{PSEUDONYM_PREFIX}{token}"
    person.first_name, person.last_name = "Former learner", token
    person.email = ""
    person.is_active = False
    person.daily_digest = False
    person.set_unusable_password()
    person.save()
    # Second factors name the person's phone; they can never sign in again anyway.
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()

    enrolment_ids = list(person.enrolments.values_list("pk", flat=True))
    naming = (
        Q(record__actor_id=person.pk)
        | Q(record__object_type=User._meta.label, record__object_id=str(person.pk))
        | Q(record__enrolment_id__in=enrolment_ids)
    )
    blanked = AuditPersonal.objects.filter(naming, redacted_at__isnull=True).update(
        client_address=None, actor_name="", object_name="", detail="", redacted_at=timezone.now()
    )
    stored = list(
        EvidenceFile.objects.filter(item__enrolment__learner=person)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    storage = EvidenceFile._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    audit_record(
        kind=AuditRecord.Kind.RETENTION,
        actor=by,
        obj=person,
        before=before,
        after=person,
        summary=(
            f"Retention ended {retained_until:%Y-%m-%d}: personal data pseudonymised, "
            f"{len(stored)} evidence files removed, {blanked} audit details blanked."
        ),
    )
    return person, stored, blanked


def pseudonymised_learner_ids():
    """Ids of people the trail says were pseudonymised: their sign-offs named their username."""
    ids = AuditRecord.objects.filter(
        kind=AuditRecord.Kind.RETENTION, object_type=User._meta.label
    ).values_list("object_id", flat=True)
    return {int(pk) for pk in ids}
