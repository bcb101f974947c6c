"""POST /v1/ask on real airline tweets: numbers equal SQL counts, citations are real and in
the window, answers in the question's language, a model's answer is checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from ask.phrasing import mentions as mentions_phrase
from enrichment.catalogs import parse, set_catalog
from hark.settings import Settings
from services.container import Container
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, assert_error, ingest_airline_excerpt
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.integration
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"


def _load(rt: Container) -> None:
    for kind, name in (
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ):
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="acme", kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt)


@pytest.fixture
def client(rt: Container) -> Iterator[TestClient]:
    _load(rt)
    with TestClient(create_app(rt.settings, rt)) as c:
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


FEB23 = (datetime(2015, 2, 23, tzinfo=UTC), datetime(2015, 2, 24, tzinfo=UTC))


def test_a_count_equals_sql_and_cites_mentions_of_that_day(
    client: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "acme")
    body = client.post(
        "/v1/ask",
        json={"question": "How many negative tweets about Delta were there on Feb 23?"},
        headers=auth,
    ).json()
    plan = body["plan"]
    assert (
        plan["intent"] == "count"
        and plan["brands"] == ["Delta"]
        and plan["sentiment"] == "negative"
    )
    expected = _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    count = next(f for f in body["facts"] if f["kind"] == "count")
    assert count["total"] == expected
    assert body["answer"].startswith(f"{mentions_phrase(expected, 'negative', 'en')} about Delta")
    assert body["composer"] == "template" and body["language"] == "en"
    for c in body["citations"]:
        created = datetime.fromisoformat(c["created_at"])
        assert FEB23[0] <= created < FEB23[1]
        assert f"[{c['id']}]" in body["answer"]


def test_why_question_compares_two_days_and_names_drivers(
    client: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "acme")
    body = client.post(
        "/v1/ask",
        json={"question": "Why did negative tweets about American rise on Feb 24 vs Feb 22?"},
        headers=auth,
    ).json()
    plan = body["plan"]
    assert plan["intent"] == "why_change"
    assert plan["window"]["start"].startswith("2015-02-24") and plan["baseline"][
        "start"
    ].startswith("2015-02-22")
    change = next(f for f in body["facts"] if f["kind"] == "change")
    day24 = (datetime(2015, 2, 24, tzinfo=UTC), datetime(2015, 2, 25, tzinfo=UTC))
    day22 = (datetime(2015, 2, 22, tzinfo=UTC), datetime(2015, 2, 23, tzinfo=UTC))
    assert change["current"] == _count(rt, day=day24, brand="American", sentiment="negative")
    assert change["baseline"] == _count(rt, day=day22, brand="American", sentiment="negative")
    # So few tweets: the answer must say the change may be noise.
    assert any(f["kind"] == "caveat" for f in body["facts"])
    assert "Caution" in body["answer"]


def test_russian_question_gets_a_russian_answer(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    body = client.post(
        "/v1/ask",
        json={"question": "Сколько было негативных твитов о Delta 23 февраля?"},
        headers=auth,
    ).json()
    assert body["language"] == "ru" and body["plan"]["intent"] == "count"
    expected = _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    # The count takes its Russian plural form ("1 негативное упоминание", "5 … упоминаний").
    assert body["answer"].startswith(mentions_phrase(expected, "negative", "ru"))
    assert "23 февраля 2015 г." in body["answer"] and "г.." not in body["answer"]


def test_no_data_is_said_plainly(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    body = client.post(
        "/v1/ask",
        json={"question": "How many tweets about Delta were there on Feb 1?"},
        headers=auth,
    ).json()
    assert body["answer"].startswith("No mentions match") and body["citations"] == []


def test_bad_questions_are_rejected(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    assert_error(
        client.post("/v1/ask", json={"question": ""}, headers=auth), 422, "validation_error"
    )
    assert_error(
        client.post("/v1/ask", json={"question": "x" * 2001}, headers=auth), 422, "validation_error"
    )
    assert_error(client.post("/v1/ask", json={"q": "hi"}, headers=auth), 422, "validation_error")
    assert_error(client.post("/v1/ask", json={"question": "hi"}), 401, "unauthorized")


def test_a_model_answer_is_verified_and_a_bad_one_falls_back(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    settings = Settings(
        home=tmp_path / "llm-home", llm_base_url=llm_server.base_url, _env_file=None
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    _load(rt)
    question = "How many negative tweets about Delta were there on Feb 23?"
    with TestClient(create_app(rt.settings, rt)) as client:
        auth = api_auth(rt, "acme")
        offline = client.post(
            "/v1/ask", json={"question": question, "use_llm": False}, headers=auth
        ).json()
        total = next(f for f in offline["facts"] if f["kind"] == "count")["total"]
        cite = offline["citations"][0]["id"]
        # The model plans (a brand outside the workspace is dropped), then phrases the answer.
        llm_server.queue(
            Reply.tool_call(
                "PlanDraft",
                {
                    "intent": "count",
                    "start_day": "2015-02-23",
                    "end_day": "2015-02-23",
                    "sentiment": "negative",
                    "brands": ["Delta", "Lufthansa"],
                },
            )
        )
        llm_server.queue(Reply.text(f"Delta drew {total} negative tweets that day [{cite}]."))
        good = client.post("/v1/ask", json={"question": question}, headers=auth).json()
        assert good["composer"] == "llm" and good["answer"].startswith(f"Delta drew {total}")
        assert good["plan"]["planner"] == "llm" and good["plan"]["brands"] == ["Delta"]
        assert any("Lufthansa" in n for n in good["plan"]["notes"])
        assert good["facts"] == offline["facts"]
        # A failing planner leaves the rules plan; invented numbers twice leave the checked
        # template answer, with a warning.
        llm_server.queue(Reply.error(500))  # the client retries a 5xx once
        llm_server.queue(Reply.error(500))
        llm_server.queue(Reply.text(f"Delta drew {total + 17} negative tweets [{cite}]."))
        llm_server.queue(Reply.text("Delta drew 999 negative tweets [1]."))
        bad = client.post("/v1/ask", json={"question": question}, headers=auth).json()
        assert bad["composer"] == "template" and bad["answer"] == offline["answer"]
        assert bad["plan"]["planner"] == "rules" and "model planner failed" in bad["plan"]["notes"]
        assert any("failed the checks" in w for w in bad["warnings"])
        assert llm_server.pending == 0
        prompt = str(llm_server.requests[-1])
        assert "untrusted" in prompt.lower()
    rt.close()


def test_undated_reviews_count_when_no_period_is_asked(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "reviews")
    # Real qaym-style restaurant reviews have no dates at all.
    pushed = client.post(
        "/v1/mentions?wait=true",
        json={
            "mentions": [
                {"external_id": "1", "source": "qaym", "text": "المطعم رائع والخدمة ممتازة"},
                {"external_id": "2", "source": "qaym", "text": "الأكل بارد والانتظار طويل جدا"},
            ]
        },
        headers=auth,
    )
    assert pushed.status_code == 201
    body = client.post("/v1/ask", json={"question": "How many reviews are there?"}, headers=auth)
    count = next(f for f in body.json()["facts"] if f["kind"] == "count")
    assert count["total"] == 2


def test_impossible_readings_are_4xx(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    bad = client.post("/v1/ask", json={"question": "Show 5-1 star reviews of Delta"}, headers=auth)
    assert_error(bad, 422, "validation_error")


def test_a_model_plan_reads_rankings_and_named_periods(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    """Plan v2: the model's group-by, measure, order and periods are validated into the plan
    and analysed like the rules' (a group-by outside the schema falls back to the rules)."""
    settings = Settings(
        home=tmp_path / "llm-home", llm_base_url=llm_server.base_url, _env_file=None
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    _load(rt)
    with TestClient(create_app(rt.settings, rt)) as client:
        auth = api_auth(rt, "acme")
        llm_server.queue(
            Reply.tool_call(
                "PlanDraft",
                {
                    "intent": "rank",
                    "start_day": "2015-02-16",
                    "end_day": "2015-02-24",
                    "sentiment": "negative",
                    "group_by": "brand",
                    "measure": "share",
                    "order": "least",
                },
            )
        )
        llm_server.queue(Reply.text("Nothing here is a fact: 999 [1]."))
        llm_server.queue(Reply.text("Still 999 [1]."))
        body = client.post(
            "/v1/ask", json={"question": "Which airline is complained about least?"}, headers=auth
        ).json()
        assert body["plan"]["planner"] == "llm" and body["plan"]["intent"] == "rank"
        [ranking] = [f for f in body["facts"] if f["kind"] == "ranking"]
        assert ranking["measure"] == "share" and ranking["order"] == "least"
        shares = [i["share"] for i in ranking["items"]]
        assert shares == sorted(shares) and len(shares) >= 2
        assert body["composer"] == "template"

        llm_server.queue(
            Reply.tool_call(
                "PlanDraft",
                {
                    "intent": "compare",
                    "sentiment": "negative",
                    "periods": [
                        {"start_day": "2015-02-21", "end_day": "2015-02-21"},
                        {"start_day": "2015-02-22", "end_day": "2015-02-22"},
                    ],
                },
            )
        )
        llm_server.queue(Reply.text("999 [1]."))
        llm_server.queue(Reply.text("999 [1]."))
        body = client.post(
            "/v1/ask", json={"question": "Feb 21 against Feb 22, negative?"}, headers=auth
        ).json()
        periods = [f for f in body["facts"] if f["kind"] == "period"]
        assert [p["start"][:10] for p in periods] == ["2015-02-21", "2015-02-22"]
        assert any(f["kind"] == "change" for f in body["facts"])
        assert llm_server.pending == 0
    rt.close()
