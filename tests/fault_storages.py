"""Storage classes that fail as real stores do, for configuring through settings.STORAGES."""

import errno
import os

from django.core.files.storage import FileSystemStorage


class DiskFillsMidWrite(FileSystemStorage):
    """Writes the first half of a file's bytes to the disk, then fails as a full disk does."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        content.seek(0)
        data = content.read()
        with open(path, "wb") as half:
            half.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", path)
