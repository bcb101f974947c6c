"""Conversations over real airline tweets: a follow-up keeps what it does not change ("and
for Delta?" keeps the why-question, its sentiment and its days), its numbers equal SQL
counts, more examples are new ones, turns are kept across restarts, and a conversation
belongs to one workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.app import create_app
from api.routers import conversations
from cli.chat import chat
from enrichment.catalogs import parse, set_catalog
from hark.settings import Settings
from services.chat import ChatService
from services.container import Container
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, assert_error, ingest_airline_excerpt

pytestmark = pytest.mark.integration
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
FEB22 = (datetime(2015, 2, 22, tzinfo=UTC), datetime(2015, 2, 23, tzinfo=UTC))
FEB23 = (datetime(2015, 2, 23, tzinfo=UTC), datetime(2015, 2, 24, tzinfo=UTC))
WHY_EN = "Why did negative tweets about United rise on Feb 23 compared with Feb 22?"
WHY_RU = "Почему выросло число негативных твитов о United 23 февраля по сравнению с 22 февраля?"


def _load(rt: Container) -> None:
    for kind, name in (
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ):
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="acme", kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt)


def _app(rt: Container) -> FastAPI:
    """The API with the conversation routes. Until the container and the app factory wire
    the chat service and its routers, the test does (both steps are no-ops after)."""
    rt.__dict__.setdefault("chat", ChatService(rt.settings, lambda: rt.engine, rt.ask))
    app = create_app(rt.settings, rt)
    if not any(getattr(r, "path", "") == "/v1/conversations" for r in app.routes):
        app.include_router(conversations.router)
    return app


@pytest.fixture
def client(rt: Container) -> Iterator[TestClient]:
    _load(rt)
    with TestClient(_app(rt)) as c:
        yield c


def _count(rt: Container, **where: Any) -> int:
    m = mentions.c
    cond = [m.workspace == "acme", m.duplicate_of.is_(None), m.noise.is_(None)]
    if "day" in where:
        day = where.pop("day")
        cond += [m.created_at >= day[0], m.created_at < day[1]]
    cond += [m[k] == v for k, v in where.items()]
    with rt.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(*cond)).scalar_one())


def _rows(rt: Container, ids: list[int]) -> list[Any]:
    m = mentions.c
    with rt.engine.connect() as conn:
        return list(
            conn.execute(select(m.id, m.brand, m.sentiment, m.created_at).where(m.id.in_(ids)))
        )


def _send(client: TestClient, auth: dict[str, str], cid: int, message: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/conversations/{cid}/messages", json={"message": message}, headers=auth
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["conversation_id"] == cid
    return body


def _fact(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(f for f in body["facts"] if f["kind"] == kind)


def _starts(window: dict[str, Any] | None) -> str | None:
    return None if window is None else window["start"][:10]


def test_follow_ups_keep_what_they_do_not_change(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    created = client.post("/v1/conversations", json={}, headers=auth)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]

    first = _send(client, auth, cid, WHY_EN)
    assert first["turn"] == 1 and first["plan"]["brands"] == ["United"]
    change = _fact(first, "change")
    assert change["current"] == _count(rt, day=FEB23, brand="United", sentiment="negative")
    assert change["baseline"] == _count(rt, day=FEB22, brand="United", sentiment="negative")

    # "and for Delta?": the why-question, its sentiment and its two days, about Delta.
    delta = _send(client, auth, cid, "and for Delta?")
    plan = delta["plan"]
    assert delta["turn"] == 2 and plan["question"] == "and for Delta?"
    assert plan["intent"] == "why_change" and plan["sentiment"] == "negative"
    assert plan["brands"] == ["Delta"] and plan["entities"] == []
    assert _starts(plan["window"]) == "2015-02-23" and _starts(plan["baseline"]) == "2015-02-22"
    change = _fact(delta, "change")
    assert change["current"] == _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    assert change["baseline"] == _count(rt, day=FEB22, brand="Delta", sentiment="negative")
    assert any(w.startswith("follow-up: kept") for w in delta["warnings"])
    assert delta["language"] == "en" and "Delta" in delta["answer"]

    # Examples about luggage: still Delta's negative tweets of the 23rd, quoted.
    luggage = _send(client, auth, cid, "show examples about luggage")
    plan = luggage["plan"]
    assert plan["intent"] == "examples" and plan["brands"] == ["Delta"]
    assert plan["sentiment"] == "negative" and plan["baseline"] is None
    assert _starts(plan["window"]) == "2015-02-23" and "luggage" in plan["search_text"]
    assert _fact(luggage, "count")["total"] == _count(
        rt, day=FEB23, brand="Delta", sentiment="negative"
    )
    quoted = _rows(rt, [c["id"] for c in luggage["citations"]])
    assert quoted and len(quoted) == len(luggage["citations"])
    for row in quoted:
        assert row.brand == "Delta" and row.sentiment == "negative"
        assert FEB23[0] <= row.created_at.replace(tzinfo=UTC) < FEB23[1]

    # A bare "why?" asks why over the same scope, against the day before.
    why = _send(client, auth, cid, "why?")
    assert why["plan"]["intent"] == "why_change" and why["plan"]["brands"] == ["Delta"]
    assert _starts(why["plan"]["baseline"]) == "2015-02-22"

    # A period alone: the same why-question for the 22nd against the 21st.
    earlier = _send(client, auth, cid, "and on Feb 22?")
    assert earlier["plan"]["intent"] == "why_change" and earlier["plan"]["brands"] == ["Delta"]
    assert _starts(earlier["plan"]["window"]) == "2015-02-22"
    assert _starts(earlier["plan"]["baseline"]) == "2015-02-21"

    # "and the day before?": the previous question's period moved back a day, all read.
    day_before = _send(client, auth, cid, "and the day before?")
    plan = day_before["plan"]
    assert plan["intent"] == "why_change" and plan["brands"] == ["Delta"]
    assert _starts(plan["window"]) == "2015-02-21" and _starts(plan["baseline"]) == "2015-02-20"
    assert plan["unread"] == [] and "Not understood" not in day_before["answer"]


def test_more_examples_are_new_ones(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    cid = client.post("/v1/conversations", headers=auth).json()["id"]
    first = _send(client, auth, cid, "Show examples of negative tweets from Feb 17 to Feb 24")
    more = _send(client, auth, cid, "show me more examples")
    assert more["plan"]["intent"] == "examples" and more["plan"]["sentiment"] == "negative"
    assert more["plan"]["window"] == first["plan"]["window"]
    shown, new = {c["id"] for c in first["citations"]}, {c["id"] for c in more["citations"]}
    assert len(shown) == 5 and len(new) == 5 and not shown & new
    assert all(r.sentiment == "negative" for r in _rows(rt, sorted(new)))
    # The count is the scope's, whatever was shown before.
    assert _fact(more, "count")["total"] == _fact(first, "count")["total"]


def test_a_russian_conversation(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    cid = client.post("/v1/conversations", headers=auth).json()["id"]
    _send(client, auth, cid, WHY_RU)
    delta = _send(client, auth, cid, "а для Delta?")
    plan = delta["plan"]
    # Two words and a name: too short to detect, the conversation's Russian stands.
    assert delta["language"] == "ru" and plan["intent"] == "why_change"
    assert plan["brands"] == ["Delta"] and plan["sentiment"] == "negative"
    change = _fact(delta, "change")
    assert change["current"] == _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    assert change["baseline"] == _count(rt, day=FEB22, brand="Delta", sentiment="negative")

    luggage = _send(client, auth, cid, "покажи примеры про багаж")
    plan = luggage["plan"]
    assert plan["intent"] == "examples" and plan["topics"] == ["lost_luggage"]
    assert plan["brands"] == ["Delta"] and plan["sentiment"] == "negative"
    assert luggage["language"] == "ru"

    why = _send(client, auth, cid, "почему?")
    assert why["plan"]["intent"] == "why_change" and why["plan"]["topics"] == ["lost_luggage"]
    assert _starts(why["plan"]["baseline"]) == "2015-02-22" and why["language"] == "ru"

    eve = _send(client, auth, cid, "а накануне?")
    assert _starts(eve["plan"]["window"]) == "2015-02-22" and eve["plan"]["unread"] == []
    assert eve["plan"]["brands"] == ["Delta"] and eve["language"] == "ru"


def test_turns_are_kept_with_their_plans_and_citations(
    tmp_path: Path, embedder: MemoisedEmbedder
) -> None:
    settings = Settings(home=tmp_path / "home", _env_file=None)  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    _load(rt)
    auth = api_auth(rt, "acme")
    with TestClient(_app(rt)) as client:
        cid = client.post("/v1/conversations", json={"title": "United"}, headers=auth).json()["id"]
        sent = [_send(client, auth, cid, q) for q in (WHY_EN, "and for Delta?")]
    rt.close()

    # A restarted server reads the same conversation back.
    again = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    with TestClient(_app(again)) as client:
        got = client.get(f"/v1/conversations/{cid}", headers=auth)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["id"] == cid and body["title"] == "United"
        assert [t["turn"] for t in body["turns"]] == [1, 2]
        for turn, answer in zip(body["turns"], sent, strict=True):
            assert turn["question"] == answer["plan"]["question"]
            assert turn["plan"] == answer["plan"] and turn["answer"] == answer["answer"]
            assert turn["citations"] == answer["citations"]
            assert [f["id"] for f in turn["facts"]] == [f["id"] for f in answer["facts"]]
        # The next turn still follows the stored one.
        third = _send(client, auth, cid, "and for American?")
        assert third["turn"] == 3 and third["plan"]["intent"] == "why_change"
        assert third["plan"]["brands"] == ["American"]

        untitled = client.post("/v1/conversations", headers=auth).json()["id"]
        _send(client, auth, untitled, "How many negative tweets about Delta were there on Feb 23?")
        assert client.get(f"/v1/conversations/{untitled}", headers=auth).json()["title"] == (
            "How many negative tweets about Delta were there on Feb 23?"
        )
        assert client.delete(f"/v1/conversations/{untitled}", headers=auth).status_code == 204
        assert_error(client.get(f"/v1/conversations/{untitled}", headers=auth), 404, "not_found")
    again.close()


def test_a_conversation_belongs_to_its_workspace(client: TestClient, rt: Container) -> None:
    acme, other = api_auth(rt, "acme"), api_auth(rt, "other")
    cid = client.post("/v1/conversations", headers=acme).json()["id"]
    _send(client, acme, cid, WHY_EN)
    assert_error(client.get(f"/v1/conversations/{cid}", headers=other), 404, "not_found")
    assert_error(
        client.post(
            f"/v1/conversations/{cid}/messages", json={"message": "and for Delta?"}, headers=other
        ),
        404,
        "not_found",
    )
    assert_error(client.delete(f"/v1/conversations/{cid}", headers=other), 404, "not_found")
    # Untouched by the other workspace's attempts.
    turns = client.get(f"/v1/conversations/{cid}", headers=acme).json()["turns"]
    assert len(turns) == 1
    # The other workspace's own conversation has none of acme's mentions to count.
    theirs = client.post("/v1/conversations", headers=other).json()["id"]
    body = _send(client, other, theirs, "and for Delta?")
    assert body["turn"] == 1 and body["citations"] == []


def test_bad_messages_are_refused(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    cid = client.post("/v1/conversations", headers=auth).json()["id"]
    url = f"/v1/conversations/{cid}/messages"
    assert_error(client.post(url, json={"message": ""}, headers=auth), 422, "validation_error")
    assert_error(
        client.post(url, json={"message": "x" * 2001}, headers=auth), 422, "validation_error"
    )
    assert_error(client.post(url, json={"question": "hi"}, headers=auth), 422, "validation_error")
    assert_error(client.post(url, json={"message": "hi"}), 401, "unauthorized")
    assert_error(
        client.post("/v1/conversations/999999/messages", json={"message": "hi"}, headers=auth),
        404,
        "not_found",
    )
    # A refused message is no turn.
    assert client.get(f"/v1/conversations/{cid}", headers=auth).json()["turns"] == []


def test_a_chat_platforms_conversation_follows_up(rt: Container) -> None:
    """The answerer chat bots take (integrations.bots.Answerer): a Slack thread or Telegram
    chat is one conversation, made on its first question; another is another."""
    _load(rt)
    chat_service = ChatService(rt.settings, lambda: rt.engine, rt.ask)
    first = chat_service.answer_for("acme", WHY_EN, "slack:T1:1700000000.1")
    follow = chat_service.answer_for("acme", "and for Delta?", "slack:T1:1700000000.1")
    assert first.plan.brands == ["United"] and follow.plan.intent.value == "why_change"
    assert follow.plan.brands == ["Delta"] and follow.plan.sentiment is not None
    alone = chat_service.answer_for("acme", "and for Delta?", "telegram:42")
    assert alone.plan.intent.value == "summarise" and alone.plan.window is None
    assert chat_service.answer_for("acme", "and for Delta?", None).plan.window is None
    cid = chat_service.conversation_for("acme", "slack:T1:1700000000.1")
    kept = chat_service.get("acme", cid)
    assert kept.key == "slack:T1:1700000000.1" and len(kept.turns) == 2
    # The same platform name in another workspace is another conversation.
    assert chat_service.conversation_for("other", "slack:T1:1700000000.1") != cid


def test_hark_chat_is_one_conversation(rt: Container) -> None:
    _load(rt)
    rt.__dict__.setdefault("chat", ChatService(rt.settings, lambda: rt.engine, rt.ask))
    app = typer.Typer()
    app.command()(chat)
    runner = CliRunner()
    result = runner.invoke(
        app, ["-w", "acme", "--json"], input=f"{WHY_EN}\nand for Delta?\n", obj=rt
    )
    assert result.exit_code == 0, result.output
    decoder, text, answers = json.JSONDecoder(), result.stdout.strip(), []
    while text:
        answer, end = decoder.raw_decode(text)
        answers.append(answer)
        text = text[end:].strip()
    assert [a["turn"] for a in answers] == [1, 2]
    assert answers[1]["plan"]["intent"] == "why_change"
    assert answers[1]["plan"]["brands"] == ["Delta"]
    cid = answers[0]["conversation_id"]
    # Later, the same conversation goes on; a bad question does not end it.
    result = runner.invoke(
        app,
        ["-w", "acme", "--conversation", str(cid)],
        input="Show 5-1 star reviews of Delta\nand for American?\n",
        obj=rt,
    )
    assert result.exit_code == 0, result.output
    assert "error [validation_error]" in result.stderr
    assert "American" in result.stdout and "\nSources:\n[1] #" in result.stdout
    assert len(rt.chat.get("acme", cid).turns) == 3  # type: ignore[attr-defined]
    result = runner.invoke(app, ["-w", "acme", "--conversation", "999999"], input="", obj=rt)
    assert result.exit_code == 2 and "error [not_found]" in result.stderr
