"""Request bodies under gunicorn read through WholeReads: the same bytes, in fewer reads, and
an upload arriving through it stored with the digest taken as it arrived."""

import hashlib
import io
import os

from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import IterUnreader

from nvq_portfolio.wsgi_input import WholeReads, with_whole_reads

BOUNDARY = "wholereadsboundary"


class CountingLengthReader(LengthReader):
    """gunicorn's reader of a body of known length, counting the reads asked of it."""

    reads = 0

    def read(self, size):
        type(self).reads += 1
        return super().read(size)


def gunicorn_body(data, piece=8192, reader=LengthReader):
    """The body gunicorn hands a WSGI application, its bytes arriving `piece` at a time."""
    pieces = [data[start : start + piece] for start in range(0, len(data), piece)]
    return Body(reader(IterUnreader(pieces), len(data)))


def test_it_gives_back_the_same_bytes_whatever_sizes_are_asked_for():
    data = b"first line\nsecond line\n" + os.urandom(3 * 1024 * 1024 + 17)
    stream = WholeReads(gunicorn_body(data))

    parts = [stream.readline(), stream.read(5), stream.readline(), stream.read(1024 * 1024)]
    parts += [stream.read(7), stream.read(-1), stream.read(10)]

    assert parts[0] == b"first line\n"
    assert parts[1:3] == [b"secon", b"d line\n"]
    assert len(parts[3]) == 1024 * 1024
    assert parts[-1] == b""
    assert b"".join(parts) == data


def test_it_asks_gunicorns_reader_once_for_each_read():
    data = os.urandom(4 * 1024 * 1024)
    # gunicorn 23's own Body asked its reader for 1 KB at a time (1,024 reads for 1 MB); 27
    # asks once. Whichever gunicorn is installed, WholeReads asks once for each read.
    CountingLengthReader.reads = 0
    stream = WholeReads(gunicorn_body(data, reader=CountingLengthReader))
    while stream.read(1024 * 1024):
        pass
    assert CountingLengthReader.reads == 5  # four of 1 MB, and one that finds the end


def test_the_application_wraps_gunicorns_body_and_nothing_else():
    seen = []

    def application(environ, start_response):
        seen.append(environ["wsgi.input"])
        return []

    wrapped = with_whole_reads(application)
    wrapped({"wsgi.input": gunicorn_body(b"x")}, None)
    other = io.BytesIO(b"x")
    wrapped({"wsgi.input": other}, None)

    assert isinstance(seen[0], WholeReads)
    assert seen[1] is other


def test_an_upload_read_through_it_arrives_whole_with_its_digest(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # to a temporary file, in 1 MB chunks
    content = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024 + 5)
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = WholeReads(gunicorn_body(body))

    [upload] = WSGIRequest(environ).FILES.getlist("files")

    assert upload.read() == content
    assert upload.received_sha256 == hashlib.sha256(content).hexdigest()
