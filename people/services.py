"""Changes to people and enrolments. Views, admin, imports and commands all come through here."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Enrolment, EnrolmentUnit, User
from .versions import changes_portfolio, of_enrolment

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
    return enrolment


@transaction.atomic
@changes_portfolio(of_enrolment)
def enrolment_update(*, enrolment, units=None, **fields):
    """Change an enrolment's people, dates, status or units; unknown fields are refused."""
    allowed = {"assessor", "iqa", "start_date", "planned_end_date", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"enrolment_update() cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(enrolment, name, value)
    try:
        enrolment_validate(enrolment, units)
    except ValidationError:
        enrolment.refresh_from_db()  # so a screen showing it again shows what is stored
        raise
    enrolment.save()
    if units is not None:
        wanted = {unit.pk for unit in units}
        current = set(enrolment.enrolled_units.values_list("unit_id", flat=True))
        enrolment.enrolled_units.exclude(unit_id__in=wanted).delete()
        EnrolmentUnit.objects.bulk_create(
            EnrolmentUnit(enrolment=enrolment, unit_id=pk) for pk in wanted - current
        )
    return enrolment


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


@transaction.atomic
def person_update(*, person, by=None, **fields):
    """Change a person's details; `by` is who asks, so nobody locks themselves out."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"person_update() cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    try:
        person_validate(person, by=by)
    except ValidationError:
        person.refresh_from_db()  # so a screen showing it again shows what is stored
        raise
    person.save()
    return person


def person_password_link_send(*, person, site_url):
    """Email `person` a one-use link to choose a password; `site_url` is e.g. https://host.

    This is how a new person, who starts with no usable password, gets one. The link is
    Django's password reset link, so it expires and dies once used or the password changes.
    """
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
