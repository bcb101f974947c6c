"""Brands' own replies are marked at ingestion, left out of counts by default and come back
with the filter; stored rows get their type from re-enrichment; the migration adds the column.

Texts are verbatim SentiRuEval-2015 telecom tweets (../shared/data/sentirueval-ru-brand-tweets/
telecom.csv; github.com/sbudenkov/FSA, non-commercial research use).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update

from enrichment.reenrich import reenrich_author_types
from hark.domain import AuthorType, MentionCreate, SearchFilters
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store.db import make_engine, upgrade
from store.mentions import count_mentions
from store.tables import mentions

pytestmark = pytest.mark.integration

T0 = datetime(2014, 7, 24, 18, 0, tzinfo=UTC)
REPLIES = [
    "@vladius99 приносим извинения за возможные неудобства. На данный момент сервис работает "
    "в полном объеме. ^СН #МТС",
    "@Muxa_bzzz уточните, пожалуйста, Ваш номер. ^СН #МТС",
    "@porok Антон,добрый вечер!Пож-та,отправьте нам на pomogite@beeline.ru Ваш номер и ссылку "
    "на твит.Это поможет нам найти и устранить неполадки",
]
CUSTOMERS = [
    "@Beeline_RUS здравствуйте! У меня есть идея по поводу тарифа. А также хочу направить вам "
    "резюме. Не подскажете адреса, куда можно направить?",
    "@ru_mts в первых числах оплачу, заблокирую карту и перейду на другого оператора. 8 лет "
    "пользовался и этого достаточно",
    "«Мегафон» стал владельцем 50% акций «Евросети»",
]
BOTH = SearchFilters(author_types=[AuthorType.CUSTOMER, AuthorType.BRAND])
ONLY_BRAND = SearchFilters(author_types=[AuthorType.BRAND])


def _push(rt: Container, **kw: object) -> None:
    items = [
        MentionCreate(external_id=str(i), source="tw", text=t, created_at=T0 + timedelta(minutes=i))
        for i, t in enumerate(REPLIES + CUSTOMERS)
    ]
    ingest_mentions(rt.engine, workspace="acme", mentions=items, **kw)  # type: ignore[arg-type]


def _counts(rt: Container) -> tuple[int, int, int]:
    with rt.engine.connect() as conn:
        return (
            count_mentions(conn, workspace="acme"),
            count_mentions(conn, workspace="acme", filters=BOTH),
            count_mentions(conn, workspace="acme", filters=ONLY_BRAND),
        )


def test_brand_replies_are_marked_and_left_out_of_counts(rt: Container) -> None:
    _push(rt, enrich=rt.enrich.hook("acme"))
    with rt.engine.connect() as conn:
        types = dict(conn.execute(select(mentions.c.text, mentions.c.author_type)).all())
    assert {types[t] for t in REPLIES} == {"brand"}
    assert {types[t] for t in CUSTOMERS} == {"customer"}
    assert _counts(rt) == (3, 6, 3)


def test_reenrichment_classifies_stored_rows(rt: Container) -> None:
    _push(rt)  # no enrichment hook: the rows are stored unclassified, as before the migration
    with rt.engine.begin() as conn:
        conn.execute(update(mentions).values(author_type=None))
    assert _counts(rt) == (6, 6, 0)  # NULL reads as customer
    stats = reenrich_author_types(rt.engine, workspace="acme", catalog=None)
    assert (stats.seen, stats.changed) == (6, 3)
    assert _counts(rt) == (3, 6, 3)
    with rt.engine.connect() as conn:
        pending = conn.execute(
            select(mentions.c.text).where(mentions.c.indexed_hash.is_(None))
        ).scalars()
        assert set(REPLIES) <= set(pending)  # brand documents get re-indexed with the type
    # A second run has nothing left to do.
    assert reenrich_author_types(rt.engine, workspace="acme", catalog=None).seen == 0


def test_migration_adds_the_column_to_a_filled_0004_store(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO mentions (id, workspace, source, external_id, source_type, text,"
                " raw_text, extra, ingested_at, updated_at, content_hash, row_hash, dedup_key,"
                " is_repost) VALUES (1, 'acme', 'tw', '1', 'social', :t, :t, '{}',"
                " '2014-07-24 18:00:00', '2014-07-24 18:00:00', 'h', 'h', 'h', 0)"
            ),
            {"t": REPLIES[0]},
        )
    upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("mentions")}
    indexes = {i["name"] for i in inspect(engine).get_indexes("mentions")}
    assert "author_type" in columns and "ix_mentions_ws_author_type" in indexes
    with engine.connect() as conn:
        assert conn.execute(text("SELECT author_type FROM mentions")).scalar() is None
        assert count_mentions(conn, workspace="acme") == 1  # unclassified counts as customer
