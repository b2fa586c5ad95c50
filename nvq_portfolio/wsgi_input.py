"""A request body read in the sizes Django asks for, under gunicorn.

gunicorn's request body (gunicorn.http.body.Body, 23.0) answers `read(n)` by asking its reader
for 1 KB at a time, copying its buffer of up to 8 KB on each: a 200 MB upload cost 200,000
Python loops and gigabytes of copying, 3.5 s of the 5.2 s that `make bench` measured for it
(bench/RESULTS.md). The body's own reader answers `read(n)` in one pass, so reads go to it.
gunicorn 27 reads in one call itself; the larger socket reads below still help there.
Any other server's stream, or a gunicorn whose body is shaped otherwise, is left as it is.
"""

import io

SOCKET_READ_SIZE = 256 * 1024


class WholeReads:
    """gunicorn's Body, with `read(n)` passed to its reader in one call."""

    def __init__(self, body):
        self._body = body
        # The socket is read 8 KB at a time (SocketUnreader.mxchunk): 25,000 system calls and
        # buffer copies for 200 MB. Larger reads take whatever the socket holds, up to this.
        unreader = getattr(body.reader, "unreader", None)
        if isinstance(getattr(unreader, "mxchunk", None), int):
            unreader.mxchunk = max(unreader.mxchunk, SOCKET_READ_SIZE)

    def read(self, size=-1, /):
        body = self._body
        if size is None or size < 0:
            return body.read(size)
        held = body.buf.getvalue()  # what an earlier readline() read ahead
        if len(held) >= size:
            return body.read(size)
        body.buf = io.BytesIO()
        return held + body.reader.read(size - len(held))

    def readline(self, size=-1, /):
        return self._body.readline(size)

    def readlines(self, size=-1, /):
        return self._body.readlines(size)

    def __iter__(self):
        return iter(self._body)


def is_gunicorn_body(stream):
    """True for a stream shaped like gunicorn's Body: a BytesIO read-ahead and a reader."""
    return (
        type(stream).__module__ == "gunicorn.http.body"
        and isinstance(getattr(stream, "buf", None), io.BytesIO)
        and callable(getattr(getattr(stream, "reader", None), "read", None))
    )


def with_whole_reads(application):
    """The WSGI application, its request bodies read through WholeReads under gunicorn."""

    def wrapped(environ, start_response):
        stream = environ.get("wsgi.input")
        if is_gunicorn_body(stream):
            environ["wsgi.input"] = WholeReads(stream)
        return application(environ, start_response)

    return wrapped
