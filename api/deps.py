"""Dependencies: the runtime, and the caller's workspace from their API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from hark.errors import ErrorCode, HarkError
from hark.runtime import Runtime
from store import api_keys


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _secret(authorization: str | None, x_api_key: str | None) -> str | None:
    secret = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
    return secret or None


def caller_key(
    rt: Runtime, authorization: str | None, x_api_key: str | None
) -> api_keys.ApiKey | None:
    """The caller's valid key, or None (no key, unknown or revoked)."""
    secret = _secret(authorization, x_api_key)
    if secret is None:
        return None
    with rt.engine.connect() as conn:
        return api_keys.resolve_key(conn, plaintext=secret)


def get_workspace(
    rt: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """Every query is scoped to the workspace of the caller's key."""
    if _secret(authorization, x_api_key) is None:
        raise HarkError(
            ErrorCode.UNAUTHORIZED,
            "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
        )
    key = caller_key(rt, authorization, x_api_key)
    if key is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")
    return key.workspace


WorkspaceDep = Annotated[str, Depends(get_workspace)]
