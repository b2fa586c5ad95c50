"""Import in one pass: the file a clean dry run showed is kept server-side for an hour, and one
button imports exactly it, as a job, then emails each new person an invitation.

The file goes into the default storage (the disk or the bucket every app server shares) under
a random name; the page carries a signed token naming it, who checked it and its SHA-256. At
import the token must be under an hour old and the bytes must still have that digest, or
nothing is written.
"""

import datetime
import hashlib
import io
import logging
import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from evidence.uploads import STORAGE_FAILURES

from . import imports
from .access import require_centre_admin
from .services import person_password_link_send

logger = logging.getLogger(__name__)

HELD_FOR = datetime.timedelta(hours=1)
HELD_FOLDER = "imports"
SALT = "people.import_jobs.held-file"
EXPIRED = (
    "The checked file was kept for an hour and that hour has passed, so nothing was imported. "
    "Upload the file again to check it."
)
CHANGED = (
    "The file kept since the check is not the file that was checked, so nothing was imported. "
    "Upload the file again to check it."
)
NOT_YOURS = "This check was made by someone else; upload the file again to check it yourself."


def import_file_hold(data, *, by):
    """Keep the checked bytes for an hour; the signed token that names them."""
    _prune_expired()
    name = default_storage.save(f"{HELD_FOLDER}/{uuid.uuid4().hex}.csv", ContentFile(data))
    held = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "by": by.pk}
    return signing.dumps(held, salt=SALT, compress=True)


def held_file_read(token, *, by):
    """The held bytes, checked: the token's age and signer, the file's digest."""
    try:
        held = signing.loads(token, salt=SALT, max_age=HELD_FOR)
    except signing.SignatureExpired:
        raise ValidationError(EXPIRED) from None
    except signing.BadSignature:
        raise ValidationError(CHANGED) from None
    if held.get("by") != by.pk:
        raise ValidationError(NOT_YOURS)
    try:
        with default_storage.open(held["name"], "rb") as file:
            data = file.read(imports.MAX_BYTES + 1)
    except STORAGE_FAILURES as error:  # gone: pruned by another hold, or the store lost it
        logger.info("Held import %s could not be read: %r", held["name"], error)
        raise ValidationError(EXPIRED) from None
    if hashlib.sha256(data).hexdigest() != held["sha256"]:
        raise ValidationError(CHANGED)
    return held["name"], data


def _prune_expired():
    """Delete held files older than an hour (each hold tidies up after earlier ones)."""
    try:
        _, names = default_storage.listdir(HELD_FOLDER)
    except STORAGE_FAILURES:  # none held yet, or a store that cannot list just now
        return
    cutoff = timezone.now() - HELD_FOR - datetime.timedelta(minutes=5)
    for name in names:
        path = f"{HELD_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except STORAGE_FAILURES:  # another server may have deleted it first
            continue


def invitations_send(people):
    """Email each new person a link to choose a password; the number that could not be sent."""
    failed = 0
    for person in people:
        if not person.email:
            continue
        try:
            person_password_link_send(person=person, site_url=settings.SITE_URL)
        except (OSError, ValidationError):
            logger.exception("Could not email an invitation to %s", person)
            failed += 1
    return failed


def import_authorise(user, job):
    require_centre_admin(user)


def enrolment_import_run(job, progress):
    from jobs.services import JobOutput, JobRefused

    by = job.requested_by
    try:
        require_centre_admin(by)
    except PermissionDenied:
        raise JobRefused("Only a centre admin can import learners.") from None
    progress(10, "Checking the file again")
    try:
        name, data = held_file_read(job.params.get("held", ""), by=by)
    except ValidationError as error:
        raise JobRefused(" ".join(error.messages)) from None
    progress(30, "Importing")
    result = imports.enrolments_import(io.BytesIO(data), dry_run=False)
    if not result.ok:
        listed = "; ".join(str(problem) for problem in result.problems[:5])
        more = len(result.problems) - 5
        raise JobRefused(
            "Since the check, the records changed so that the file no longer imports; nothing "
            f"was imported: {listed}" + (f"; and {more} more." if more > 0 else ".")
        )
    default_storage.delete(name)
    progress(80, "Emailing invitations")
    failed = invitations_send([row.learner for row in result.new_people.values()])
    invited = len(result.new_people) - failed
    summary = f"{result.summary} Invitations to choose a password were emailed to {invited}."
    if failed:
        summary += f" {failed} could not be emailed: send each a link from their page under People."
    return JobOutput(summary=summary)
