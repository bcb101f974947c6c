"""Dependencies: the runtime, and the caller's workspace from their API key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from api.limits import CostLimiter
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


def get_key(
    request: Request,
    rt: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> api_keys.ApiKey:
    if _secret(authorization, x_api_key) is None:
        raise HarkError(
            ErrorCode.UNAUTHORIZED,
            "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
        )
    key = caller_key(rt, authorization, x_api_key)
    if key is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")
    request.state.api_key = key
    return key


KeyDep = Annotated[api_keys.ApiKey, Depends(get_key)]


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
