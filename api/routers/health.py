"""Liveness and readiness probes (no auth)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from api.deps import ContainerDep, caller_key
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(
    c: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Health | JSONResponse:
    """Each dependency "ok" or "failed"; why it failed (which may name hosts and paths) only
    for a caller with a valid API key."""
    try:
        detailed = caller_key(c, authorization, x_api_key) is not None
    except Exception:
        detailed = False  # the database check below says why
    checks = c.readiness(detailed=detailed)
    ok = all(v == "ok" for v in checks.values())
    if ok:
        return Health(status="ok", checks=checks)
    return JSONResponse(Health(status="unavailable", checks=checks).model_dump(), 503)
