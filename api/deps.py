"""Dependencies: the runtime, and the caller's workspace from their API key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from api.limits import CostLimiter
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
        raise HarkError(
            ErrorCode.UNAUTHORIZED,
            "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
        )
    key = caller_key(c, authorization, x_api_key)
    if key is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")
    request.state.api_key = key
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
