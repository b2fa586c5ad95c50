"""Changes to people and enrolments. Views, admin, imports and commands all come through here."""

import copy
import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import router, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.deletion import Collector
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import get_text_list
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.hooks import audited, enrolment_with_units
from audit.models import AuditRecord
from audit.services import audit_record
from nvq_portfolio import todo_count

from .access import person_change_refusal, two_factor_required
from .models import Enrolment, EnrolmentUnit, User
from .versions import changes_portfolio, of_enrolment

logger = logging.getLogger(__name__)

# The field each database rule is about. The constraints report on no field; naming one lets a
# form show the message beside the control and an import name the column.
CONSTRAINT_FIELDS = {
    "one_enrolment_per_learner_and_qualification": "learner",
    "assessor_is_not_the_learner": "assessor",
    "iqa_is_not_the_learner": "iqa",
    "iqa_is_not_the_assessor": "iqa",
    "planned_end_not_before_start": "planned_end_date",
}


def enrolment_units_check(*, qualification, units):
    """Refuse an empty choice of units, or any unit that is not part of `qualification`."""
    if not units:
        raise ValidationError({"units": "Choose at least one unit."})
    # .all() rather than values_list: a caller that prefetched the units (the import) saves a query.
    allowed = {unit.pk for unit in qualification.units.all()}
    foreign = [unit for unit in units if unit.pk not in allowed]
    if foreign:
        names = ", ".join(str(unit) for unit in foreign)
        raise ValidationError({"units": f"Not a unit of {qualification}: {names}."})


def _errors_on_fields(error):
    """`error`'s messages keyed by field, with each broken constraint's moved to its field."""
    fields_by_message = {
        constraint.violation_error_message: CONSTRAINT_FIELDS[constraint.name]
        for constraint in Enrolment._meta.constraints
        if constraint.name in CONSTRAINT_FIELDS
    }
    errors = {}
    for field, field_errors in error.error_dict.items():
        for field_error in field_errors:
            key = field
            if field == NON_FIELD_ERRORS:
                key = fields_by_message.get(field_error.message, NON_FIELD_ERRORS)
            errors.setdefault(key, []).append(field_error)
    return errors


def enrolment_validate(enrolment, units=None):
    """Every rule `enrolment` (and its `units`, when given) breaks, as one ValidationError.

    Errors are keyed by field, so one pass shows every problem: a form shows each beside its
    control and the enrolment import names the column.
    """
    errors = {}
    try:
        enrolment.full_clean()
    except ValidationError as error:
        errors = _errors_on_fields(error)
    for field in ("learner", "assessor", "iqa"):
        person = getattr(enrolment, field, None) if getattr(enrolment, f"{field}_id") else None
        if person is not None and person.is_external_verifier:
            errors.setdefault(field, []).append(
                ValidationError(
                    f"{person} is an external quality assurer and cannot hold a role here."
                )
            )
    if units is not None and enrolment.qualification_id is not None:
        try:
            enrolment_units_check(qualification=enrolment.qualification, units=units)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@audited(AuditRecord.Kind.ENROLMENT_CREATED, state=enrolment_with_units, summary="Enrolment added.")
@transaction.atomic
def enrolment_create(
    *,
    learner,
    qualification,
    units,
    assessor,
    iqa=None,
    start_date,
    planned_end_date,
    status=Enrolment.Status.ACTIVE,
):
    enrolment = Enrolment(
        learner=learner,
        qualification=qualification,
        assessor=assessor,
        iqa=iqa,
        start_date=start_date,
        planned_end_date=planned_end_date,
        status=status,
    )
    enrolment_validate(enrolment, units)
    enrolment.save()
    EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=enrolment, unit=u) for u in units)
    enrolment_roles_changed(enrolment)
    return enrolment


def enrolment_roles_changed(*enrolments):
    """The navigation and to-do lists of an enrolment's people follow their roles at once."""
    people = {pk for e in enrolments for pk in (e.learner_id, e.assessor_id, e.iqa_id)}
    todo_count.forget_roles(*people)
    todo_count.forget(*people)


