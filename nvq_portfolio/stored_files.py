"""Reading stored files for a download, from the disk or from an object store.

django-storages' S3File copies a whole object to a temporary file before the first byte can be
read; a download reads the object's body as the response is sent instead, so a 200 MB video
starts at once and never lands on the app server's disk. Seeking (a video player's Range
request) asks the store again from that byte.
"""

import io


class StoredObjectStream(io.RawIOBase):
    def __init__(self, obj):
        self.obj, self.size, self.position, self.body = obj, obj.content_length, 0, None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        if base + offset != self.position:
            self._drop_body()
        self.position = base + offset
        return self.position

    def read(self, size=-1):
        if self.position >= self.size:
            return b""
        if self.body is None:
            self.body = self.obj.get(Range=f"bytes={self.position}-")["Body"]
        data = self.body.read(None if size is None or size < 0 else size)
        self.position += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self._drop_body()
        super().close()

    def _drop_body(self):
        if self.body is not None:
            self.body.close()
            self.body = None


def open_for_download(field_file):
    """A readable, seekable file of `field_file`'s bytes, read as they are sent."""
    stream = field_file.storage.open(field_file.name, "rb")
    obj = getattr(stream, "obj", None)  # django-storages' S3File
    return StoredObjectStream(obj) if obj is not None else stream
