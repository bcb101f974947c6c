"""The HTTP API: auth, workspace scoping, push + search, and errors that write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from services.container import Container
from store import api_keys
from tests.helpers import api_auth, assert_error, mention, stored_mentions

pytestmark = pytest.mark.integration


def _mention(i: int, text: str, **extra: Any) -> dict[str, Any]:
    return mention(
        f"m{i}",
        text,
        source_type="review",
        created_at=f"2024-05-0{1 + i % 9}T10:00:00+05:00",
        **extra,
    )


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and set(ready.json()["checks"].values()) == {"ok"}
    assert client.get("/openapi.json").json()["info"]["title"] == "Hark"


def test_push_then_search_in_any_language(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    texts = [
        "Курьер опоздал на два часа, доставка ужасная",
        "Great app, the pickup point in Almaty was quick and friendly",
        "Қосымша жиі қатып қалады, төлем өтпейді",
        "Refund took three weeks, support never answered",
    ]
    r = client.post(
        "/v1/mentions?wait=true",
        headers=h,
        json={"mentions": [_mention(i, t) for i, t in enumerate(texts)]},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["inserted"] == 4 and body["indexing"] == "done" and len(body["ids"]) == 4
    hits = client.get(
        "/v1/mentions/search", headers=h, params={"q": "late delivery", "k": 2}
    ).json()["hits"]
    assert hits[0]["mention"]["text"].startswith("Курьер")
    status = client.get("/v1/index/status", headers=h).json()
    assert status["mentions"] == 4 and status["pending_index"] == 0
    # Re-sending the same batch is harmless.
    again = client.post(
        "/v1/mentions?wait=true",
        headers=h,
        json={"mentions": [_mention(i, t) for i, t in enumerate(texts)]},
    ).json()
    assert again["inserted"] == 0 and again["unchanged"] == 4 and again["ids"] == body["ids"]


def test_queued_indexing_finishes_in_the_background(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    r = client.post("/v1/mentions", headers=h, json={"mentions": [_mention(1, "Battery drains")]})
    assert r.json()["indexing"] == "queued"
    # TestClient runs background tasks before returning the response.
    assert client.get("/v1/index/status", headers=h).json()["pending_index"] == 0


def test_same_author_copy_is_linked(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    batch = [
        _mention(1, "Worst support ever!!", author="u1"),
        _mention(2, "worst support ever", author="u1"),
        _mention(3, "Worst support ever", author="u2"),
    ]
    batch[1]["created_at"] = batch[0]["created_at"]
    body = client.post("/v1/mentions?wait=true", headers=h, json={"mentions": batch}).json()
    assert body["duplicates"] == 1
    second = client.get(f"/v1/mentions/{body['ids'][1]}", headers=h).json()
    assert second["duplicate_of"] == body["ids"][0]


def test_keys_scope_every_read_to_their_workspace(client: TestClient, rt: Container) -> None:
    a, b = api_auth(rt, "brand-a"), api_auth(rt, "brand-b")
    ids = client.post(
        "/v1/mentions?wait=true",
        headers=a,
        json={"mentions": [_mention(1, "Secret launch went badly")]},
    ).json()["ids"]
    assert client.get(f"/v1/mentions/{ids[0]}", headers=a).status_code == 200
    assert_error(client.get(f"/v1/mentions/{ids[0]}", headers=b), 404, "not_found")
    assert client.get("/v1/mentions/search", headers=b, params={"q": "launch"}).json()["hits"] == []
    assert client.get("/v1/index/status", headers=b).json()["mentions"] == 0


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer hark_nope"}, {"X-API-Key": "wrong"}]
)
def test_missing_or_unknown_keys_are_refused(client: TestClient, headers: dict) -> None:
    assert_error(
        client.get("/v1/mentions/search", params={"q": "x"}, headers=headers), 401, "unauthorized"
    )


def test_revoked_key_is_refused(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    with rt.engine.begin() as conn:
        key_id = api_keys.list_keys(conn, workspace="acme")[0].id
        api_keys.revoke_key(conn, key_id=key_id)
    assert_error(client.get("/v1/index/status", headers=h), 401, "unauthorized")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b'{"mentions": [{"external_id": "1", ', 400, "malformed_json"),
        (b'{"mentions": [{"external_id": 1, "source": "x", "text": 5}]}', 422, "validation_error"),
        (
            b'{"mentions": [{"external_id": "1", "source": "x", "text": "ok", "stars": 5}]}',
            422,
            "validation_error",
        ),
        (
            b'{"mentions": [{"external_id": "1", "source": "x", "text": "ok",'
            b' "created_at": "2024-01-01T10:00:00"}]}',
            422,
            "validation_error",
        ),
        (b'{"mentions": []}', 422, "validation_error"),
        (b"[1, 2]", 422, "validation_error"),
    ],
)
def test_bad_bodies_get_clear_errors_and_write_nothing(
    client: TestClient, rt: Container, payload: bytes, status: int, code: str
) -> None:
    h = {**api_auth(rt, "acme"), "Content-Type": "application/json"}
    good = b'{"external_id": "ok1", "source": "x", "text": "valid one"}'
    if payload.startswith(b'{"mentions": [{'):
        payload = payload.replace(b'{"mentions": [', b'{"mentions": [' + good + b", ", 1)
    error = assert_error(client.post("/v1/mentions", headers=h, content=payload), status, code)
    assert error["details"]
    assert stored_mentions(rt, "acme") == 0


def test_whitespace_only_text_rejects_the_whole_batch(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    error = assert_error(
        client.post(
            "/v1/mentions",
            headers=h,
            json={"mentions": [_mention(1, "fine"), _mention(2, "&nbsp; ")]},
        ),
        422,
        "validation_error",
    )
    assert error["details"][0]["loc"] == ["mentions", 1, "text"]
    assert stored_mentions(rt, "acme") == 0


def test_oversized_batch_and_body_are_refused(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    rt.settings.api_max_batch = 3
    error = assert_error(
        client.post(
            "/v1/mentions",
            headers=h,
            json={"mentions": [_mention(i, f"text {i}") for i in range(4)]},
        ),
        413,
        "batch_too_large",
    )
    assert error["details"] == {"limit": 3, "received": 4}
    big = {"mentions": [_mention(1, "x" * (rt.settings.api_max_body_bytes + 10))]}
    assert_error(client.post("/v1/mentions", headers=h, json=big), 413, "body_too_large")
    assert stored_mentions(rt, "acme") == 0


def test_search_parameter_errors(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    assert_error(
        client.get("/v1/mentions/search", headers=h, params={"q": "x", "k": 0}),
        422,
        "validation_error",
    )
    assert_error(
        client.get(
            "/v1/mentions/search",
            headers=h,
            params={"q": "x", "since": "2024-02-01", "until": "2024-01-01"},
        ),
        422,
        "validation_error",
    )
    assert_error(
        client.get("/v1/mentions/search", headers=h, params={"q": "x", "sentiment": "angry"}),
        422,
        "validation_error",
    )
    assert_error(client.get("/v1/nowhere", headers=h), 404, "not_found")


def test_server_start_indexes_what_a_dead_process_left_pending(rt: Container) -> None:
    import time

    from hark.domain import MentionCreate
    from ingestion.pipeline import ingest_mentions

    stored = ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[
            MentionCreate(external_id=f"p{i}", source="api", text=f"Left pending {i}")
            for i in range(3)
        ],
    )
    assert stored.inserted == 3 and stored.indexed == 0
    h = api_auth(rt, "acme")
    with TestClient(create_app(rt.settings, rt)) as c:
        deadline = time.monotonic() + 60
        while c.get("/v1/index/status", headers=h).json()["pending_index"]:
            assert time.monotonic() < deadline, "catch-up never ran"
            time.sleep(0.05)
        assert c.get("/v1/index/status", headers=h).json()["indexed_documents"] == 3


def test_chunked_oversized_body_gets_413(client: TestClient, rt: Container) -> None:
    h = {**api_auth(rt, "acme"), "Content-Type": "application/json"}
    limit = rt.settings.api_max_body_bytes

    def chunks():  # no Content-Length: sent with chunked transfer encoding
        yield b'{"mentions": [{"external_id": "1", "source": "x", "text": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}]}'

    assert_error(client.post("/v1/mentions", headers=h, content=chunks()), 413, "body_too_large")
    assert stored_mentions(rt, "acme") == 0


def test_ids_follow_the_pushed_order_when_keys_repeat(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    batch = [_mention(1, "first"), _mention(2, "second"), _mention(1, "first again")]
    body = client.post("/v1/mentions", headers=h, json={"mentions": batch}).json()
    assert body["inserted"] == 2 and body["repeated"] == 1
    assert len(body["ids"]) == 3 and body["ids"][0] == body["ids"][2] != body["ids"][1]
    first = client.get(f"/v1/mentions/{body['ids'][0]}", headers=h).json()
    assert first["text"] == "first"  # the first occurrence of a key wins


def test_editing_a_copy_makes_it_count_again(client: TestClient, rt: Container) -> None:
    h = api_auth(rt, "acme")
    a, b = (
        _mention(1, "Worst support ever", author="u1"),
        _mention(2, "worst support ever!", author="u1"),
    )
    b["created_at"] = a["created_at"]
    ids = client.post("/v1/mentions?wait=true", headers=h, json={"mentions": [a, b]}).json()["ids"]
    assert client.get(f"/v1/mentions/{ids[1]}", headers=h).json()["duplicate_of"] == ids[0]
    a["text"] = "Support fixed my issue in five minutes"
    client.post("/v1/mentions?wait=true", headers=h, json={"mentions": [a]})
    copy = client.get(f"/v1/mentions/{ids[1]}", headers=h).json()
    assert copy["duplicate_of"] is None
    status = client.get("/v1/index/status", headers=h).json()
    assert status["duplicates"] == 0 and status["indexed_documents"] == 2
    hits = client.get("/v1/mentions/search", headers=h, params={"q": "worst support"}).json()
    assert {x["mention"]["id"] for x in hits["hits"]} == set(ids)


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "code"),
    [
        (
            "post",
            "/v1/mentions",
            b'{"mentions": [{"external_id": "1", "source": "x", "text": "ok", "rating": NaN}]}',
            422,
            "validation_error",
        ),
        (
            "post",
            "/v1/mentions",
            b'{"mentions": [{"external_id": "1", "source": "x", '
            b'"text": "ok", "reach": 99999999999}]}',
            422,
            "validation_error",
        ),
        ("get", "/v1/mentions/99999999999999999999", None, 422, "validation_error"),
        ("delete", "/v1/mentions/1", None, 405, "method_not_allowed"),
    ],
)
def test_out_of_range_values_and_methods(
    client: TestClient,
    rt: Container,
    method: str,
    url: str,
    payload: bytes | None,
    status: int,
    code: str,
) -> None:
    h = {**api_auth(rt, "acme"), "Content-Type": "application/json"}
    response = client.request(method.upper(), url, headers=h, content=payload)
    assert_error(response, status, code)
    assert stored_mentions(rt, "acme") == 0