@audited(
    AuditRecord.Kind.ENROLMENT_CHANGED,
    obj="enrolment",
    state=enrolment_with_units,
    summary="Enrolment changed.",
)
@transaction.atomic
@changes_portfolio(of_enrolment)
def enrolment_update(*, enrolment, units=None, **fields):
    """Change an enrolment's people, dates, status or units; unknown fields are refused."""
    allowed = {"assessor", "iqa", "start_date", "planned_end_date", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"enrolment_update() cannot change {', '.join(sorted(unknown))}")
    before = copy.copy(enrolment)
    for name, value in fields.items():
        setattr(enrolment, name, value)
    try:
        enrolment_validate(enrolment, units)
        if units is not None:
            _refuse_removing_assessed_units(enrolment, keep=units)
    except ValidationError:
        enrolment.refresh_from_db()  # so a screen showing it again shows what is stored
        raise
    enrolment.save()
    enrolment_roles_changed(before, enrolment)
    if units is not None:
        wanted = {unit.pk for unit in units}
        current = set(enrolment.enrolled_units.values_list("unit_id", flat=True))
        enrolment.enrolled_units.exclude(unit_id__in=wanted).delete()
        EnrolmentUnit.objects.bulk_create(
            EnrolmentUnit(enrolment=enrolment, unit_id=pk) for pk in wanted - current
        )
    return enrolment


def _refuse_removing_assessed_units(enrolment, *, keep):
    """Refuse to take off a unit that records rest on: judgements, a sign-off, an IQA sample.

    The database protects those rows; asking it (without deleting anything) which units it
    would refuse covers every such record, including any added later.
    """
    leaving = enrolment.enrolled_units.exclude(unit__in=keep).select_related("unit")
    assessed = []
    for enrolled_unit in leaving:
        try:
            Collector(using=router.db_for_write(EnrolmentUnit)).collect([enrolled_unit])
        except (ProtectedError, RestrictedError):
            assessed.append(str(enrolled_unit.unit))
    if assessed:
        it = "it" if len(assessed) == 1 else "them"
        raise ValidationError(
            {
                "units": f"{get_text_list(assessed, 'and')} cannot be taken off this enrolment: "
                f"the learner has been assessed on {it} (judgements, and perhaps a sign-off or "
                f"an IQA sample, are on record), and those records stay. Tick {it} again to "
                f"keep {it}."
            }
        )


PERSON_FIELDS = {
    "username",
    "first_name",
    "last_name",
    "email",
    "is_centre_admin",
    "is_external_verifier",
    "is_active",
}


def person_validate(person, *, by=None):
    """Every rule `person` breaks, as one ValidationError keyed by field.

    Usernames are unique regardless of case, so "Alice" and "alice" cannot be two people. An
    email address is required: a person sets their own password through a link sent to it.
    """
    errors = {}
    try:
        # The case-blind check below is stricter than the model's own unique username check.
        person.full_clean(validate_unique=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    taken = User.objects.filter(username__iexact=person.username).exclude(pk=person.pk)
    if person.username and taken.exists():
        errors["username"] = [
            ValidationError(
                f"The username {person.username} is already taken (usernames are not "
                "case-sensitive). Choose another, for example with a number or initial added."
            )
        ]
    if not person.email:
        errors.setdefault("email", []).append(
            ValidationError("Enter an email address: the person needs it to set their password.")
        )
    # An EQA is from the awarding body: outside the centre, with no role inside it.
    if person.is_external_verifier:
        if person.is_centre_admin:
            errors.setdefault("is_external_verifier", []).append(
                ValidationError("An external quality assurer cannot also be a centre admin.")
            )
        holds_roles = person.pk and Enrolment.objects.filter(
            Q(learner=person) | Q(assessor=person) | Q(iqa=person)
        )
        if holds_roles and holds_roles.exists():
            errors.setdefault("is_external_verifier", []).append(
                ValidationError(
                    "This person is a learner, assessor or IQA here, so cannot be an external "
                    "quality assurer."
                )
            )
    # A centre admin who removes their own access locks themselves out of these screens.
    if by is not None and person.pk == by.pk:
        if not person.is_active:
            errors.setdefault("is_active", []).append(
                ValidationError("You cannot make your own account inactive.")
            )
        if not person.is_centre_admin:
            errors.setdefault("is_centre_admin", []).append(
                ValidationError(
                    "You cannot remove your own centre admin role; ask another centre admin."
                )
            )
    if errors:
        raise ValidationError(errors)


@audited(AuditRecord.Kind.PERSON_CREATED, summary="Person added.")
@transaction.atomic
def person_create(
    *,
    username,
    first_name="",
    last_name="",
    email="",
    is_centre_admin=False,
    is_external_verifier=False,
    is_active=True,
):
    """A new person with no usable password: they choose one through an emailed link."""
    person = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        is_centre_admin=is_centre_admin,
        is_external_verifier=is_external_verifier,
        is_active=is_active,
    )
    person.set_unusable_password()
    person_validate(person)
    person.save()
    return person


