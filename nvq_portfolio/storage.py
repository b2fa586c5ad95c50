"""Where evidence files live on a local disk: Django's FileSystemStorage, made durable."""

import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage


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
