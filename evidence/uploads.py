"""Adding files to evidence and taking them out: the only place these rules are written.

A file is checked (size, then what its bytes really are) before a byte is stored, hashed as
its chunks arrive (the upload handlers below: one pass over its bytes), and stored under a
generated name through Django's storage API, so refused files leave nothing behind and a later
change can move storage to an object store.
"""

import hashlib
import logging
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from audit.hooks import audited
from audit.models import AuditRecord
from audit.services import audit_record
from nvq_portfolio.storage import start_writeback, stored_by_renaming
from people.versions import changes_portfolio, of_file, of_item

from . import rules
from .models import EvidenceFile, EvidenceItem
from .sniffing import sniff

logger = logging.getLogger(__name__)

# What a store that cannot take the bytes raises: the disk (full, unwritable) or an object
# store (unreachable, bucket missing, credentials refused).
STORAGE_FAILURES = (OSError, BotoCoreError, ClientError)
STORE_FAILED = (
    "The file could not be stored just now, so nothing was added. "
    "Try again in a few minutes; if it keeps happening, tell your centre."
)

MAX_NAME_LENGTH = EvidenceFile._meta.get_field("original_name").max_length
MAX_STORED_NAME_LENGTH = EvidenceFile._meta.get_field("file").max_length
# Longer than any real extension: "report.final version" has no extension to keep.
MAX_EXTENSION_LENGTH = 10
# Characters Windows refuses in file names; replaced so a download saves under the same name.
UNSAFE_NAME_CHARACTERS = str.maketrans(dict.fromkeys('<>:"/\\|?*', "_"))


