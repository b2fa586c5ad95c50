"""Request bodies under gunicorn read through WholeReads: the same bytes, in fewer reads, and
an upload arriving through it stored with the digest taken as it arrived."""

import hashlib
import io
import os
import socket
import threading

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import IterUnreader, SocketUnreader

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


# A body on a plain socket, as a gunicorn sync worker reads it -----------------------------

NEXT_REQUEST = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"


class CountingSocketUnreader(SocketUnreader):
    """gunicorn's reader of a connection's socket, counting the reads that go through it."""

    def __init__(self, sock):
        super().__init__(sock)
        self.chunks = 0

    def chunk(self, size_hint=None):
        self.chunks += 1
        return super().chunk(size_hint)


def socket_body(data, after=b"", read_ahead=b"", sock_type=None):
    """gunicorn's Body of `data` on one end of a socket pair, `after` following it on the
    connection (a pipelined request); `read_ahead` is what gunicorn took from the socket with
    the headers. The other end is written from a thread and then closed."""
    server, client = socket.socketpair()
    if sock_type is not None:
        server = sock_type(fileno=server.detach())
    unreader = CountingSocketUnreader(server)
    unreader.buf.write(read_ahead)
    rest = (data + after)[len(read_ahead) :]

    def send():
        try:
            client.sendall(rest)
        except OSError:
            pass  # the server end was closed first: what it read is what the test checks
        finally:
            client.close()

    threading.Thread(target=send, daemon=True).start()
    return Body(LengthReader(unreader, len(data))), server


def test_a_body_on_a_plain_socket_is_read_from_the_socket_itself():
    data = b"head\n" + os.urandom(5 * 1024 * 1024 + 3)
    body, server = socket_body(data, after=NEXT_REQUEST)
    stream = WholeReads(body)

    parts = [stream.readline(), stream.read(7), stream.read(1024 * 1024)]
    while part := stream.read(1024 * 1024):
        parts.append(part)

    assert parts[0] == b"head\n"
    assert len(parts[2]) == 1024 * 1024  # each read whole, as request.body needs
    assert b"".join(parts) == data
    assert body.reader.length == 0
    # Past the readline, nothing went through gunicorn's buffer, and no byte of the next
    # request was taken: it is still there for gunicorn to read.
    assert body.reader.unreader.chunks <= 1
    assert body.reader.unreader.read() + server.recv(1024) == NEXT_REQUEST
    server.close()


def test_what_gunicorn_read_ahead_comes_first_and_the_next_request_stays_buffered():
    data = os.urandom(100_000)
    # gunicorn may have read past this body into the next request too.
    body, server = socket_body(data, after=NEXT_REQUEST, read_ahead=data + NEXT_REQUEST)
    stream = WholeReads(body)

    assert stream.read(40_000) + stream.read(1_000_000) + stream.read(10) == data
    assert body.reader.unreader.buf.getvalue() == NEXT_REQUEST
    server.close()


def test_a_client_that_goes_away_gives_a_short_body_and_then_nothing():
    data = os.urandom(300_000)
    body, server = socket_body(data[:200_000])
    body.reader.length = len(data)  # the Content-Length promised more than was sent

    stream = WholeReads(body)

    assert stream.read(1024 * 1024) == data[:200_000]
    assert stream.read(1024) == b""
    assert body.reader.length == 100_000
    server.close()


def test_a_socket_that_fails_marks_the_body_failed_so_the_connection_is_not_reused():
    server, client = socket.socketpair()
    server.settimeout(0.05)  # the client sends nothing
    body = Body(LengthReader(SocketUnreader(server), 10))

    with pytest.raises(TimeoutError):
        WholeReads(body).read(10)

    assert body.failed is True
    server.close()
    client.close()


class TLSLikeSocket(socket.socket):
    """A subclass of socket, as ssl.SSLSocket is: its bytes are not the body's."""


def test_a_socket_of_another_kind_is_read_through_gunicorns_reader():
    data = os.urandom(2 * 1024 * 1024)
    body, server = socket_body(data, sock_type=TLSLikeSocket)
    stream = WholeReads(body)

    assert stream.read(1024 * 1024) + stream.read(1024 * 1024) == data
    assert body.reader.unreader.chunks > 0
    server.close()
