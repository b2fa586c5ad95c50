"""A subject access export (UK GDPR, article 15): a learner's portfolio ZIP with
personal-data.json, what the centre holds about them as a person: their account, their
enrolments, their notifications and their sign-in records. Secrets are never written: no
password hash, no two-factor key, only that such a device exists."""

from django.db import transaction

from people.models import Enrolment

from .archive import dumps
from .manifest import iso
from .services import portfolio_export

ACCOUNT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_centre_admin",
    "is_external_verifier",
    "daily_digest",
)


def personal_data(person):
    """Everything held about `person` as a person, as JSON-able data."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp import devices_for_user

    return {
        "format": 1,
        "account": {
            **{name: getattr(person, name) for name in ACCOUNT_FIELDS},
            "date_joined": iso(person.date_joined),
            "last_login": iso(person.last_login),
            "has_password": person.has_usable_password(),
            "two_factor_devices": [
                {"kind": device.__class__.__name__, "name": device.name}
                for device in devices_for_user(person, confirmed=None)
            ],
        },
        "enrolments": [
            {
                "qualification": e.qualification.title,
                "assessor": e.assessor.display_name,
                "internal_quality_assurer": e.iqa.display_name if e.iqa else None,
                "start_date": iso(e.start_date),
                "planned_end_date": iso(e.planned_end_date),
                "status": e.status,
                "units": sorted(u.reference or u.slug for u in e.units.all()),
            }
            for e in Enrolment.objects.filter(learner=person)
            .select_related("qualification", "assessor", "iqa")
            .prefetch_related("units")
            .order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "message": n.message,
                "url": n.url,
                "created_at": iso(n.created_at),
                "read_at": iso(n.read_at),
                "emailed_at": iso(n.emailed_at),
            }
            for n in person.notifications.order_by("created_at", "pk")
        ],
        "sign_ins": [
            {
                "at": iso(log.attempt_time),
                "address": log.ip_address,
                "browser": log.user_agent,
                "signed_out_at": iso(log.logout_time),
            }
            for log in AccessLog.objects.filter(username=person.username).order_by("attempt_time")
        ],
        "sign_ins_in_audit_trail": sign_ins_in_audit_trail(person),
        "failed_sign_ins": [
            {"at": iso(log.attempt_time), "address": log.ip_address, "browser": log.user_agent}
            for log in AccessFailureLog.objects.filter(username=person.username).order_by(
                "attempt_time"
            )
        ]
        + [
            {
                "at": iso(a.attempt_time),
                "address": a.ip_address,
                "browser": a.user_agent,
                "failures": a.failures_since_start,
            }
            for a in AccessAttempt.objects.filter(username=person.username).order_by("attempt_time")
        ],
    }


def sign_ins_in_audit_trail(person):
    """The person's sign-ins and failed sign-ins as the audit trail recorded them; empty when
    this installation keeps no audit trail."""
    try:
        from audit.models import AuditRecord
    except ImportError:
        return []
    records = AuditRecord.objects.filter(
        kind__in=[AuditRecord.Kind.SIGNED_IN, AuditRecord.Kind.SIGN_IN_FAILED],
        object_type=person._meta.label,
        object_id=str(person.pk),
    ).select_related("personal")
    return [
        {
            "at": iso(record.at),
            "what": record.get_kind_display(),
            "address": getattr(getattr(record, "personal", None), "client_address", None),
        }
        for record in records.order_by("sequence")
    ]


@transaction.atomic
def subject_access_export(*, person, target, progress=None):
    """Write `person`'s subject access export to `target`: their portfolio (when they have
    one) and personal-data.json. One transaction, so both halves read the same moment."""
    extra = [("personal-data.json", dumps(personal_data(person)))]
    return portfolio_export(learner=person, target=target, extra=extra, progress=progress)