def safe_file_name(name):
    """The learner's own name for a file, fit to show and to offer back on download."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: control and format characters, including the right-to-left override that
    # can make "report_fdp.exe" look like "report_exe.pdf".
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = " ".join(name.translate(UNSAFE_NAME_CHARACTERS).split())
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > MAX_EXTENSION_LENGTH or not extension.strip():
        stem, extension = name, ""
    # Leading dots would hide the file on Linux and Mac; trailing ones vanish on Windows.
    stem = stem.strip(". ") or "file"
    extension = extension.strip(". ")
    suffix = f".{extension}" if extension else ""
    return stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix


def max_file_size_text():
    """The limit on one file, in MB as people say it: "100 MB"."""
    limit = settings.EVIDENCE_MAX_FILE_SIZE
    megabytes = limit / (1024 * 1024)
    if megabytes < 1:
        return filesizeformat(limit)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


def size_limit_message():
    return f"It is larger than the limit of {max_file_size_text()} a file."


# Django's handlers take an upload 64 KB at a time; 1 MB chunks cut the Python work on each
# byte (parsing, hashing, writing) sixteenfold, and one chunk is small beside a worker's memory.
UPLOAD_CHUNK_SIZE = 1024 * 1024


class FileSizeLimitHandler(FileUploadHandler):
    """Stops taking in a file as soon as it passes the limit, for every upload of the site.

    First of settings.FILE_UPLOAD_HANDLERS, so it sees each block of every uploaded file
    before Django's own handlers keep it in memory or write it to a temporary file. Past the
    limit it passes nothing on and discards what they hold, so nothing is ever written past
    the limit; the file then arrives as a TooLargeUpload, which upload_check refuses by name
    like any other file it refuses, whichever form or view the upload came through.
    """

    chunk_size = UPLOAD_CHUNK_SIZE

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.EVIDENCE_MAX_FILE_SIZE
        self.received = 0
        self.dropped = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.dropped = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if not self.dropped and self.received > self.limit:
            self.dropped = True
            self._discard_what_the_other_handlers_hold()
        return None if self.dropped else raw_data

    def file_complete(self, file_size):
        if not self.dropped:
            return None  # the next handler completes the file
        return TooLargeUpload(self.file_name, self.content_type, self.received, self.charset)

    def _discard_what_the_other_handlers_hold(self):
        # As Django does when a handler skips a file: a temporary file is deleted on closing.
        for handler in self.request.upload_handlers if self.request else ():
            if handler is not self and getattr(handler, "file", None) is not None:
                handler.file.close()


class HashingMemoryFileUploadHandler(MemoryFileUploadHandler):
    """Django's handler for small uploads, which also takes the SHA-256 of the bytes it keeps
    as they arrive (`received_sha256` on the file), so they are not read again to be hashed."""

    chunk_size = UPLOAD_CHUNK_SIZE

    def new_file(self, *args, **kwargs):
        self.sha256 = hashlib.sha256()  # first: Django's new_file stops here when it takes the file
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if self.activated:
            self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        upload = super().file_complete(file_size)
        if upload is not None:
            upload.received_sha256 = self.sha256.hexdigest()
        return upload


class BackgroundSha256:
    """SHA-256 of chunks taken on a thread of its own, in the order given.

    hashlib lets go of the GIL while it hashes a large chunk, so the request's thread goes on
    reading the next chunk from the socket and writing this one to disk meanwhile: a large
    upload costs its slowest step rather than the sum of them. At most `ahead` chunks wait to
    be hashed, so a slow hash holds back the upload instead of filling the memory.
    """

    def __init__(self, ahead=8):
        self._sha256 = hashlib.sha256()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-sha256")
        self._waiting = threading.BoundedSemaphore(ahead)

    def update(self, data):
        self._waiting.acquire()
        self._thread.submit(self._hash, data)

    def _hash(self, data):
        try:
            self._sha256.update(data)
        finally:
            self._waiting.release()

    def hexdigest(self):
        self._thread.shutdown(wait=True)  # every chunk given has been hashed
        return self._sha256.hexdigest()

    def abandon(self):
        self._thread.shutdown(wait=False, cancel_futures=True)


# How much of a large upload is written before the disk is asked to start taking it.
WRITEBACK_STEP = 8 * 1024 * 1024


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler that writes an upload to a temporary file, hashing each chunk as it
    writes it: one pass over the bytes instead of a write and then a read to hash them, the
    hashing on a thread beside the writing (BackgroundSha256).

    When the storage will keep the file by renaming it (nvq_portfolio.storage), the disk is
    asked to start writing each 8 MB as it arrives, so the fsync before the file's record
    commits waits only for the last few: the writing overlaps the receiving.
    """

    chunk_size = UPLOAD_CHUNK_SIZE

    def new_file(self, *args, **kwargs):
        self._abandon_hash()  # a request's earlier file that never completed
        self.sha256 = BackgroundSha256()
        super().new_file(*args, **kwargs)
        self.written_back = 0
        self.write_back = stored_by_renaming(self.file.temporary_file_path())

    def receive_data_chunk(self, raw_data, start):
        self.sha256.update(raw_data)
        super().receive_data_chunk(raw_data, start)
        written = start + len(raw_data)  # `start`: what this handler was given before
        if self.write_back and written - self.written_back >= WRITEBACK_STEP:
            self.file.flush()
            start_writeback(self.file.fileno(), self.written_back, written - self.written_back)
            self.written_back = written

    def file_complete(self, file_size):
        upload = super().file_complete(file_size)
        upload.received_sha256 = self.sha256.hexdigest()
        return upload

    def upload_interrupted(self):
        self._abandon_hash()
        super().upload_interrupted()

    def upload_complete(self):
        # A file dropped part way (FileSizeLimitHandler) never reaches file_complete here.
        self._abandon_hash()
        super().upload_complete()

    def _abandon_hash(self):
        if getattr(self, "sha256", None) is not None:
            self.sha256.abandon()


class TooLargeUpload(UploadedFile):
    """A file the size limit stopped taking in: its name and size so far, and none of its bytes."""

    def __init__(self, name, content_type, size, charset):
        super().__init__(None, name, content_type, size, charset)

    def open(self, mode=None):
        raise ValidationError(size_limit_message())

    def read(self, *args):
        raise ValidationError(size_limit_message())

    def chunks(self, chunk_size=None):
        raise ValidationError(size_limit_message())

    def close(self):
        pass


def check_size(size):
    if size <= 0:
        raise ValidationError("It is empty: there is nothing in the file to upload.")
    if size > settings.EVIDENCE_MAX_FILE_SIZE:
        raise ValidationError(size_limit_message())


