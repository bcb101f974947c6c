"""Limits on what one request and one key may cost: the request body size (plain ASGI
middleware: an oversized body is refused with 413 before the application sees it, with or
without a Content-Length) and per-key hourly budgets for the expensive operations."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from hark.errors import ErrorCode, HarkError

Message = dict[str, Any]
CATALOG_WRITES = "catalog changes"
DISCOVERIES = "discovery runs"
BRIEFS = "briefs"


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        # Read the body here (at most max_bytes of it) so that going over the limit is a
        # clean 413 instead of an error raised inside the application's body parsing.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Any) -> None:
        error = HarkError(ErrorCode.BODY_TOO_LARGE, f"request body over {self.max_bytes} bytes")
        body = json.dumps(error.to_dict()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class CostLimiter:
    """Per-key budgets for the requests that cost minutes of CPU, not milliseconds.

    A token bucket per (key, budget): ``per_hour`` requests, refilled evenly over the hour, so
    a burst is allowed and a loop is not. In-process: each server process keeps its own count,
    which bounds the cost per process, the resource that runs out."""

    def __init__(self, per_hour: dict[str, int], clock: Callable[[], float] = time.monotonic):
        self.per_hour = per_hour
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[int, str], tuple[float, float]] = {}  # tokens, at

    def spend(self, key_id: int, budget: str) -> None:
        """Take one request from the key's budget, or raise RATE_LIMITED saying when to retry."""
        limit = self.per_hour[budget]
        rate = limit / 3600.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get((key_id, budget), (float(limit), now))
            tokens = min(float(limit), tokens + (now - at) * rate)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / rate)
                self._buckets[(key_id, budget)] = (tokens, now)
                raise HarkError(
                    ErrorCode.RATE_LIMITED,
                    f"this key has used its {limit} {budget} per hour; retry in {wait} s",
                    {"budget": budget, "limit_per_hour": limit, "retry_after_s": wait},
                )
            self._buckets[(key_id, budget)] = (tokens - 1.0, now)
