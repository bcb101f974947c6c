"""The web page over the HTTP API (TestClient): its assets are served with their types and a
strict Content-Security-Policy, an API key is exchanged for an HttpOnly, SameSite=Strict
session cookie and a CSRF token, /v1 accepts the cookie in place of a key but refuses any
change made with the cookie alone (403, Hark's error shape), sign-out ends the session, and
the key never comes back in a response."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.router import ASSETS, CSP, STATIC, install_web, served_routes
from api.web.sessions import COOKIE, SECURE_COOKIE, WebSessions
from services.container import Container
from tests.helpers import assert_error, mention

pytestmark = pytest.mark.integration

MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


def _app(rt: Container) -> FastAPI:
    app = create_app(rt.settings, rt)
    if ("POST", "/web/session") not in served_routes(app.routes):
        install_web(app)  # until api/app.py wires it in
    return app


@pytest.fixture
def web(rt: Container) -> Iterator[TestClient]:
    with TestClient(_app(rt)) as c:
        yield c


@pytest.fixture
def key(rt: Container) -> str:
    _, secret = rt.keys.create("acme", "analyst")
    return secret


def _sign_in(client: TestClient, key: str) -> str:
    r = client.post("/web/session", json={"key": key})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    return token


def _set_cookie(response: object) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for raw in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        jar.load(raw)
    return jar


# Assets ----------------------------------------------------------------------------------------


def test_every_asset_is_served_with_its_type_and_the_strict_policy(web: TestClient) -> None:
    page = web.get("/web/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert policy == CSP
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy
    assert directives["require-trusted-types-for"] == "'script'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"

    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert {p.relative_to(STATIC).as_posix() for p in files} == set(ASSETS)
    for path in files:
        name = path.relative_to(STATIC).as_posix()
        r = web.get(f"/web/static/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"] == MEDIA[path.suffix], name
        assert r.headers["content-security-policy"] == CSP
        assert r.content == path.read_bytes()
        again = web.get(f"/web/static/{name}", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and not again.content
    assert web.get("/web", follow_redirects=False).headers["location"] == "/web/"


def test_unknown_and_escaping_asset_paths_are_404(web: TestClient) -> None:
    for path in ("/web/static/nope.js", "/web/static/../router.py", "/web/static/%2e%2e/router.py"):
        assert_error(web.get(path), 404, "not_found")


def test_the_page_needs_no_inline_code_and_nothing_from_elsewhere() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/web/static/' in tag, tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None  # no inline script body
    assert "<style" not in html and " style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None  # no inline handlers
    for path in STATIC.rglob("*"):
        if path.suffix in (".html", ".js", ".css"):
            text = path.read_text(encoding="utf-8")
            # Everything is served from here: no CDN, no remote font, no analytics.
            assert re.search(r"(src|href)=[\"']https?:", text) is None, path
            assert re.search(r"@import|url\(\s*[\"']?https?:", text) is None, path
            assert 'import("http' not in text and 'from "http' not in text, path


def test_untrusted_text_never_reaches_an_html_sink() -> None:
    """Mention text goes in through textContent/text nodes only; the CSP's Trusted Types
    would make any of these throw in the browser as well."""
    sinks = re.compile(
        r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
        r"createContextualFragment|setHTMLUnsafe|srcdoc"
    )
    for path in (STATIC / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not sinks.search(text), f"{path.name}: {sinks.search(text)}"


def test_every_language_has_every_string() -> None:
    def keys(node: dict[str, object], prefix: str = "") -> set[str]:
        out: set[str] = set()
        plural = {"zero", "one", "two", "few", "many", "other"}
        for k, v in node.items():
            if isinstance(v, dict) and not set(v) <= plural:
                out |= keys(v, f"{prefix}{k}.")
            else:
                out.add(prefix + k)
        return out

    dictionaries = {p.stem: json.loads(p.read_text("utf-8")) for p in (STATIC / "i18n").glob("*")}
    assert {"en", "ru", "ar", "fa"} <= set(dictionaries)
    english = keys(dictionaries["en"])
    for lang, table in dictionaries.items():
        assert keys(table) == english, lang
    # Every key the scripts ask for by name exists in English.
    used = set()
    for path in (STATIC / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\(\"([a-zA-Z_.]+)\"", path.read_text("utf-8")))
    html = (STATIC / "index.html").read_text("utf-8")
    used |= set(re.findall(r'data-i18n(?:-aria-label)?="([^"]+)"', html))
    assert used <= english, used - english


# Sessions --------------------------------------------------------------------------------------


def test_sign_in_sets_an_httponly_strict_cookie_and_never_returns_the_key(
    web: TestClient, key: str
) -> None:
    r = web.post("/web/session", json={"key": key})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["workspace"] == "acme" and body["key_name"] == "analyst"
    assert len(body["csrf_token"]) >= 32
    assert r.headers["cache-control"] == "no-store"
    raw = r.headers["set-cookie"]
    cookie = _set_cookie(r)[COOKIE]
    assert cookie["httponly"] is True and cookie["samesite"] == "strict"
    assert cookie["path"] == "/" and int(cookie["max-age"]) == 12 * 3600
    assert not cookie["secure"]  # plain http: a Secure cookie would never come back
    assert cookie.value != key and len(cookie.value) >= 32
    assert key not in r.text and key not in raw

    state = web.get("/web/session").json()
    assert state["signed_in"] and state["csrf_token"] == body["csrf_token"]
    # Nothing the page loads echoes the key.
    for path in ("/web/", "/web/session", "/web/capabilities", "/v1/index/status"):
        got = web.get(path)
        assert key not in got.text and key not in str(got.headers), path


def test_over_https_the_cookie_is_secure_and_host_only(rt: Container, key: str) -> None:
    with TestClient(_app(rt), base_url="https://testserver") as client:
        r = client.post("/web/session", json={"key": key})
        cookie = _set_cookie(r)[SECURE_COOKIE]
        assert cookie["secure"] is True and cookie["httponly"] is True
        assert cookie["samesite"] == "strict" and cookie["path"] == "/"
        assert not cookie["domain"]
        assert client.get("/v1/index/status").status_code == 200


def test_a_bad_key_gets_no_session(web: TestClient, key: str) -> None:
    for bad in ("hark_nope", key + "x"):
        r = web.post("/web/session", json={"key": bad})
        assert_error(r, 401, "unauthorized")
        assert "set-cookie" not in r.headers and bad not in r.text
    assert_error(web.post("/web/session", json={}), 422, "validation_error")
    assert web.get("/web/session").json() == {
        "signed_in": False,
        "workspace": None,
        "key_name": None,
        "csrf_token": None,
        "expires_at": None,
    }
    assert_error(web.get("/v1/index/status"), 401, "unauthorized")


def test_the_cookie_stands_in_for_the_key_and_changes_need_the_csrf_token(
    web: TestClient, key: str
) -> None:
    csrf = _sign_in(web, key)
    assert web.get("/v1/index/status").json()["workspace"] == "acme"
    batch = {"mentions": [mention("w1", "The web page works")]}

    # A cross-site form post carries the cookie alone: refused before anything is read.
    form = web.post(
        "/v1/mentions",
        content="mentions=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(form, 403, "forbidden")
    assert_error(web.post("/v1/mentions", json=batch), 403, "forbidden")
    wrong = web.post("/v1/mentions", json=batch, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert_error(wrong, 403, "forbidden")
    cross = web.post(
        "/v1/mentions",
        json=batch,
        headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
    )
    assert_error(cross, 403, "forbidden")
    for method, path in (("PUT", "/v1/taxonomy"), ("DELETE", "/v1/mentions/1/labels/sentiment")):
        assert_error(web.request(method, path, json={}), 403, "forbidden")
    assert web.get("/v1/index/status").json()["mentions"] == 0  # nothing was written

    ok = web.post("/v1/mentions?wait=true", json=batch, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    assert web.get("/v1/index/status").json()["mentions"] == 1


def test_a_key_header_still_wins_and_needs_no_csrf_token(web: TestClient, key: str) -> None:
    _sign_in(web, key)
    _, other = web.app.state.container.keys.create("other", "bot")  # type: ignore[attr-defined]
    r = web.post(
        "/v1/mentions?wait=true",
        json={"mentions": [mention("o1", "Header auth is unchanged")]},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert r.status_code == 201, r.text
    status = web.get("/v1/index/status", headers={"X-API-Key": other}).json()
    assert status["workspace"] == "other" and status["mentions"] == 1
    assert web.get("/v1/index/status").json()["workspace"] == "acme"  # the cookie's


def test_sign_out_needs_the_token_and_ends_the_session(web: TestClient, key: str) -> None:
    csrf = _sign_in(web, key)
    cookie = web.cookies.get(COOKIE)
    assert cookie
    assert_error(web.delete("/web/session"), 403, "forbidden")
    assert web.get("/v1/index/status").status_code == 200
    out = web.delete("/web/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    cleared = _set_cookie(out)
    assert cleared[COOKIE].value == "" and int(cleared[COOKIE]["max-age"]) == 0
    assert web.get("/web/session").json()["signed_in"] is False
    # The old cookie, replayed, is dead on the server too.
    web.cookies.set(COOKIE, cookie)
    assert_error(web.get("/v1/index/status"), 401, "unauthorized")
    assert web.delete("/web/session").status_code == 204  # signing out twice is harmless


def test_a_revoked_key_or_an_expired_session_is_refused(
    web: TestClient, rt: Container, key: str
) -> None:
    _sign_in(web, key)
    (analyst,) = [k for k in rt.keys.list("acme") if k.name == "analyst"]
    rt.keys.revoke(analyst.id)
    assert_error(web.get("/v1/index/status"), 401, "unauthorized")
    assert web.get("/web/session").json()["signed_in"] is False

    _, fresh = rt.keys.create("acme", "second")
    now = [1000.0]
    web.app.state.web_sessions = WebSessions(ttl_s=60, clock=lambda: now[0])  # type: ignore[attr-defined]
    _sign_in(web, fresh)
    assert web.get("/v1/index/status").status_code == 200
    now[0] += 61
    assert_error(web.get("/v1/index/status"), 401, "unauthorized")


def test_sessions_are_kept_by_digest_and_bounded() -> None:
    sessions = WebSessions(max_sessions=3)
    tokens = [sessions.create(key_id=i, workspace="acme", key_name="k")[0] for i in range(5)]
    assert len(sessions) == 3
    assert sessions.get(tokens[0]) is None and sessions.get(tokens[-1]) is not None
    assert all(t not in repr(sessions._by_digest) for t in tokens)
    sessions.drop_key(4)
    assert sessions.get(tokens[-1]) is None
    assert sessions.get("x" * 1000) is None


def test_capabilities_name_the_routes_this_server_has(web: TestClient) -> None:
    caps = web.get("/web/capabilities").json()
    assert set(caps) == {"chat_stream", "conversations", "schedules", "deliveries"}
    served = served_routes(web.app.routes)  # type: ignore[attr-defined]
    assert caps["chat_stream"] == (("POST", "/v1/chat/completions") in served)
    assert caps["schedules"] == (("GET", "/v1/brief-schedules") in served)
    assert ("POST", "/web/session") in served and ("GET", "/v1/briefs") in served


def test_web_routes_stay_out_of_the_api_document(web: TestClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/web")]


def test_several_mentions_at_once_only_of_the_callers_workspace(
    web: TestClient, rt: Container, key: str
) -> None:
    _, other = rt.keys.create("other", "bot")
    mine = web.post(
        "/v1/mentions?wait=true",
        json={"mentions": [mention("a", "first"), mention("b", "second")]},
        headers={"Authorization": f"Bearer {key}"},
    ).json()["ids"]
    theirs = web.post(
        "/v1/mentions?wait=true",
        json={"mentions": [mention("c", "not yours")]},
        headers={"Authorization": f"Bearer {other}"},
    ).json()["ids"]
    _sign_in(web, key)
    got = web.get("/web/api/mentions", params={"id": [mine[1], theirs[0], mine[0]]}).json()
    assert [m["id"] for m in got] == [mine[1], mine[0]]
    assert_error(web.get("/web/api/mentions", params={"id": "x"}), 422, "validation_error")
    facets = web.get("/web/api/facets").json()
    assert facets["workspace"] == "acme" and facets["sources"] == ["app-store"]


def test_static_dir_is_package_data() -> None:
    """The page ships in the wheel: pyproject.toml lists api/web's assets as package data."""
    text = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^"api" = \[.*"web/static/\*".*\]', text, re.M), "package-data for api"


