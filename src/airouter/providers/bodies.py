"""Reading an upstream answer's body: undoing its Content-Encoding, and cutting a
stream into lines.

Pure work over bytes, for `providers.http1`: no I/O but the `read` a stream hands in.
What cannot be read is `UpstreamBadResponse` (`unreadable`), as in
`providers.transport`, which takes MAX_LINE_BYTES from here.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

from airouter.errors import UpstreamBadResponse

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest stream line (one server-sent event) read; aiohttp's default is 128 KiB."""


def unreadable(name: str, why: str) -> UpstreamBadResponse:
    """The error for an answer from `name` that cannot be read, and why."""
    return UpstreamBadResponse(f"{name} sent an unreadable response ({why})", deployment=name)


def decoded(name: str, encoding: str | None, body: bytes) -> bytes:
    """A whole body under its Content-Encoding `encoding` (None or "identity": as is).
    An empty body is empty whatever its encoding claims."""
    unpack = unpacker_for(name, encoding) if body else None
    if unpack is None:
        return body
    return unpacked(name, unpack, body) + unpacked(name, unpack, b"")


async def stream_lines(
    name: str, read: Callable[[], Awaitable[bytes]], encoding: str | None
) -> AsyncIterator[bytes]:
    """A streamed body, its pieces from `read` (b"" at the end), line by line, each
    without its line break; decoded first under its Content-Encoding `encoding`.

    `read` raises the project's errors itself. No timeout scope here: the reader may
    resume this generator from another task (Starlette streams do); the connection's
    timer ends a read instead."""
    unpack = unpacker_for(name, encoding)
    rest = b""
    while True:
        piece = await read()
        finished = not piece
        if unpack is not None:  # a compressed piece may unpack to nothing yet, or more
            piece = unpacked(name, unpack, piece)
        rest += piece
        start = 0
        while (cut := rest.find(b"\n", start)) >= 0:
            yield rest[start:cut].rstrip(b"\r")
            start = cut + 1
        rest = rest[start:]
        if finished:
            if rest:  # the last line, without a line break
                yield rest.rstrip(b"\r")
            return
        if len(rest) > MAX_LINE_BYTES:
            raise unreadable(name, "a stream line too long")


class Unpacker:
    """Undoes a Content-Encoding piece by piece: gzip, or deflate (zlib-wrapped as the
    standard says, or raw as some servers send it), in one or more members as gzip
    allows. `zlib.error` for a corrupt piece or a body cut off inside a member.

    Not aiohttp's decompressor: it is private to aiohttp (`aiohttp.compression_utils`)."""

    def __init__(self, encoding: str) -> None:
        if encoding not in ("gzip", "deflate"):
            raise zlib.error(f"unknown Content-Encoding {encoding!r}")
        self.encoding = encoding
        self.wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self.inflate = zlib.decompressobj(self.wbits)
        self.unsure: bytes | None = b""  # fed before any output: raw deflate retries it
        self.inside = False  # fed part of a member not yet ended

    def feed(self, data: bytes) -> bytes:
        out = []
        while data:
            self.inside = True
            try:
                out.append(self.inflate.decompress(data))
            except zlib.error:
                if self.encoding != "deflate" or self.unsure is None or self.wbits < 0:
                    raise
                self.wbits = -zlib.MAX_WBITS  # not zlib-wrapped: raw, from the start
                self.inflate = zlib.decompressobj(self.wbits)
                data, self.unsure = self.unsure + data, None
                continue
            if self.unsure is not None:
                self.unsure = None if out[-1] or self.inflate.eof else self.unsure + data
            if not self.inflate.eof:
                break
            self.inside = False  # a member ended; what follows is the next one's
            data = self.inflate.unused_data
            self.inflate = zlib.decompressobj(self.wbits)
        return b"".join(out)

    def end(self) -> bytes:
        if self.inside:
            raise zlib.error("the body ended inside a compressed member")
        return b""


def unpacker_for(name: str, encoding: str | None) -> Unpacker | None:
    """The decoder for a body's Content-Encoding; None for none."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return None
    try:
        return Unpacker(encoding)
    except zlib.error:
        raise unreadable(name, f"Content-Encoding {encoding!r}") from None


def unpacked(name: str, unpack: Unpacker, piece: bytes) -> bytes:
    """`piece` decoded; b"" ends the body."""
    try:
        return unpack.feed(piece) if piece else unpack.end()
    except zlib.error:
        raise unreadable(name, "a body its Content-Encoding cannot explain") from None