@audited(
    AuditRecord.Kind.PERSON_CHANGED, obj="person", summary="Person's details or roles changed."
)
@transaction.atomic
def person_update(*, person, by=None, **fields):
    """Change a person's details; `by` is who asks, so nobody locks themselves out or changes
    what only a superuser may (people/access.py), and the old address hears of a new one."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"person_update() cannot change {', '.join(sorted(unknown))}")
    values = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    # What is stored, read under lock: the rule is about the account as it is, not as a form says.
    stored = User.objects.select_for_update().get(pk=person.pk)
    if by is not None:
        changed = {name for name, value in values.items() if getattr(stored, name) != value}
        refusal = person_change_refusal(by, stored, changed)
        if refusal:
            person.refresh_from_db()
            raise PermissionDenied(refusal)
    for name, value in values.items():
        setattr(person, name, value)
    try:
        person_validate(person, by=by)
    except ValidationError:
        person.refresh_from_db()  # so a screen showing it again shows what is stored
        raise
    person.save()
    if stored.email and stored.email.lower() != person.email.lower():
        person_email_change_notify(person=person, old_email=stored.email, by=by)
    return person


def person_email_change_notify(*, person, old_email, by=None):
    """Tell `old_email` that `person`'s address is now another, once the change is committed.

    Password links go to the address on record, so whoever changes it could take the account
    over; the owner hears of it at the address they still read. Django admin calls this too.
    """
    context = {
        "person": person,
        "old_email": old_email,
        "by": by if by is not None and by.pk != person.pk else None,
        "site_title": settings.SITE_NAME,
    }
    subject = " ".join(render_to_string("people/email/email_changed_subject.txt", context).split())
    body = render_to_string("people/email/email_changed.txt", context)

    def send():
        try:
            send_mail(subject, body, None, [old_email])
        except OSError:
            # The change stands; the failure is logged for whoever runs the site to follow up.
            logger.exception("Could not tell %s that %s's email address changed", old_email, person)

    transaction.on_commit(send)


@transaction.atomic
def person_password_link_send(*, person, site_url, by=None):
    """Email `person` a one-use link to choose a password; `site_url` is e.g. https://host.

    This is how a new person, who starts with no usable password, gets one. The link is
    Django's password reset link, so it expires and dies once used or the password changes.
    It goes to the address on record, read under lock, never to one a caller set in memory:
    changing an address and sending a link cannot happen in one step.
    """
    person = User.objects.select_for_update().get(pk=person.pk)
    if by is not None:
        refusal = person_change_refusal(by, person, {"password"})
        if refusal:
            raise PermissionDenied(refusal)
    if not person.is_active:
        raise ValidationError(f"{person} is inactive; make them active first.")
    if not person.email:
        raise ValidationError(f"{person} has no email address; add one first.")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    context = {
        "person": person,
        "site_title": settings.SITE_NAME,
        "link": site_url + reverse("password_reset_confirm", args=[uid, token]),
        "login_url": site_url + reverse("login"),
    }
    subject = render_to_string("people/email/password_link_subject.txt", context)
    body = render_to_string("people/email/password_link.txt", context)
    send_mail(" ".join(subject.split()), body, None, [person.email])
    audit_record(
        kind=AuditRecord.Kind.PERSON_CHANGED,
        actor=by,
        obj=person,
        summary="Link to choose a password sent to the address on record.",
    )
    return person


@audited(
    AuditRecord.Kind.PERSON_CHANGED,
    obj="person",
    summary="Password chosen through an emailed link; sign-in lockouts lifted.",
)
def person_sign_in_lockouts_clear(*, person):
    """Lift every sign-in lockout on `person`'s username, from any address.

    Called once they have set a new password through an emailed link: that proves they hold
    the address on record, so a lock someone else caused by guessing does not keep them out.
    """
    return axes_reset(username=person.username)


# Two-factor sign-in: an authenticator app (TOTP, django-otp) plus single-use recovery codes.

RECOVERY_CODE_COUNT = 10


def _code_check(device, code):
    """Refuse `code` for `device`, saying why; a wrong code counts towards the device's throttle.

    Not atomic on purpose: a refusal must not roll back the failure count django-otp records.
    """
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = timezone.localtime(why["locked_until"]) if why and "locked_until" in why else None
        wait = f" Wait until {until:%H:%M:%S} and try again." if until else " Try again later."
        raise ValidationError({"code": "Too many wrong codes." + wait})
    if not device.verify_token(code):
        raise ValidationError(
            {
                "code": "That code is not right. Enter the 6-digit code your authenticator app "
                "shows now, or one of your recovery codes."
            }
        )


def _code_normalised(code):
    return "".join(code.split()).replace("-", "").lower()


def two_factor_device_start(*, person):
    """The authenticator `person` is setting up: a new secret, unconfirmed until they prove it."""
    device = TOTPDevice.objects.filter(user=person, confirmed=False).first()
    if device is None:
        device = TOTPDevice(user=person, name="Authenticator app", confirmed=False)
        device.full_clean()
        device.save()
    return device


def two_factor_device_confirm(*, person, code):
    """Turn two-factor sign-in on once `code` shows the app holds the new secret.

    Replaces any authenticator set up before. Returns (device, recovery codes); the codes are
    shown once and never again.
    """
    device = TOTPDevice.objects.filter(user=person, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": "Start the set-up again: this page has expired."})
    _code_check(device, _code_normalised(code))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(person)
        _two_factor_audit(person, "Two-factor sign-in set up with an authenticator app.")
    return device, codes


def two_factor_verify(*, person, code):
    """The device that accepts `code` for `person` at sign-in: their authenticator app, or a
    recovery code, which is then used up. ValidationError if none does or they are throttled."""
    code = _code_normalised(code)
    devices = StaticDevice if not (code.isdigit() and len(code) == 6) else TOTPDevice
    device = devices.objects.filter(user=person, confirmed=True).first()
    if device is None:
        raise ValidationError(
            {
                "code": "That code is not right. Enter the 6-digit code your authenticator app "
                "shows now, or one of your recovery codes."
            }
        )
    _code_check(device, code)
    return device


def _two_factor_audit(person, summary):
    # Only the person changes their own second factor here (Django admin records its own).
    audit_record(kind=AuditRecord.Kind.PERSON_CHANGED, actor=person, obj=person, summary=summary)


def _recovery_codes_replace(person):
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_recovery_codes_renew(*, person):
    """New recovery codes for `person`, to be shown once; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=person, confirmed=True).exists():
        raise ValidationError("Set up two-factor sign-in first.")
    codes = _recovery_codes_replace(person)
    _two_factor_audit(person, "Two-factor recovery codes renewed; the old ones stopped working.")
    return codes


@transaction.atomic
def two_factor_disable(*, person):
    """Turn two-factor sign-in off for `person`, unless their roles require it."""
    if two_factor_required(person):
        raise ValidationError(
            "Two-factor sign-in is required for centre admins, assessors and IQAs, so it "
            "cannot be turned off. You can set up a new authenticator app instead."
        )
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    _two_factor_audit(person, "Two-factor sign-in turned off.")


def person_notice_email_set(*, person, daily_digest):
    """Choose an email per notice, or one daily digest (notifications.services.digests_send)."""
    person.daily_digest = bool(daily_digest)
    person.save(update_fields=["daily_digest"])
    return person
