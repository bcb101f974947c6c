"""The hark CLI through Typer's runner: real files, real stores, clear failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def test_ingest_search_check_round_trip(cli: CliRunner) -> None:
    r = cli.invoke(
        app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment", "--json"]
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["inserted"] == 85 and summary["rejected"] == 0
    r = cli.invoke(app, ["search", "lost luggage", "-k", "3", "--brand", "United", "--json"])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["hits"]
    assert hits and all(h["mention"]["brand"] == "United" for h in hits)
    r = cli.invoke(app, ["check", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["in_sync"]
    r = cli.invoke(app, ["reindex"])
    assert r.exit_code == 0 and "embedded 0" in r.stdout


def test_errors_exit_non_zero_with_a_message(cli: CliRunner, tmp_path: Path) -> None:
    r = cli.invoke(app, ["ingest", str(AIRLINE_EXCERPT), "-m", "no-such-mapping"])
    assert r.exit_code == 2 and "error [bad_mapping]" in r.stderr
    r = cli.invoke(
        app, ["ingest", str(tmp_path / "missing.csv"), "-m", "twitter-us-airline-sentiment"]
    )
    assert r.exit_code == 2 and "error [bad_file]" in r.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,body\n1,hello\n", encoding="utf-8")
    r = cli.invoke(app, ["ingest", str(wrong), "-m", "twitter-us-airline-sentiment"])
    assert r.exit_code == 2 and "names columns the file lacks" in r.stderr
    r = cli.invoke(app, ["search", "x", "--since", "2015-02-24", "--until", "2015-02-20"])
    assert r.exit_code == 2 and "since must be before until" in r.stderr
    r = cli.invoke(app, ["search", "x", "-w", "Bad Name"])
    assert r.exit_code == 2


def test_rejects_report_is_written(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "tweet_id,airline_sentiment,negativereason,airline,text,tweet_created\n"
        "1,neutral,,United,fine flight,2/24/2015 11:35\n"
        "2,neutral,,United,bad date,yesterday\n",
        encoding="utf-8",
    )
    out = tmp_path / "rejects.csv"
    r = cli.invoke(
        app, ["ingest", str(bad), "-m", "twitter-us-airline-sentiment", "--rejects", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "inserted 1" in r.stdout and "rejected 1" in r.stdout
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("2,created_at,")


def test_keys_lifecycle(cli: CliRunner) -> None:
    r = cli.invoke(app, ["keys", "create", "bot", "-w", "acme", "--json"])
    created = json.loads(r.stdout)
    assert created["key"].startswith("hark_") and created["workspace"] == "acme"
    listed = cli.invoke(app, ["keys", "list"]).stdout
    assert "acme" in listed and created["key"] not in listed
    assert cli.invoke(app, ["keys", "revoke", str(created["id"])]).exit_code == 0
    assert cli.invoke(app, ["keys", "revoke", str(created["id"])]).exit_code == 2


def test_enrich_fills_languages_of_mentions_stored_before(cli: CliRunner) -> None:
    import sqlite3

    r = cli.invoke(app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment"])
    assert r.exit_code == 0, r.output
    db = Path(get_settings().home) / "hark.db"
    with sqlite3.connect(db) as conn:  # as if stored by a version without detection
        conn.execute("UPDATE mentions SET language = NULL, enrichment_version = NULL")
    r = cli.invoke(app, ["enrich", "--json"])
    summary = json.loads(r.stdout)
    assert summary["languages_changed"] == summary["seen"] == 85
    assert summary["embedded"] == 0 and summary["reindexed"] == 83  # canonical ones
    again = json.loads(cli.invoke(app, ["enrich", "--json"]).stdout)
    assert again["seen"] == 0
    rerun = json.loads(cli.invoke(app, ["enrich", "--all", "--json"]).stdout)
    assert rerun["seen"] == 85 and rerun["languages_changed"] == 0
    r = cli.invoke(app, ["search", "delay", "--language", "en", "--json", "-k", "3"])
    hits = json.loads(r.stdout)["hits"]
    assert hits and all(h["mention"]["language"] == "en" for h in hits)
    assert json.loads(cli.invoke(app, ["check", "--json"]).stdout)["in_sync"]


@pytest.mark.parametrize("workspace", ["beta\n", "beta\n-", "Beta", "-x", "a.b"])
def test_a_malformed_workspace_name_is_refused_before_anything_runs(
    cli: CliRunner, tmp_path: Path, workspace: str
) -> None:
    for args in (["keys", "create", "k"], ["check", "--fix"], ["search", "bags"]):
        r = cli.invoke(app, [*args, "-w", workspace])
        assert r.exit_code == 2, (args, r.output)
        assert "use lower-case letters" in r.output
    assert not (tmp_path / "home" / "chroma").exists()


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
    r = cli.invoke(app, ["label", "refit"])
    assert r.exit_code == 0, r.output
    assert "sentiment: v1 from 14 corrections" in r.stdout
    # Topics (no taxonomy here) are skipped, and the output says so.
    assert "topics: not refit (hark label refit --kind topics says why)" in r.stdout
    r = cli.invoke(app, ["label", "models"])
    assert "* sentiment v1" in r.stdout
    r = cli.invoke(app, ["label", "restore", "sentiment", "none"])
    assert r.exit_code == 0 and "none active" in r.stdout
    r = cli.invoke(app, ["label", "models"])
    assert "no sentiment version active: the shipped model labels" in r.stdout
    assert "* sentiment" not in r.stdout
    r = cli.invoke(app, ["label", "restore", "sentiment", "7"])
    assert r.exit_code == 2 and "no sentiment model version 7" in r.stderr
    r = cli.invoke(app, ["label", "set", "1", "--sentiment", "awful"])
    assert r.exit_code == 2
    r = cli.invoke(app, ["label", "refit", "--kind", "topics"])
    assert r.exit_code == 2 and "no taxonomy" in r.stderr


def test_label_subcommands_take_the_workspace_given_to_the_group(cli: CliRunner) -> None:
    """`hark label -w acme set ...` labels acme's mention: the group's -w holds for its
    subcommands (before, the subcommand's default workspace silently won)."""
    r = cli.invoke(
        app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment", "-w", "acme"]
    )
    assert r.exit_code == 0, r.output
    queue = json.loads(cli.invoke(app, ["label", "-w", "acme", "queue", "--json"]).stdout)
    random_pick = next(q for q in queue if q["pick"] == "random")
    picked = str(random_pick["mention_id"])
    r = cli.invoke(
        app, ["label", "-w", "acme", "set", picked, "--sentiment", "negative", "--pick", "random"]
    )
    assert r.exit_code == 0, r.output
    acme = json.loads(cli.invoke(app, ["label", "-w", "acme", "stats"]).stdout)
    assert acme["corrections"]["sentiment"] == {"random": 1}
    assert json.loads(cli.invoke(app, ["label", "stats"]).stdout)["corrections"] == {}
    # The subcommand's own -w wins over the group's.
    r = cli.invoke(app, ["label", "-w", "acme", "stats", "-w", "default"])
    assert json.loads(r.stdout)["corrections"] == {}
    # Another workspace does not hold acme's mention; under --json the error is the API's body.
    r = cli.invoke(app, ["label", "-w", "other", "set", "1", "--sentiment", "negative"])
    assert r.exit_code == 2 and "error [not_found]" in r.stderr
    r = cli.invoke(app, ["label", "-w", "other", "set", "1", "--sentiment", "negative", "--json"])
    assert r.exit_code == 2 and r.stdout == ""
    assert json.loads(r.stderr)["error"]["code"] == "not_found"
    for bad, said in (
        (["queue", "--limit", "0"], "greater than or equal to 1"),
        (
            ["set", "1", "--sentiment", "negative", "--pick", "x"],
            "pick must be random or uncertain",
        ),
    ):
        r = cli.invoke(app, ["label", "-w", "acme", *bad])
        assert r.exit_code == 2 and said in r.output, (bad, r.output)


def test_topics_are_corrected_by_number_in_a_session(cli: CliRunner) -> None:
    """[t] lists the taxonomy's topics numbered (the model's marked); "13" names the first
    and third, Enter keeps the model's, an unknown id is refused without ending the session,
    "-" means none."""
    r = cli.invoke(app, ["ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment"])
    assert r.exit_code == 0, r.output
    taxonomy = Path(__file__).parents[2] / "enrichment" / "catalogs" / "airline.taxonomy.yaml"
    r = cli.invoke(app, ["taxonomy", "set", str(taxonomy)])
    assert r.exit_code == 0, r.output
    keys = "t13\n" + "n" + "t\n" + "tnosuch\n" + "t-\n" + "p" + "q"
    r = cli.invoke(app, ["label", "--limit", "3"], input=keys)
    assert r.exit_code == 0, r.output
    assert "    1. Customer Service Issue (customer_service_issue)" in r.output
    assert "  topics: cancelled_flight, customer_service_issue" in r.output
    assert "not topics of this workspace's taxonomy: ['nosuch']" in r.output
    assert "  topics: none" in r.output
    assert "2 labelled" in r.output
    stats = json.loads(cli.invoke(app, ["label", "stats"]).stdout)
    assert sum(stats["corrections"]["topics"].values()) == 2


def test_a_labelling_session_can_be_piped(tmp_path: Path) -> None:
    """Keys on a pipe (no terminal): one character per answer, the input's end quits."""
    env = {**os.environ, "HARK_HOME": str(tmp_path / "home")}
    hark = [sys.executable, "-m", "cli"]
    ingest = [*hark, "ingest", str(AIRLINE_EXCERPT), "-m", "twitter-us-airline-sentiment"]
    subprocess.run(ingest, env=env, check=True, capture_output=True)
    done = subprocess.run(
        [*hark, "label", "--limit", "5"], input="npu", env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "3 labelled" in done.stdout and "-> positive" in done.stdout
