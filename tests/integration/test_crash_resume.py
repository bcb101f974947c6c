"""Kill an ingest mid-run (SIGKILL and Ctrl-C), re-run it, and get the same result as one
clean run: nothing lost, nothing doubled, index in sync."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import AIRLINE_EXCERPT

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _make_file(path: Path, copies: int) -> int:
    with AIRLINE_EXCERPT.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for n in range(copies):
            for r in rows:
                # New ids and a varied text, so every row needs its own embedding.
                writer.writerow(
                    {**r, "tweet_id": f"{r['tweet_id']}-{n}", "text": f"{r['text']} #{n}"}
                )
    return len({r["tweet_id"] for r in rows}) * copies


def _hark(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "HARK_HOME": str(home),
        "HARK_INGEST_BATCH_SIZE": "40",
        "HARK_EMBED_BATCH_SIZE": "16",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _counts(home: Path) -> tuple[int, int]:
    db = home / "hark.db"
    if not db.exists():
        return 0, 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            row = conn.execute("SELECT count(*), count(indexed_hash) FROM mentions").fetchone()
    except sqlite3.OperationalError:  # schema not created yet
        return 0, 0
    return int(row[0]), int(row[1])


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_interrupted_ingest_resumes_to_the_same_result(tmp_path: Path, sig: int) -> None:
    data = tmp_path / "tweets.csv"
    expected = _make_file(data, copies=4)
    home = tmp_path / "home"
    args = ("ingest", str(data), "-m", "twitter-us-airline-sentiment", "-w", "crash", "--json")

    proc = _hark(home, *args)
    deadline = time.monotonic() + 120
    while _counts(home)[1] < 60:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.1)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    stored, indexed = _counts(home)
    assert 0 < indexed < expected and stored < expected + 1

    rerun = _hark(home, *args)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    summary = json.loads(out)
    assert summary["inserted"] == expected - stored
    assert summary["unchanged"] == stored
    assert _counts(home) == (expected, expected - _dups(home))

    check = _hark(home, "check", "-w", "crash", "--json")
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, out + err
    report = json.loads(out)
    assert report["in_sync"] and report["sql"] == report["index"]


def _dups(home: Path) -> int:
    with sqlite3.connect(home / "hark.db") as conn:
        total = conn.execute("SELECT count(*) FROM mentions WHERE duplicate_of IS NOT NULL")
        return int(total.fetchone()[0])
