"""Dependencies: the runtime, and the caller's workspace from their API key, or from the web
page's session cookie (api/web): a cookie is accepted in place of a key, and then every
request that may change something must carry the session's CSRF token as well."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from api.limits import CostLimiter
from api.web.sessions import (
    CSRF_HEADER,
    SAFE_METHODS,
    WebSessions,
    cookie_token,
    csrf_matches,
    csrf_refused,
)
from hark.errors import ErrorCode, HarkError
from services.container import Container
from services.keys import ApiKey


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _secret(authorization: str | None, x_api_key: str | None) -> str | None:
    secret = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
    return secret or None


def caller_key(c: Container, authorization: str | None, x_api_key: str | None) -> ApiKey | None:
    """The caller's valid key, or None (no key, unknown or revoked)."""
    secret = _secret(authorization, x_api_key)
    if secret is None:
        return None
    return c.keys.resolve(secret)


def get_key(
    request: Request,
    c: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> ApiKey:
    if _secret(authorization, x_api_key) is None:
        # No key sent: a session cookie of the web page may stand in for one.
        key = session_key(request, c)
        if key is None:
            raise HarkError(
                ErrorCode.UNAUTHORIZED,
                "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
            )
        request.state.api_key = key
        return key
    key = caller_key(c, authorization, x_api_key)
    if key is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")
    request.state.api_key = key
    return key


def session_key(request: Request, c: Container) -> ApiKey | None:
    """The key behind the request's session cookie; None when there is no cookie (or the web
    page is not installed). A cookie that names no live session, or whose key was revoked, is
    401; an unsafe method without the session's CSRF token (or sent from another site) 403."""
    sessions: WebSessions | None = getattr(request.app.state, "web_sessions", None)
    token = cookie_token(request.cookies)
    if sessions is None or token is None:
        return None
    session = sessions.get(token)
    if session is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "the session has expired or ended; sign in again")
    if request.method not in SAFE_METHODS:
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise csrf_refused("a request from another site may not use this session")
        if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
            raise csrf_refused(f"send the session's CSRF token in the {CSRF_HEADER} header")
    key = next((k for k in c.keys.list(session.workspace) if k.id == session.key_id), None)
    if key is None or key.revoked_at is not None:
        sessions.drop_key(session.key_id)
        raise HarkError(ErrorCode.UNAUTHORIZED, "the session's API key was revoked")
    return key


KeyDep = Annotated[ApiKey, Depends(get_key)]


def get_workspace(key: KeyDep) -> str:
    """Every query is scoped to the workspace of the caller's key."""
    return key.workspace


WorkspaceDep = Annotated[str, Depends(get_workspace)]


def costs(budget: str) -> Any:
    """A route dependency that spends one request of the caller key's ``budget``."""

    def spend(request: Request, key: KeyDep) -> None:
        limiter: CostLimiter = request.app.state.cost_limiter
        limiter.spend(key.id, budget)

    return Depends(spend)
