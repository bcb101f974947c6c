"""Days, weeks and months counted in a time zone, on real SQLite and PostgreSQL, and the
workspace's zone set over HTTP and the CLI.

Every bucket is checked three ways: against hand-placed mentions either side of a local
midnight (Los Angeles airline tweets, Berlin's DST days, Tehran's +03:30, Kathmandu's +05:45),
against ``count`` over the bucket's own span, and against the local dates Python gives a grid
of mentions a few minutes off every hour. PostgreSQL runs with the session zone in Tokyo: days
must follow the zone asked for, never the session's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from analytics import Bucket, Scope, Window, count, series, spikes
from analytics.scope import midnight
from ask.timewindows import read_time
from cli.workspace import app as workspace_cli
from hark.domain import MentionCreate
from hark.settings import Settings, get_settings
from ingestion.pipeline import ingest_mentions
from services.container import Container
from tests.helpers import api_auth, assert_error, throwaway_postgres

pytestmark = pytest.mark.integration

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
TEHRAN = ZoneInfo("Asia/Tehran")
KATHMANDU = ZoneInfo("Asia/Kathmandu")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(day: date, tz: tzinfo) -> datetime:
    return midnight(day, tz)


AIR = [  # 05:00 UTC on the 22nd is the 21st in Los Angeles (UTC-8)
    *[at("2015-02-22T05:00") + timedelta(minutes=i) for i in range(3)],
    at("2015-02-22T09:00"),
    at("2015-02-22T09:30"),
    at("2015-02-23T07:59:59"),  # the 22nd's last second there
    at("2015-02-23T08:00"),  # the 23rd's first
]
DST = [  # Berlin: CET (+1) to CEST (+2) on 29 March, back on 25 October 2015
    at("2015-03-28T22:59:59"),  # 28 March 23:59:59 CET
    at("2015-03-28T23:00"),  # 29 March 00:00 CET
    at("2015-03-29T21:59:59"),  # 29 March 23:59:59 CEST
    at("2015-03-29T22:00"),  # 30 March 00:00 CEST
    at("2015-10-24T21:59:59"),  # 24 October 23:59:59 CEST
    at("2015-10-24T22:00"),  # 25 October 00:00 CEST
    at("2015-10-25T22:59:59"),  # 25 October 23:59:59 CET
    at("2015-10-25T23:00"),  # 26 October 00:00 CET
]
HALF = [
    at("2015-02-10T20:29:59"),  # Tehran (+03:30): 10 February 23:59:59
    at("2015-02-10T20:30"),  # 11 February 00:00
    at("2015-02-12T18:14:59"),  # Kathmandu (+05:45): 12 February 23:59:59
    at("2015-02-12T18:15"),  # 13 February 00:00
]
# A mention every 97 minutes, seconds off, through both DST changes of Europe and the US.
GRID = [
    at("2015-03-01T00:00:07") + timedelta(minutes=97 * i)
    for i in range(int(timedelta(days=45) / timedelta(minutes=97)))
] + [
    at("2015-10-15T00:00:07") + timedelta(minutes=97 * i)
    for i in range(int(timedelta(days=25) / timedelta(minutes=97)))
]
GRID_ZONES = [
    UTC,
    LA,
    BERLIN,
    TEHRAN,
    KATHMANDU,
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
    ZoneInfo("America/St_Johns"),  # -03:30 / -02:30
    ZoneInfo("Pacific/Chatham"),  # +13:45 / +12:45
]


def spiky() -> list[datetime]:
    """Three mentions a day at noon UTC through February 2015, and twenty at 03:00 UTC on
    the 20th: the evening of the 19th in Los Angeles."""
    days = [
        at("2015-02-01T12:00") + timedelta(days=d, minutes=m) for d in range(28) for m in (0, 1, 2)
    ]
    return days + [at("2015-02-20T03:00") + timedelta(minutes=m) for m in range(20)]


def load(engine: Engine, workspace: str, times: list[datetime]) -> None:
    report = ingest_mentions(
        engine,
        workspace=workspace,
        mentions=[
            MentionCreate(
                external_id=f"{workspace}-{i}",
                source="tw",
                source_type="social",
                text=f"flight {i} of {workspace}: the crew said {i * 7919 % 10007}",
                author=f"user-{workspace}-{i}",
                created_at=t,
                language="en",
            )
            for i, t in enumerate(times)
        ],
    )
    assert not report.rejects and report.duplicates == 0


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("zones")
    with ExitStack() as stack:
        url = None
        if request.param == "postgres":
            url = stack.enter_context(throwaway_postgres("?options=-c%20TimeZone%3DAsia/Tokyo"))
        rt = Container(Settings(home=home, database_url=url, _env_file=None))
        stack.callback(rt.close)
        for workspace, times in (
            ("air", AIR),
            ("dst", DST),
            ("half", HALF),
            ("grid", GRID),
            ("spiky", spiky()),
        ):
            load(rt.engine, workspace, times)
        yield rt.engine


def totals(buckets: list[Bucket]) -> list[int]:
    return [b.total for b in buckets]


def test_airline_tweets_count_on_the_los_angeles_day(engine: Engine) -> None:
    scope = Scope("air")
    window = Window(local(date(2015, 2, 21), LA), local(date(2015, 2, 24), LA))
    days = series(engine, scope, window, "day", tz=LA)
    assert [b.day for b in days] == [date(2015, 2, d) for d in (21, 22, 23)]
    assert [b.start for b in days] == [at(f"2015-02-{d}T08:00") for d in (21, 22, 23)]
    assert totals(days) == [3, 3, 1]
    # The same mentions in UTC days: the five of the 22nd, and the two of the 23rd.
    utc_days = series(engine, scope, Window(at("2015-02-21T00:00"), at("2015-02-24T00:00")), "day")
    assert totals(utc_days) == [0, 5, 2]
    # "22 February" read for a Los Angeles workspace counts the same three.
    feb22 = read_time("how many tweets on 22 February?", at("2015-02-24T11:00"), tz=LA).window
    assert feb22 is not None and count(engine, scope, feb22) == 3
    named = read_time("tweets on 21 February, Pacific time", at("2015-02-24T11:00")).window
    assert named is not None and count(engine, scope, named) == 3


def test_a_dst_week_buckets_at_local_midnights(engine: Engine) -> None:
    scope = Scope("dst")
    window = Window(local(date(2015, 3, 23), BERLIN), local(date(2015, 4, 6), BERLIN))
    weeks = series(engine, scope, window, "week", tz=BERLIN)
    assert [(b.start, b.end) for b in weeks] == [
        (at("2015-03-22T23:00"), at("2015-03-29T22:00")),  # 7 days less the skipped hour
        (at("2015-03-29T22:00"), at("2015-04-05T22:00")),
    ]
    assert totals(weeks) == [3, 1]
    days = series(engine, scope, window, "day", tz=BERLIN)
    assert len(days) == 14 and days[6].day == date(2015, 3, 29)
    assert days[6].end - days[6].start == timedelta(hours=23)
    assert totals(days)[5:8] == [1, 2, 1]
    autumn = Window(local(date(2015, 10, 24), BERLIN), local(date(2015, 10, 27), BERLIN))
    days = series(engine, scope, autumn, "day", tz=BERLIN)
    assert [b.end - b.start for b in days] == [timedelta(hours=h) for h in (24, 25, 24)]
    assert totals(days) == [1, 2, 1]


def test_half_and_quarter_hour_zones_are_exact(engine: Engine) -> None:
    scope = Scope("half")
    window = Window(at("2015-02-09T00:00"), at("2015-02-14T00:00"))
    tehran = {b.day: b.total for b in series(engine, scope, window, "day", tz=TEHRAN)}
    assert (tehran[date(2015, 2, 10)], tehran[date(2015, 2, 11)]) == (1, 1)
    kathmandu = {b.day: b.total for b in series(engine, scope, window, "day", tz=KATHMANDU)}
    assert (kathmandu[date(2015, 2, 12)], kathmandu[date(2015, 2, 13)]) == (1, 1)


def test_month_buckets_begin_on_the_first_at_local_midnight(engine: Engine) -> None:
    scope = Scope("grid")
    window = Window(at("2015-03-10T00:00"), at("2015-04-20T00:00"))
    months = series(engine, scope, window, "month", tz=LA)
    assert [(b.day, b.start, b.end) for b in months] == [
        (date(2015, 3, 1), window.start, at("2015-04-01T07:00")),  # cut to the window; PDT
        (date(2015, 4, 1), at("2015-04-01T07:00"), window.end),
    ]
    assert totals(months) == [count(engine, scope, b) for b in months]
    assert sum(totals(months)) == count(engine, scope, window)


@pytest.mark.parametrize("tz", GRID_ZONES, ids=str)
@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_every_bucket_is_its_own_exact_count(engine: Engine, tz: tzinfo, granularity: str) -> None:
    scope = Scope("grid")
    for window in (
        Window(at("2015-03-01T00:00"), at("2015-04-16T00:00")),
        Window(at("2015-10-14T13:00"), at("2015-11-10T00:00")),
    ):
        buckets = series(engine, scope, window, granularity, tz=tz)  # type: ignore[arg-type]
        for b in buckets:
            want = sum(b.start <= t < b.end for t in GRID)
            assert b.total == want == count(engine, scope, b), (b.day, b.start, b.end)
            assert b.start.astimezone(tz).date() == b.day or b.start == window.start
        assert buckets[0].start == window.start and buckets[-1].end == window.end
        assert all(a.end == b.start for a, b in pairwise(buckets))
    # The local day of every grid mention, the Python way, against the SQL days.
    window = Window(at("2015-03-02T00:00"), at("2015-04-14T00:00"))
    if granularity == "day":
        sql = {b.day: b.total for b in series(engine, scope, window, "day", tz=tz) if b.total}
        python: dict[date, int] = {}
        for t in GRID:
            if window.start <= t < window.end:
                d = t.astimezone(tz).date()
                python[d] = python.get(d, 0) + 1
        assert sql == python


def test_spikes_fall_on_the_local_day(engine: Engine) -> None:
    scope = Scope("spiky")
    window = Window(at("2015-02-15T00:00"), at("2015-02-25T00:00"))
    in_utc = spikes(engine, scope, window)
    in_la = spikes(engine, scope, window, tz=LA)
    assert [(s.day, s.count) for s in in_utc] == [(date(2015, 2, 20), 23)]
    assert [(s.day, s.count) for s in in_la] == [(date(2015, 2, 19), 23)]


# --- the workspace's zone over HTTP and the CLI ---


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def test_workspace_timezone_round_trip(api: TestClient, rt: Container) -> None:
    acme, other = api_auth(rt, "acme"), api_auth(rt, "other")
    got = api.get("/v1/workspace/settings", headers=acme)
    assert got.status_code == 200
    assert got.json() == {
        "workspace": "acme",
        "timezone": "UTC",
        "timezone_source": "setting",
        "reply_tone": None,
        "reply_signature": None,
    }
    put = api.put("/v1/workspace/settings", json={"timezone": "america/los_angeles"}, headers=acme)
    assert put.status_code == 200, put.text
    assert put.json()["timezone"] == "America/Los_Angeles"
    got = api.get("/v1/workspace/settings", headers=acme).json()
    assert (got["timezone"], got["timezone_source"]) == ("America/Los_Angeles", "workspace")
    assert rt.workspace_settings.timezone("acme") == LA
    # Another workspace keeps the service's setting.
    assert api.get("/v1/workspace/settings", headers=other).json()["timezone"] == "UTC"
    assert rt.workspace_settings.timezone("other") == ZoneInfo("UTC")
    # null goes back to HARK_TIMEZONE.
    reset = api.put("/v1/workspace/settings", json={"timezone": None}, headers=acme).json()
    assert (reset["timezone"], reset["timezone_source"]) == ("UTC", "setting")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "../../etc/passwd", "", "PST"])
def test_a_bad_zone_is_a_422_in_the_error_shape(api: TestClient, rt: Container, zone: str) -> None:
    headers = api_auth(rt, "acme")
    r = api.put("/v1/workspace/settings", json={"timezone": zone}, headers=headers)
    error = assert_error(r, 422, "validation_error")
    assert "time zone" in error["message"]
    assert api.get("/v1/workspace/settings", headers=headers).json()["timezone"] == "UTC"


def test_the_body_is_checked_and_a_key_is_needed(api: TestClient, rt: Container) -> None:
    headers = api_auth(rt, "acme")
    r = api.put("/v1/workspace/settings", json={"timezone": "UTC", "x": 1}, headers=headers)
    assert_error(r, 422, "validation_error")
    r = api.put("/v1/workspace/settings", json={"timezone": "A" * 65}, headers=headers)
    assert_error(r, 422, "validation_error")
    assert_error(api.get("/v1/workspace/settings"), 401, "unauthorized")


def test_the_cli_shows_and_sets_the_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HARK_TIMEZONE", "Asia/Almaty")
    get_settings.cache_clear()
    try:
        cli = CliRunner()
        hark = typer.Typer()  # as cli.main mounts it
        hark.add_typer(workspace_cli, name="workspace")
        r = cli.invoke(hark, ["workspace", "timezone", "-w", "acme"])
        assert r.exit_code == 0 and r.stdout.strip() == "Asia/Almaty (HARK_TIMEZONE)"
        r = cli.invoke(hark, ["workspace", "timezone", "Europe/Berlin", "-w", "acme"])
        assert r.exit_code == 0 and r.stdout.strip() == "Europe/Berlin", r.output
        r = cli.invoke(hark, ["workspace", "timezone", "-w", "acme", "--json"])
        assert '"source": "workspace"' in r.stdout
        r = cli.invoke(hark, ["workspace", "timezone", "Mars/Olympus", "-w", "acme"])
        assert r.exit_code == 2 and "error [validation_error]" in r.stderr
        r = cli.invoke(hark, ["workspace", "timezone", "--reset", "-w", "acme"])
        assert r.exit_code == 0 and r.stdout.strip() == "Asia/Almaty (HARK_TIMEZONE)"
    finally:
        get_settings.cache_clear()
