"""The CLI and the API are two front-ends over the same services: the same catalog change
through either leaves the store in the same state (versions, bodies, topics assigned)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli_app
from hark.settings import Settings, get_settings
from services.container import Container
from store import mentions as mention_store
from tests.helpers import AIRLINE_EXCERPT, api_auth

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TAXONOMY = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs" / "airline.taxonomy.yaml"


def _state(c: Container, workspace: str) -> dict[str, Any]:
    """Every stored catalog version and every mention's derived fields, by external id."""
    taxonomy = c.catalogs.get(workspace, "taxonomy")
    with c.engine.connect() as conn:
        ids = [r.id for r in mention_store.iter_index_rows(conn, workspace=workspace)]
        mentions = mention_store.get_mentions(conn, workspace=workspace, ids=ids)
    return {
        "taxonomy": (taxonomy.version, taxonomy.body),
        "mentions": {
            m.external_id: [m.language, m.sentiment, [t.model_dump() for t in m.topics]]
            for m in mentions
        },
    }


def test_a_taxonomy_set_through_the_cli_equals_one_put_through_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Any
) -> None:
    body = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    ingest = ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment", "-w", "acme"]

    # Through the CLI: ingest, then set the taxonomy (applied before the command exits).
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "cli"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli_app, ingest).exit_code == 0
        r = runner.invoke(cli_app, ["taxonomy", "set", str(TAXONOMY), "-w", "acme", "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout) == {"kind": "taxonomy", "version": 1, "created": True}
    finally:
        get_settings.cache_clear()
    via_cli = Container(Settings(home=tmp_path / "cli", _env_file=None), embedder=embedder)  # type: ignore[call-arg]

    # Through the API: the same file's content as JSON, applied in the background.
    via_api = Container(Settings(home=tmp_path / "api", _env_file=None), embedder=embedder)  # type: ignore[call-arg]
    via_api.ingest.ingest_file("acme", AIRLINE_EXCERPT, "twitter-us-airline-sentiment")
    with TestClient(create_app(via_api.settings, via_api)) as client:
        put = client.put("/v1/taxonomy", json=body, headers=api_auth(via_api, "acme"))
        assert put.status_code == 200 and put.json()["version"] == 1, put.text

    try:
        cli_state, api_state = _state(via_cli, "acme"), _state(via_api, "acme")
        assert len(cli_state["mentions"]) == 83  # 85 rows, 2 of them copies
        with_topics = [m for m in cli_state["mentions"].values() if m[2]]
        assert len(with_topics) > 20  # the change was applied, not only stored
        assert cli_state == api_state
    finally:
        via_cli.close()
        via_api.close()
