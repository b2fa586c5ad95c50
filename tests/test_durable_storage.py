"""Evidence stored on a local disk is on the disk itself before its record can commit: the file
and every directory up to the storage's root are fsynced by save()."""

import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile

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
