"""A request body read in the sizes Django asks for, under gunicorn.

gunicorn's request body (gunicorn.http.body.Body, 23.0) answers `read(n)` by asking its reader
for 1 KB at a time, copying its buffer of up to 8 KB on each: a 200 MB upload cost 200,000
Python loops and gigabytes of copying, 3.5 s of the 5.2 s that `make bench` measured for it
(bench/RESULTS.md). gunicorn 27 reads in one call, but still gathers each read in a BytesIO and
slices it out again: three copies of every byte, a third of a 200 MB upload's CPU.

So a body of known length on a plain socket (gunicorn's LengthReader over its SocketUnreader,
which is every sync worker's request without TLS or chunked encoding) is read here straight
from the socket: what gunicorn already read ahead first, then `recv` of exactly what is asked
for, the body's remaining length kept as gunicorn keeps it. Anything else (TLS, a chunked body,
another server) goes through gunicorn's own reader, asked once for each read.
"""

import io
import socket

from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

SOCKET_READ_SIZE = 256 * 1024
# One recv() at most this large; a larger read() is gathered from several.
MAX_RECV = 4 * 1024 * 1024


class WholeReads:
    """gunicorn's Body, with `read(n)` answered in one pass."""

    def __init__(self, body):
        self._body = body
        unreader = getattr(body.reader, "unreader", None)
        # The socket is read 8 KB at a time (SocketUnreader.mxchunk): 25,000 system calls and
        # buffer copies for 200 MB. Larger reads take whatever the socket holds, up to this.
        if isinstance(getattr(unreader, "mxchunk", None), int):
            unreader.mxchunk = max(unreader.mxchunk, SOCKET_READ_SIZE)
        self._socket = _plain_socket(body.reader)

    def read(self, size=-1, /):
        body = self._body
        if size is None or size < 0:
            return body.read(size)
        held = body.buf.getvalue()  # what an earlier readline() read ahead
        if len(held) >= size:
            return body.read(size)
        body.buf = io.BytesIO()
        if self._socket is None:
            return held + body.reader.read(size - len(held))
        return held + self._from_socket(size - len(held))

    def _from_socket(self, size):
        """Up to `size` bytes of the body (fewer only at its end): gunicorn's read-ahead, then
        the socket's, never a byte past the body's length."""
        reader = self._body.reader
        size = min(size, reader.length)
        parts, got = [], 0
        if size > 0:
            ahead = reader.unreader.buf.getvalue()
            if ahead:
                # gunicorn's read-ahead may run past this body into the next request.
                reader.unreader.buf = io.BytesIO()
                reader.unreader.buf.write(ahead[size:])
                parts.append(ahead[:size])
                got = len(parts[0])
        try:
            while got < size:
                # MSG_WAITALL: one system call for the whole read on a blocking socket.
                data = self._socket.recv(min(size - got, MAX_RECV), socket.MSG_WAITALL)
                if not data:
                    break  # the client went away: a short body, as gunicorn's reader gives
                parts.append(data)
                got += len(data)
        except Exception:
            # As gunicorn's Body does: where the next request starts is now unknown.
            self._body.failed = True
            raise
        finally:
            reader.length -= got
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readline(self, size=-1, /):
        return self._body.readline(size)

    def readlines(self, size=-1, /):
        return self._body.readlines(size)

    def __iter__(self):
        return iter(self._body)


def _plain_socket(reader):
    """The connection's socket when `reader` is gunicorn's reader of a body of known length on
    a plain (not TLS) socket, so reads may go to it directly; else None."""
    if not isinstance(reader, LengthReader) or not isinstance(reader.unreader, SocketUnreader):
        return None
    # An SSLSocket (a subclass) holds ciphertext and refuses recv() flags.
    return reader.unreader.sock if type(reader.unreader.sock) is socket.socket else None


def with_whole_reads(application):
    """The WSGI application, its request bodies read through WholeReads under gunicorn."""

    def wrapped(environ, start_response):
        stream = environ.get("wsgi.input")
        if isinstance(stream, Body):
            environ["wsgi.input"] = WholeReads(stream)
        return application(environ, start_response)

    return wrapped
