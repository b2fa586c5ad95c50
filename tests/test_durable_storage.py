"""Evidence stored on a local disk is on the disk itself before its record can commit: the file
and every directory up to the storage's root are fsynced by save(), and a large upload that
save() will rename into place is written out as it arrives, so that fsync has little to wait for."""

import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import RequestFactory

from evidence import uploads
from nvq_portfolio import storage


def synced_paths(monkeypatch):
    """The path behind each descriptor os.fsync is given, as the kernel names it."""
    paths = []
    real = os.fsync

    def fsync(descriptor):
        paths.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        return real(descriptor)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    return paths


def test_the_default_storage_is_the_durable_one(settings):
    assert isinstance(default_storage, storage.DurableFileSystemStorage)


def test_a_saved_file_and_its_directories_are_synced(monkeypatch, settings, tmp_path):
    paths = synced_paths(monkeypatch)
    store = storage.DurableFileSystemStorage(location=tmp_path / "media")

    name = store.save("evidence/2026/11/statement.txt", ContentFile(b"Witness statement"))

    root = (tmp_path / "media").resolve()
    assert paths == [
        str(root / name),
        str(root / "evidence/2026/11"),
        str(root / "evidence/2026"),
        str(root / "evidence"),
        str(root),
    ]
    assert (root / name).read_bytes() == b"Witness statement"


def test_a_large_upload_moved_into_place_is_synced_too(monkeypatch, tmp_path):
    paths = synced_paths(monkeypatch)
    store = storage.DurableFileSystemStorage(location=tmp_path / "media")
    upload = TemporaryUploadedFile("scan.pdf", "application/pdf", 0, None)
    upload.write(b"%PDF-1.4\n" + b"x" * 4096)
    upload.seek(0)

    name = store.save("scan.pdf", upload)
    upload.close()  # as Django does once the request ends: the file was moved, not copied

    assert paths[:2] == [str(store.path(name)), str((tmp_path / "media").resolve())]
    assert os.path.getsize(store.path(name)) == 4105


def test_the_disk_can_be_asked_to_start_writing_a_file_and_a_closed_one_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    with path.open("wb") as out:
        out.write(os.urandom(1024 * 1024))
        out.flush()
        assert storage.start_writeback(out.fileno(), 0, 1024 * 1024) is True
        closed = os.dup(out.fileno())
    os.close(closed)
    assert storage.start_writeback(closed, 0, 1024 * 1024) is False


def test_an_upload_is_written_back_as_it_arrives_when_the_storage_will_rename_it(
    monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path  # the same disk
    asked = written_back(monkeypatch)
    content = b"%PDF-1.4\n" + os.urandom(20 * 1024 * 1024)

    [upload] = uploaded(content)

    # Every 8 MB or so (as the parser's chunks fall), from the start, each range once.
    assert {path for path, _, _ in asked} == {upload.temporary_file_path()}
    ranges = [(offset, length) for _, offset, length in asked]
    assert len(ranges) == 2
    assert ranges[0][0] == 0
    assert ranges[1][0] == sum(ranges[0])
    assert all(length >= uploads.WRITEBACK_STEP for _, length in ranges)
    assert upload.read() == content
    assert upload.received_sha256 == hashlib.sha256(content).hexdigest()


def test_an_upload_bound_elsewhere_is_not_written_back(monkeypatch, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    asked = written_back(monkeypatch)
    content = b"%PDF-1.4\n" + os.urandom(10 * 1024 * 1024)

    settings.MEDIA_ROOT = tmp_path / "not made yet"
    uploaded(content)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {  # an object store, or any storage that copies the file in
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    uploaded(content)

    assert asked == []


def written_back(monkeypatch):
    """(temporary file, offset, length) of each time the disk is asked to start writing."""
    asked = []
    real = storage._sync_file_range

    def sync_file_range(descriptor, offset, length, flags):
        asked.append((os.readlink(f"/proc/self/fd/{descriptor}"), offset, length))
        return real(descriptor, offset, length, flags)

    monkeypatch.setattr(storage, "_sync_file_range", sync_file_range)
    return asked


def uploaded(content, boundary="writebackboundary"):
    """The files of a multipart request carrying `content`, through the site's upload handlers."""
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = RequestFactory().generic(
        "POST", "/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    return request.FILES.getlist("files")
