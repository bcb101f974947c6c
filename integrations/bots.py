"""What the Slack and Telegram bots share: how a question becomes an answer, remembering which
platform deliveries were already handled, a small pool that answers after the platform has
its acknowledgement, reading a request body within a limit, and fitting untrusted text into a
message.

Both platforms retry a webhook that is slow or fails, and both want an acknowledgement within
seconds, while an answer takes longer; so a request is checked, recorded and queued, and the
answer is computed and posted from a worker thread.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ask.service import AskResult
from ask.untrusted import strip_invisible
from hark.errors import ErrorCode, HarkError

if TYPE_CHECKING:
    pass

log = logging.getLogger("hark.bots")

# (workspace, question, conversation key) -> answer. The key names the conversation a
# question belongs to (a Slack thread's ts, a Telegram chat id), so that a conversational
# answerer can read a follow-up in the light of what came before; the plain one ignores it.
Answerer = Callable[[str, str, str | None], AskResult]
ELLIPSIS = "…"
CONTROL_CHARS = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]")


class SeenIds:
    """The ids of deliveries already handled (Slack event ids, Telegram update ids), so that a
    platform's retry or a replayed request is answered once. Bounded in count and age: the
    platforms retry within minutes, and an attacker must not grow it without end.

    In-process: with several server processes, each keeps its own; Slack retries are refused
    by header as well, and Telegram sends one update at a time to one webhook."""

    def __init__(self, max_ids: int = 10_000, ttl_s: float = 3600.0) -> None:
        self.max_ids = max_ids
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """True the first time ``key`` is offered (within the window), False after."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at <= self.ttl_s and len(self._seen) < self.max_ids:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class Worker:
    """A few threads that answer questions after the request that asked was acknowledged.

    Answering is CPU work (planning, analytics, quote ranking), so only ``threads`` run at
    once, and at most ``max_pending`` wait: past that a question is refused, not queued for an
    hour (the caller says so to the user)."""

    def __init__(self, name: str, threads: int = 2, max_pending: int = 32) -> None:
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(*args)``; False (nothing queued) when too many wait already."""
        with self._idle:
            if self._pending >= self.max_pending:
                return False
            self._pending += 1
        try:
            self._pool.submit(self._run, fn, args)
        except RuntimeError:  # the pool was shut down
            self._done()
            return False
        return True

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except Exception:
            # A worker must outlive one bad question; the job posts its own apology first.
            log.exception("a bot job failed")
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def drain(self, timeout_s: float) -> bool:
        """Wait until nothing is queued or running; False if that took over ``timeout_s``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


async def read_body(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """The request body, refused with BODY_TOO_LARGE as soon as it is known to exceed ``limit``
    bytes: by its Content-Length before reading, or while reading (a chunked body, or one that
    lies about its length)."""
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise HarkError(ErrorCode.BODY_TOO_LARGE, f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise HarkError(ErrorCode.BODY_TOO_LARGE, f"request body over {limit} bytes")
    return bytes(body)


def flat_text(text: str) -> str:
    """Untrusted text on one line, nothing hidden: no bidi overrides or zero-width characters
    (they can reorder or disguise what a reader sees), no control characters or line breaks
    (a quote cannot fake a new line of the message)."""
    flat = unicodedata.normalize("NFC", strip_invisible(text))
    return " ".join(CONTROL_CHARS.sub(" ", flat).split())


def fit(
    raw: str,
    limit: int,
    escape: Callable[[str], str],
    measure: Callable[[str], int] = len,
) -> str:
    """``escape(raw)``, cut (at a character of ``raw``, marked with …) so that it measures at
    most ``limit``. Cutting the raw text, not the escaped one, never splits an entity."""
    whole = escape(raw)
    if measure(whole) <= limit:
        return whole
    lo, hi = 0, len(raw)  # the longest prefix that fits: escaping only grows text
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(escape(raw[:mid].rstrip() + ELLIPSIS)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return escape(raw[:lo].rstrip() + ELLIPSIS) if lo else ""


SORRY = "Sorry, something went wrong while answering; please try again later."


def answer_or_apology(
    answerer: Answerer, workspace: str, question: str, conversation: str | None, platform: str
) -> AskResult | str:
    """The answer, or (plain text) what went wrong: Hark's own refusals ("the question is
    longer than ...") are meant for whoever asked; anything else is logged and apologised
    for, never shown."""
    try:
        return answerer(workspace, question, conversation)
    except HarkError as exc:
        return f"Sorry, I could not answer that: {exc.message}"
    except Exception:
        log.exception("answering a %s question failed", platform)
        return SORRY