def measure(upload):
    """Size and SHA-256 of the upload: as the upload handlers took them while the bytes
    arrived, else read a chunk at a time (never whole into memory)."""
    received = getattr(upload, "received_sha256", None)
    if received is not None:
        return upload.size, received
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def earlier_copy(evidence_file):
    """The first current file with the same bytes on any item of the same enrolment, or None."""
    return (
        EvidenceFile.objects.filter(
            item__enrolment_id=evidence_file.item.enrolment_id,
            sha256=evidence_file.sha256,
            removed_at__isnull=True,
        )
        .exclude(pk=evidence_file.pk)
        .select_related("item")
        .order_by("uploaded_at", "pk")
        .first()
    )


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    size: int
    sha256: str
    content_type: str


def upload_check(upload):
    """Everything the portfolio checks of an uploaded file before storing a byte of it: its
    size, then what its bytes really are; then its SHA-256, read a chunk at a time."""
    original_name = safe_file_name(upload.name)
    check_size(upload.size)
    sniffed = sniff(upload, original_name)
    if sniffed.refusal:
        raise ValidationError(sniffed.refusal)
    size, sha256 = measure(upload)
    check_size(size)
    return CheckedUpload(original_name, size, sha256, sniffed.file_type.content_type)


@changes_portfolio(of_item)
def evidence_file_add(*, item, upload, by):
    """Check, hash and store one uploaded file; return (file, earlier copy or None).

    The bytes are stored before the row is written, outside the transaction so the item is not
    locked while a large file is copied; if anything after that fails, they are deleted.
    """
    rules.require(item, by, rules.FILES)
    checked = upload_check(upload)
    original_name = checked.original_name
    evidence_file = EvidenceFile(
        item=item,
        original_name=original_name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        uploaded_by=by,
    )
    storage = evidence_file.file.storage
    # Named before saving, so that bytes half-written by a failed save can be found and deleted.
    name = evidence_file.file.field.generate_filename(evidence_file, original_name)
    try:
        evidence_file.file = storage.save(name, upload, max_length=MAX_STORED_NAME_LENGTH)
    except STORAGE_FAILURES as error:
        logger.exception("Could not store %s for item %s", original_name, item.pk)
        delete_quietly(storage, name)
        raise ValidationError(STORE_FAILED) from error
    try:
        with transaction.atomic():
            # Submitting locks the item too, so a file cannot slip into a submitted version.
            locked = EvidenceItem.objects.select_for_update(of=("self",)).select_related(
                "enrolment"
            )
            rules.require(locked.get(pk=item.pk), by, rules.FILES)
            evidence_file.full_clean()
            evidence_file.save()
            duplicate = earlier_copy(evidence_file)
            # Here rather than by @audited: the bytes are stored outside the transaction.
            audit_record(
                kind=AuditRecord.Kind.FILE_ADDED,
                actor=by,
                obj=evidence_file,
                enrolment=item.enrolment_id,
                after=evidence_file,
                summary="File added to an evidence item.",
            )
    except BaseException:
        delete_quietly(storage, evidence_file.file.name or name)
        raise
    return evidence_file, duplicate


def delete_quietly(storage, name):
    """Delete bytes whose row was never written; a store that is down keeps them, logged."""
    try:
        storage.delete(name)
    except STORAGE_FAILURES:
        logger.exception("Could not delete %s, stored for a row that was not written", name)


@audited(
    AuditRecord.Kind.FILE_REMOVED,
    obj="evidence_file",
    summary="File taken out of an evidence item.",
)
@transaction.atomic
@changes_portfolio(of_file)
def evidence_file_remove(*, evidence_file, by):
    """Take a file out of an item's working copy.

    A file that was in a submitted version stays, marked removed, because that version still
    shows it; one that was never submitted is deleted with its bytes.
    """
    item = (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("enrolment")
        .get(pk=evidence_file.item_id)
    )
    rules.require(item, by, rules.FILES)
    evidence_file = EvidenceFile.objects.select_for_update().get(pk=evidence_file.pk)
    if evidence_file.removed_at is not None:
        raise ValidationError("This file was already taken out of the item.")
    if evidence_file.versions.exists():
        evidence_file.removed_at = timezone.now()
        evidence_file.save(update_fields=["removed_at"])
        return evidence_file
    name, storage = evidence_file.file.name, evidence_file.file.storage
    evidence_file.delete()
    # Only once the row is surely gone: a rolled-back removal must still find its bytes.
    transaction.on_commit(lambda: storage.delete(name))
    return evidence_file
