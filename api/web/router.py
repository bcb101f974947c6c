"""The web page's routes: the single-page app and its assets (/web/), sign-in and sign-out
(/web/session), and three small read-only helpers the page needs that /v1 has no route for
(/web/api/facets, /web/api/trend, /web/api/mentions).

Every asset is read from ``api/web/static`` once, at import, and served with its own type, an
ETag and a strict Content-Security-Policy: scripts and styles from this origin only, no inline
code, no eval, Trusted Types required (so no string can reach ``innerHTML``), nothing fetched
from anywhere else. None of these routes is in the OpenAPI document: they are the page's, not
the API's."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, WorkspaceDep
from api.web import trends
from api.web.sessions import (
    COOKIE,
    COOKIES,
    CSRF_HEADER,
    SECURE_COOKIE,
    WebSessions,
    cookie_token,
    csrf_matches,
    csrf_refused,
)
from hark.domain import MentionPublic
from hark.errors import ErrorCode, HarkError
from hark.storable import DbId, StorableStr

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
CAPABILITY_ROUTES = {
    "chat_stream": ("POST", "/v1/chat/completions"),
    "conversations": ("POST", "/v1/conversations"),
    "schedules": ("GET", "/v1/brief-schedules"),
    "deliveries": ("GET", "/v1/briefs/deliveries"),
}
MAX_IDS = 100


class Asset:
    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.media_type = MEDIA_TYPES[path.suffix]
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def _assets() -> dict[str, Asset]:
    found = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in MEDIA_TYPES:
            found[path.relative_to(STATIC).as_posix()] = Asset(path)
    return found


ASSETS = _assets()
router = APIRouter(include_in_schema=False)


def _serve(request: Request, asset: Asset, cache: str = "no-cache") -> Response:
    headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": cache}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/web")
def web_root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=308)


@router.get("/web/")
def web_page(request: Request) -> Response:
    return _serve(request, ASSETS["index.html"])


@router.get("/web/static/{name:path}")
def web_asset(name: str, request: Request) -> Response:
    asset = ASSETS.get(name)
    if asset is None:
        raise HarkError(ErrorCode.NOT_FOUND, "no such file")
    return _serve(request, asset)


# Sessions ----------------------------------------------------------------------------------


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: StorableStr = Field(min_length=1, max_length=256, description="A workspace API key.")


class SessionOut(BaseModel):
    workspace: str
    key_name: str
    csrf_token: str = Field(description=f"Send it back in {CSRF_HEADER} on every non-GET call.")
    expires_at: float = Field(description="Unix time the session ends.")


def _sessions(request: Request) -> WebSessions:
    sessions: WebSessions = request.app.state.web_sessions
    return sessions


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"


@router.post("/web/session", response_model=SessionOut)
def sign_in(body: SignIn, request: Request, response: Response, c: ContainerDep) -> SessionOut:
    """Exchange an API key for a session cookie (HttpOnly, SameSite=Strict, Secure over
    https) and a CSRF token. The key is checked, never kept or echoed."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise csrf_refused("sign in from this site's own page")
    key = c.keys.resolve(body.key.strip())
    if key is None:
        raise HarkError(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")
    sessions = _sessions(request)
    old = cookie_token(request.cookies)
    if old is not None:
        sessions.drop(old)
    token, session = sessions.create(key_id=key.id, workspace=key.workspace, key_name=key.name)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SECURE_COOKIE if secure else COOKIE,
        token,
        max_age=sessions.ttl_s,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    _no_store(response)
    return SessionOut(
        workspace=session.workspace,
        key_name=session.key_name,
        csrf_token=session.csrf,
        expires_at=session.expires_at,
    )


class SessionState(BaseModel):
    signed_in: bool
    workspace: str | None = None
    key_name: str | None = None
    csrf_token: str | None = None
    expires_at: float | None = None


@router.get("/web/session", response_model=SessionState)
def current_session(request: Request, response: Response, c: ContainerDep) -> SessionState:
    """The page's own session, if any (after a reload the page gets its CSRF token again
    from here). Not signed in is an answer, not an error: the page then shows sign-in."""
    _no_store(response)
    token = cookie_token(request.cookies)
    sessions = _sessions(request)
    session = sessions.get(token) if token else None
    if session is None:
        return SessionState(signed_in=False)
    key = next((k for k in c.keys.list(session.workspace) if k.id == session.key_id), None)
    if key is None or key.revoked_at is not None:
        sessions.drop_key(session.key_id)
        return SessionState(signed_in=False)
    return SessionState(
        signed_in=True,
        workspace=session.workspace,
        key_name=session.key_name,
        csrf_token=session.csrf,
        expires_at=session.expires_at,
    )


@router.delete("/web/session", status_code=204)
def sign_out(request: Request) -> Response:
    """End the session and clear its cookie (needs the CSRF token like any change)."""
    response = Response(status_code=204)
    _no_store(response)
    token = cookie_token(request.cookies)
    sessions = _sessions(request)
    session = sessions.get(token) if token else None
    if session is not None:
        if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
            raise csrf_refused(f"send the session's CSRF token in the {CSRF_HEADER} header")
        sessions.drop(token or "")
    for name in COOKIES:
        response.delete_cookie(
            name, path="/", secure=name == SECURE_COOKIE, httponly=True, samesite="strict"
        )
    return response


def served_routes(routes: Iterable[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, walking into included routers (FastAPI keeps an
    included router whole, with its own prefix, rather than copying its routes)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            found |= served_routes(inner.routes, prefix + extra)
            continue
        path = getattr(route, "path", None)
        for method in getattr(route, "methods", None) or ():
            if path is not None:
                found.add((method, prefix + path))
    return found


@router.get("/web/capabilities")
def capabilities(request: Request) -> dict[str, bool]:
    """Which of the newer /v1 routes this server has (the page falls back without them)."""
    have = served_routes(request.app.routes)
    return {name: route in have for name, route in CAPABILITY_ROUTES.items()}


# Read-only helpers --------------------------------------------------------------------------


@router.get("/web/api/facets")
def facets(c: ContainerDep, workspace: WorkspaceDep) -> dict[str, Any]:
    """What the page's filters can choose from: brands, sources and places as stored, the
    catalog's topics and entities, and the first and last mention's dates."""
    vocab = c.ask.asker.vocabulary.get(workspace)
    topics = [
        {"id": t.id, "name": t.name, "parent": t.parent}
        for t in (vocab.topics.taxonomy.topics if vocab.topics else ())
    ]
    entities = [
        {"id": e.id, "name": e.name, "kind": e.kind}
        for e in (vocab.entities.entities if vocab.entities else ())
    ]
    return {
        "workspace": workspace,
        "brands": vocab.brands,
        "sources": vocab.sources,
        "locations": vocab.locations,
        "topics": topics,
        "entities": entities,
        "earliest": vocab.earliest.isoformat() if vocab.earliest else None,
        "latest": vocab.latest.isoformat() if vocab.latest else None,
    }


Text = Annotated[StorableStr | None, Query(max_length=200)]


@router.get("/web/api/trend")
def trend(
    c: ContainerDep,
    workspace: WorkspaceDep,
    granularity: Literal["day", "week", "month"] = "day",
    brand: Text = None,
    topic: Text = None,
    source: Text = None,
    location: Text = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Volume, negative mentions and their share, and average rating per bucket, with
    spikes, for a brand, topic, source or place: the ask engine's own trend answers."""
    if since and until and since > until:
        raise HarkError(ErrorCode.VALIDATION, "'since' is after 'until'")
    topic_id = None
    if topic:
        vocab = c.ask.asker.vocabulary.get(workspace)
        known = vocab.topics.taxonomy.topics if vocab.topics else ()
        match = next((t for t in known if topic in (t.id, t.name)), None)
        if match is not None:
            topic, topic_id = match.name, match.id
    scope = trends.TrendScope(
        granularity=granularity,
        brand=brand,
        topic=topic,
        source=source,
        location=location,
        since=since,
        until=until,
    )
    answers = {
        name: c.ask.answer(workspace, question, use_llm=False)
        for name, question in scope.questions().items()
    }
    built = trends.build(scope, answers)
    out = asdict(built)
    out["not_read"] = trends.missing_from_plan(scope, built.plans["volume"], topic_id)
    out["scope"] = {**asdict(scope), "topic_id": topic_id}
    return out


@router.get("/web/api/mentions", response_model=list[MentionPublic])
def mentions(
    c: ContainerDep,
    workspace: WorkspaceDep,
    id: Annotated[list[DbId], Query(max_length=MAX_IDS)],
) -> list[MentionPublic]:
    """Several mentions at once (the citations of an answer, a cluster's quotes), in the
    order asked; ids of other workspaces are left out."""
    found = {m.id: m for m in c.search.mentions(workspace, list(dict.fromkeys(id)))}
    return [found[i] for i in dict.fromkeys(id) if i in found]


# Wiring ---------------------------------------------------------------------------------------


def install_web(app: FastAPI) -> None:
    """Serve the web page from ``app``, and let its session cookies stand in for API keys."""
    app.state.web_sessions = WebSessions()
    app.include_router(router)
