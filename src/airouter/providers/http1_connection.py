"""One HTTP/1.1 client connection for `providers.http1`: `Connection`, an asyncio
protocol that feeds httptools (uvicorn's HTTP parser) and serves one exchange at a
time.

`exchange` writes a request and returns a future for the whole `Answer` (or, for a
stream, its head; the body then comes by `read`). One timer per exchange ends it at
the total's deadline or when a read waits longer than its limit (see the module
docstring of `providers.http1`). What ends an exchange badly is TimeoutError or
`Broken` (from the future, or from `read`); the client translates them. A stream
whose reader falls behind stops being read from the socket past READ_AHEAD.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import cast

import httptools

READ_AHEAD = 256 * 1024
"""Bytes of a stream received but not yet read past which its socket is not read."""


class Answer:
    """What the parser collected of one answer: its head, then its body's pieces."""

    __slots__ = ("body", "headers", "status", "whole")

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: deque[bytes] = deque()
        self.whole = False


class Broken(Exception):
    """The answer ended before it was whole, or made no sense."""


class Connection(asyncio.Protocol):
    """One kept-alive connection. `exchange` sends a request and waits for the whole
    answer, or with `streamed` only for its head, the body then coming by `read`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer = Answer()  # the caller's
        self.parsing = self.answer  # what the parser fills: the caller's, or a stray one
        self.waiter: asyncio.Future[Answer] | None = None
        self.streamed = False
        self.more: asyncio.Future[None] | None = None  # a stream's reader waiting
        self.unread = 0  # bytes of a stream's body received and not yet read
        self.paused = False
        self.error: BaseException | None = None
        self.closed = False  # by us: the end of the connection is not the end of a body
        self.reusable = True
        self.idle_since = 0.0
        # The call's timer (see the module docstring): when it fires it checks both
        # the total's deadline and the time since the last read.
        self.timer: asyncio.TimerHandle | None = None
        self.deadline: float | None = None
        self.read_limit: float | None = None
        self.last_read = 0.0
        self.until_close = False  # the answer has no length: its body ends at the close

    # What Http1Upstream calls

    def exchange(
        self,
        request: bytes,
        deadline: float | None,
        read_limit: float | None,
        streamed: bool = False,
    ) -> asyncio.Future[Answer]:
        assert self.transport is not None
        self.answer = self.parsing = Answer()
        self.waiter = self.loop.create_future()
        self.streamed, self.error, self.unread = streamed, None, 0
        self.deadline, self.read_limit = deadline, read_limit
        self.last_read = self.loop.time()
        self._arm()
        self.transport.write(request)
        return self.waiter

    async def read(self) -> bytes:
        """The next piece of a streamed body as it came; b"" once it is whole. Raises
        what ended it otherwise (TimeoutError at the deadline, Broken)."""
        body = self.answer.body
        while not body:
            if self.answer.whole:
                return b""
            if self.error is not None:
                raise self.error
            self.more = self.loop.create_future()
            await self.more
        piece = body.popleft()
        self.unread -= len(piece)
        if self.paused and self.unread < READ_AHEAD // 2 and self.transport is not None:
            self.paused = False
            self.last_read = self.loop.time()  # the upstream was not slow: we were
            self.transport.resume_reading()
        return piece

    def usable(self, now: float, keepalive: float) -> bool:
        return (
            self.reusable
            and self.transport is not None
            and not self.transport.is_closing()
            and now - self.idle_since < keepalive
        )

    def close(self) -> None:
        """Drops the connection at once: abort(), not close(), which would first wait
        to send whatever of a request is still buffered to an upstream not reading."""
        self.reusable = False
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None:
            self.transport.abort()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"malformed answer ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        if self.parsing.status and self.until_close and exc is None and not self.closed:
            self.on_message_complete()  # a body without a length ends here
        else:
            self._fail(Broken("the connection closed before the answer was whole"))

    # httptools' callbacks

    def on_message_begin(self) -> None:
        if self.parsing.whole:  # an answer nobody asked for: nothing more to trust here
            self.parsing = Answer()  # filled and dropped; the caller's stays as it came
            self._fail(Broken("an answer to no request"))
            self.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.parsing.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        answer = self.parsing
        answer.status = self.parser.get_status_code()
        names = {name.lower() for name, _ in answer.headers}
        self.until_close = (
            "content-length" not in names
            and "transfer-encoding" not in names
            and answer.status >= 200
            and answer.status not in (204, 304)
        )
        if self.streamed and answer.status >= 200 and self.waiter and not self.waiter.done():
            self.waiter.set_result(answer)

    def on_body(self, body: bytes) -> None:
        self.parsing.body.append(body)
        if self.streamed and self.parsing is self.answer:
            self.unread += len(body)
            if self.unread > READ_AHEAD and not self.paused and self.transport is not None:
                self.paused = True
                self.transport.pause_reading()
            self._wake()

    def on_message_complete(self) -> None:
        answer = self.parsing
        if answer.status < 200:  # 1xx: an interim answer, the real one follows
            self.answer = self.parsing = Answer()
            return
        answer.whole = True
        if answer is not self.answer or self.waiter is None:
            self.close()  # an answer nobody asked for
            return
        self.reusable = self.reusable and self.parser.should_keep_alive()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.streamed:
            self._wake()
        elif not self.waiter.done():
            self.waiter.set_result(answer)
        else:  # its caller has gone (cancelled)
            self.close()

    # the call's timer

    def _arm(self) -> None:
        due = self.deadline
        if self.read_limit is not None:
            read_due = self.last_read + self.read_limit
            due = read_due if due is None else min(due, read_due)
        self.timer = None if due is None else self.loop.call_at(due, self._check)

    def _check(self) -> None:
        self.timer = None
        now = self.loop.time()
        if self.paused:  # our reader is behind, not the upstream
            self.last_read = now
        total_past = self.deadline is not None and now >= self.deadline
        read_past = self.read_limit is not None and now - self.last_read >= self.read_limit
        if total_past or read_past:
            self._fail(TimeoutError())
            self.close()
        else:  # a read came since the timer was set: wait for what is due now
            self._arm()

    def _fail(self, exc: BaseException) -> None:
        self.reusable = False
        if self.error is None:
            self.error = exc
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self._wake()

    def _wake(self) -> None:
        if self.more is not None and not self.more.done():
            self.more.set_result(None)
