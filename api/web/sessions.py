"""Browser sessions: an API key pasted once is exchanged for an opaque session token kept in an
HttpOnly cookie, and a CSRF token the page sends back on every non-GET request.

Sessions are kept server-side, in this process's memory, by the SHA-256 of their token (a
memory dump holds no usable token), with an absolute expiry; the key itself is never kept.
A restart signs everyone out, which is what a single self-hosted process can afford; every
request still checks that the session's key has not been revoked since."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hark.errors import ErrorCode, HarkError

COOKIE = "hark_session"
# Over https the cookie takes the __Host- prefix: browsers then refuse it unless it is
# Secure, host-only and for the whole path, so a sibling subdomain cannot plant one.
SECURE_COOKIE = "__Host-hark_session"
COOKIES = (SECURE_COOKIE, COOKIE)
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TTL_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000


def csrf_refused(message: str) -> HarkError:
    """A cookie-authenticated request that may have come from another site (no matching
    CSRF header, or a cross-site fetch): 403 ``forbidden``, nothing done."""
    return HarkError(ErrorCode.FORBIDDEN, message)


@dataclass(frozen=True)
class WebSession:
    key_id: int
    workspace: str
    key_name: str
    csrf: str
    created_at: float
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class WebSessions:
    def __init__(
        self,
        ttl_s: int = TTL_SECONDS,
        max_sessions: int = MAX_SESSIONS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self.clock = clock
        self._lock = threading.Lock()
        self._by_digest: dict[str, WebSession] = {}

    def create(self, *, key_id: int, workspace: str, key_name: str) -> tuple[str, WebSession]:
        """A new session for this key: its token (for the cookie, never stored) and state."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = WebSession(
            key_id=key_id,
            workspace=workspace,
            key_name=key_name,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self.ttl_s,
        )
        with self._lock:
            self._sweep(now)
            while len(self._by_digest) >= self.max_sessions:
                oldest = min(self._by_digest, key=lambda d: self._by_digest[d].created_at)
                del self._by_digest[oldest]
            self._by_digest[_digest(token)] = session
        return token, session

    def get(self, token: str) -> WebSession | None:
        """The live session with this token, or None (unknown, signed out or expired)."""
        if not token or len(token) > 256:
            return None
        digest = _digest(token)
        with self._lock:
            session = self._by_digest.get(digest)
            if session is not None and session.expires_at <= self.clock():
                del self._by_digest[digest]
                return None
        return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._by_digest.pop(_digest(token), None)

    def drop_key(self, key_id: int) -> None:
        """Forget every session of a key (it was revoked)."""
        with self._lock:
            for digest in [d for d, s in self._by_digest.items() if s.key_id == key_id]:
                del self._by_digest[digest]

    def __len__(self) -> int:
        return len(self._by_digest)

    def _sweep(self, now: float) -> None:
        for digest in [d for d, s in self._by_digest.items() if s.expires_at <= now]:
            del self._by_digest[digest]


def csrf_matches(session: WebSession, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())


def cookie_token(cookies: dict[str, str]) -> str | None:
    for name in COOKIES:
        if cookies.get(name):
            return cookies[name]
    return None
