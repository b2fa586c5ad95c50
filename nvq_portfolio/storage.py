"""Where evidence files live on a local disk: Django's FileSystemStorage, made durable."""

import ctypes
import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage

# Linux's sync_file_range(2), which Python's os module lacks: PostgreSQL calls it the same way
# (backend_flush_after) to start writing data out before the fsync that must wait for it.
_libc = ctypes.CDLL(None, use_errno=True)
_sync_file_range = getattr(_libc, "sync_file_range", None)
if _sync_file_range is not None:
    _sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    _sync_file_range.restype = ctypes.c_int
SYNC_FILE_RANGE_WRITE = 2


def _fsync(path, flags=os.O_RDONLY):
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DurableFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose save() returns only once the file is on the disk itself.

    The database row that names a file, with its SHA-256, commits after save(). The kernel may
    hold a file's writes back for half a minute, so without this a power cut in between would
    leave a committed record of evidence whose bytes the disk never received. Like SQLite and
    PostgreSQL for their own files: fsync the file, then each directory from its own up to the
    storage's root, so its name (and any folder just made for it) survives too.
    """

    def _save(self, name, content):
        name = super()._save(name, content)
        path = Path(self.path(name))
        _fsync(path)
        root = Path(self.location).resolve()
        directory = path.parent.resolve()
        while True:
            _fsync(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            if directory == root or root not in directory.parents:
                break
            directory = directory.parent
        return name


def start_writeback(descriptor, offset, length):
    """Ask the kernel to start writing these bytes of the open file to the disk now, without
    waiting for them; True if it was asked. Only a head start for the fsync that follows, which
    then has less left to wait for and reports any error; elsewhere than Linux, nothing."""
    if _sync_file_range is None:
        return False
    return _sync_file_range(descriptor, offset, length, SYNC_FILE_RANGE_WRITE) == 0


def stored_by_renaming(temporary_path):
    """True when the default storage will keep the upload in `temporary_path` by renaming it:
    a DurableFileSystemStorage on the same disk, whose save() then fsyncs those very bytes."""
    if not isinstance(default_storage, DurableFileSystemStorage):
        return False
    try:
        return os.stat(temporary_path).st_dev == os.stat(default_storage.location).st_dev
    except OSError:  # the media folder not made yet, or the file already gone
        return False