def test_a_trend_has_volume_negative_share_and_rating_per_bucket(web: TestClient, key: str) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    days = ["2024-05-01", "2024-05-01", "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-03"]
    stars = [1, 2, 5, 4, 1, 5]
    texts = [
        "Terrible app, it crashes every time",
        "Support never answered my complaint",
        "Lovely shop, quick delivery",
        "Good prices and friendly staff",
        "Awful, the courier lost my parcel",
        "Perfect service, thank you",
    ]
    batch = [
        mention(
            f"r{i}",
            text,
            source_type="review",
            created_at=f"{day}T10:00:00Z",
            rating=star,
            rating_min=1,
            rating_max=5,
        )
        for i, (day, star, text) in enumerate(zip(days, stars, texts, strict=True))
    ]
    assert web.post("/v1/mentions?wait=true", json={"mentions": batch}, headers=auth).is_success
    _sign_in(web, key)
    r = web.get("/web/api/trend", params={"since": "2024-05-01", "until": "2024-05-03"})
    assert r.status_code == 200, r.text
    trend = r.json()
    by_day = {b["start"]: b for b in trend["buckets"]}
    assert [b["volume"] for b in by_day.values()] == [3, 1, 2]
    # Ratings give the sentiment (bottom two fifths negative), so the shares are exact.
    assert [b["negative"] for b in by_day.values()] == [2, 0, 1]
    assert by_day["2024-05-01"]["negative_share"] == 66.7
    assert by_day["2024-05-01"]["rating"] == pytest.approx(8 / 3, abs=0.01)
    assert by_day["2024-05-02"]["rated"] == 1
    first = by_day["2024-05-01"]
    assert first["since"].startswith("2024-05-01T00:00:00") and first["until"].startswith(
        "2024-05-02T00:00:00"
    )
    assert trend["plans"]["volume"]["granularity"] == "day" and not trend["not_read"]
    weekly = web.get("/web/api/trend", params={"granularity": "week", "source": "app-store"})
    assert weekly.json()["plans"]["volume"]["sources"] == ["app-store"]
    unknown = web.get("/web/api/trend", params={"brand": "Nobody-Such"}).json()
    assert unknown["not_read"] == ["Nobody-Such"] or unknown["notes"]
    bad = web.get("/web/api/trend", params={"since": "2024-05-03", "until": "2024-05-01"})
    assert_error(bad, 422, "validation_error")
