"""``hark label`` in a terminal: one key per answer, then refit and restore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from hark.settings import get_settings
from tests.helpers import AIRLINE_EXCERPT

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_interactive_session_then_refit_and_restore(cli: CliRunner) -> None:
    r = cli.invoke(app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment"])
    assert r.exit_code == 0, r.output
    # Keys: negative, neutral, positive, an unknown key (help again, then enter = the
    # model is right), skip, then 1/2/3 for the next ones, and quit before the last two.
    keys = "nup" + "x\r" + "s" + "123" * 3 + "n" * 1 + "q"
    r = cli.invoke(app, ["label", "--limit", "16"], input=keys)
    assert r.exit_code == 0, r.output
    assert "[1/16]" in r.output and "-> negative" in r.output and "-> neutral" in r.output
    assert "14 labelled" in r.output and "1 skipped" in r.output
    stats = json.loads(cli.invoke(app, ["label", "stats"]).stdout)
    assert sum(stats["corrections"]["sentiment"].values()) == 14
    assert stats["corrections"]["sentiment"].get("random", 0) >= 3
    r = cli.invoke(app, ["label", "refit", "--kind", "sentiment"])
    assert r.exit_code == 0, r.output
    assert "sentiment: v1 from 14 corrections" in r.stdout
    r = cli.invoke(app, ["label", "models"])
    assert "* sentiment v1" in r.stdout
    r = cli.invoke(app, ["label", "restore", "sentiment", "none"])
    assert r.exit_code == 0 and "none active" in r.stdout
    r = cli.invoke(app, ["label", "restore", "sentiment", "7"])
    assert r.exit_code == 2 and "no sentiment model version 7" in r.stderr
    r = cli.invoke(app, ["label", "set", "1", "--sentiment", "awful"])
    assert r.exit_code == 2
    r = cli.invoke(app, ["label", "refit", "--kind", "topics"])
    assert r.exit_code == 2 and "no taxonomy" in r.stderr
