"""Upgrading a store that already holds data keeps every row, label and copy link."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import make_engine, upgrade

pytestmark = pytest.mark.integration

_INSERT = """
INSERT INTO mentions (id, workspace, source, external_id, source_type, text, raw_text, extra,
    ingested_at, updated_at, content_hash, row_hash, dedup_key, duplicate_of, is_repost,
    topics, entities)
VALUES (:id, 'acme', 'tw', :eid, 'social', :t, :t, '{}', '2015-02-22 10:00:00',
    '2015-02-22 10:00:00', :h, :h, :h, :dup, :rp, '[]', '[]')
"""


def test_upgrading_a_filled_0002_store_keeps_labels_and_copies(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(_INSERT), {"id": 1, "eid": "1", "t": "lost bag", "h": "a", "dup": None, "rp": 0}
        )
        conn.execute(
            text(_INSERT), {"id": 2, "eid": "2", "t": "RT lost bag", "h": "a", "dup": 1, "rp": 1}
        )
        conn.execute(
            text("INSERT INTO mention_labels (mention_id, labels) VALUES (1, :l), (2, :l)"),
            {"l": '{"sentiment": "negative"}'},
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mention_labels")).scalar() == 2
        assert conn.execute(text("SELECT duplicate_of FROM mentions WHERE id = 2")).scalar() == 1
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        # Foreign keys are enforced again after the migration.
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
