"""Brief schedules and delivery: a workspace's schedules (cron, zone, period, recipients),
running the due ones once per fire time, sending briefs to their recipients, and retrying
failed deliveries.

Fire times: ``run_due(now)`` runs a schedule when its latest fire time up to ``now`` is later
than the one it last handled (``last_run``) and than ``not_before`` (its creation, a change of
its timing, or being enabled again). After downtime that spans several fire times it runs
once, for the latest: a brief per missed week helps nobody. The fire time is claimed in the
database before the brief is made (a conditional UPDATE), so two schedulers, in one process
or two, never run it twice; the price is that a crash while the brief is being made loses
that one brief (its deliveries, once written, are never lost).

Periods: "week" (Monday to Sunday, the last whole week before the fire time, in the
schedule's zone), "day" (the day before), or "<N>d" (the N whole days before).

Deliveries: each one is written as pending, with its first attempt, before anything is sent;
each attempt is kept. Failures that may pass are retried with growing waits
(``briefs.delivery.next_attempt``) by ``retry_due``, which also picks up deliveries whose
sender died mid-attempt once their lease has passed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Engine

from briefs.cron import Cron, CronError, parse
from briefs.delivery import (
    MAX_RECIPIENTS,
    Outcome,
    Recipient,
    Sender,
    channel_problem,
    lease_s,
    mask_target,
    next_attempt,
)
from briefs.model import BriefFilters
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings, canonical_timezone
from hark.storable import check_text
from services.briefs import MAX_PERIOD_DAYS, BriefService, days_before
from store import brief_deliveries as delivery_store
from store import brief_schedules as schedule_store

if TYPE_CHECKING:
    from ask.plan import PlanWindow
    from briefs.model import Brief
    from briefs.scheduler import Scheduler

log = logging.getLogger("hark.schedules")

PERIOD = re.compile(r"week|day|([1-9][0-9]{0,2})d")
MAX_NAME = 128
MAX_DELIVERIES = 200
DUE_BATCH = 100
SETTABLE = frozenset(
    {"name", "cron", "timezone", "language", "filters", "period", "recipients", "enabled"}
)
# A change to any of these makes earlier fire times not worth catching up.
TIMING = ("cron", "timezone")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Schedule:
    id: int
    name: str
    cron: str
    timezone: str
    language: str
    period: str
    filters: dict[str, Any]
    recipients: list[dict[str, str]]  # targets masked
    enabled: bool
    last_run: datetime | None
    next_run: datetime | None
    last_brief_id: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Attempt:
    number: int
    started_at: datetime
    finished_at: datetime | None  # None: cut short (the sender died)
    ok: bool | None
    code: int | None
    error: str | None


@dataclass(frozen=True)
class Delivery:
    id: int
    brief_id: int
    schedule_id: int | None
    channel: str
    target: str  # masked
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    attempt_log: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True)
class RunResult:
    schedule_id: int
    fire_time: datetime | None  # None: run by hand
    brief_id: int | None
    headline: str | None
    deliveries: list[Delivery]
    error: str | None = None


def schedule_window(period: str, fire: datetime, tz: tzinfo) -> PlanWindow:
    """The period a brief made at ``fire`` covers: it ends before the fire time, at a
    midnight in ``tz``."""
    local = fire.astimezone(tz).date()
    if period == "week":
        monday = local - timedelta(days=local.weekday())
        return days_before(_noon(monday, tz), tz, 7)
    days = 1 if period == "day" else int(period[:-1])
    return days_before(fire, tz, days)


def _noon(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(12), tzinfo=tz)


def _invalid(message: str) -> HarkError:
    return HarkError(ErrorCode.VALIDATION, message)


class BriefScheduleService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        briefs: BriefService,
        *,
        timezone: Callable[[str], tzinfo] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """``timezone``: a workspace's zone, the default of its schedules (else
        HARK_TIMEZONE); ``clock``: "now" wherever a method is not given one."""
        self.settings = settings
        self._engine = engine
        self._briefs = briefs
        self._timezone = timezone
        self._clock = clock
        self.sender = Sender(settings)

    # --- schedules -----------------------------------------------------------------

    def create(
        self,
        workspace: str,
        *,
        name: str,
        cron: str,
        timezone: str | None = None,
        language: str = "en",
        filters: BriefFilters | Mapping[str, Any] | None = None,
        period: str = "week",
        recipients: Sequence[Recipient] = (),
        enabled: bool = True,
    ) -> Schedule:
        """A new schedule; its first run is its first fire time from now on."""
        if timezone is None:
            zone = self._timezone(workspace) if self._timezone else self.settings.zone()
            timezone = getattr(zone, "key", None) or self.settings.timezone
        values = self._validated(
            {
                "name": name,
                "cron": cron,
                "timezone": timezone,
                "language": language,
                "filters": filters,
                "period": period,
                "recipients": recipients,
                "enabled": enabled,
            }
        )
        now = self._clock()
        values["not_before"] = now
        with self._engine().begin() as conn:
            if schedule_store.name_taken(
                conn, workspace=workspace, name=values["name"], other_than=None
            ):
                raise _invalid(f"a schedule named {values['name']!r} exists in this workspace")
            schedule_id = schedule_store.insert_schedule(
                conn, workspace=workspace, values=values, now=now
            )
        return self.get(workspace, schedule_id)

    def update(self, workspace: str, schedule_id: int, changes: Mapping[str, Any]) -> Schedule:
        """Change some fields (the others stay); ``recipients`` are replaced as a whole.
        Fire times before a change of cron or zone, or before being enabled again, are not
        caught up."""
        unknown = set(changes) - SETTABLE
        if unknown:
            raise _invalid(f"cannot change {', '.join(sorted(unknown))}")
        row = self._row(workspace, schedule_id)
        current = {
            "name": row.name,
            "cron": row.cron,
            "timezone": row.timezone,
            "language": row.language,
            "filters": row.filters,
            "period": row.period,
            "recipients": [Recipient.model_validate(r) for r in row.recipients],
            "enabled": row.enabled,
        }
        values = self._validated({**current, **changes})
        now = self._clock()
        retimed = any(values[k] != getattr(row, k) for k in TIMING)
        if retimed or (values["enabled"] and not row.enabled):
            values["not_before"] = now
        with self._engine().begin() as conn:
            if schedule_store.name_taken(
                conn, workspace=workspace, name=values["name"], other_than=schedule_id
            ):
                raise _invalid(f"a schedule named {values['name']!r} exists in this workspace")
            schedule_store.update_schedule(
                conn, workspace=workspace, schedule_id=schedule_id, values=values, now=now
            )
        return self.get(workspace, schedule_id)

    def delete(self, workspace: str, schedule_id: int) -> None:
        """Remove a schedule; the briefs it made and their deliveries stay."""
        with self._engine().begin() as conn:
            if not schedule_store.delete_schedule(
                conn, workspace=workspace, schedule_id=schedule_id
            ):
                raise HarkError(ErrorCode.NOT_FOUND, f"no schedule {schedule_id} in this workspace")

    def get(self, workspace: str, schedule_id: int) -> Schedule:
        return _schedule(self._row(workspace, schedule_id))

    def listing(self, workspace: str) -> list[Schedule]:
        with self._engine().connect() as conn:
            rows = schedule_store.listing(conn, workspace=workspace)
        return [_schedule(r) for r in rows]

    def _row(self, workspace: str, schedule_id: int) -> Any:
        with self._engine().connect() as conn:
            row = schedule_store.get(conn, workspace=workspace, schedule_id=schedule_id)
        if row is None:
            raise HarkError(ErrorCode.NOT_FOUND, f"no schedule {schedule_id} in this workspace")
        return row

    def _validated(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The values to store, each checked; a validation error names what is wrong."""
        name = str(spec["name"]).strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise _invalid(f"a schedule's name has 1 to {MAX_NAME} characters")
        try:
            check_text(name)
        except ValueError as exc:
            raise _invalid(f"name: {exc}") from None
        try:
            cron = parse(str(spec["cron"])).text
        except CronError as exc:
            raise _invalid(f"cron: {exc}") from None
        try:
            zone = canonical_timezone(str(spec["timezone"]))
        except ValueError as exc:
            raise _invalid(str(exc)) from None
        language = spec["language"]
        if language not in self.settings.languages:
            raise _invalid(
                f"language {language!r} is not one of HARK_LANGUAGES "
                f"({', '.join(self.settings.languages)})"
            )
        period = str(spec["period"])
        match = PERIOD.fullmatch(period)
        if match is None or (match.group(1) and int(match.group(1)) > MAX_PERIOD_DAYS):
            raise _invalid(
                f"period {period[:40]!r}: 'week' (the last whole week), 'day' (the day "
                f"before) or '<N>d' (the N days before, N up to {MAX_PERIOD_DAYS})"
            )
        filters = spec["filters"]
        try:
            if not isinstance(filters, BriefFilters):
                filters = BriefFilters.model_validate(filters or {})
        except ValidationError as exc:
            raise _invalid(f"filters: {exc.errors()[0]['msg']}") from None
        recipients = self._recipients(spec["recipients"])
        if not isinstance(spec["enabled"], bool):
            raise _invalid("enabled is true or false")
        return {
            "name": name,
            "cron": cron,
            "timezone": zone,
            "language": language,
            "period": period,
            "filters": filters.model_dump(mode="json"),
            "recipients": [r.model_dump() for r in recipients],
            "enabled": spec["enabled"],
        }

    def _recipients(self, given: Sequence[Recipient | Mapping[str, Any]]) -> list[Recipient]:
        if len(given) > MAX_RECIPIENTS:
            raise _invalid(f"at most {MAX_RECIPIENTS} recipients")
        out: list[Recipient] = []
        for i, item in enumerate(given, 1):
            try:
                recipient = item if isinstance(item, Recipient) else Recipient.model_validate(item)
            except ValidationError as exc:
                message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
                raise _invalid(f"recipient {i}: {message}") from None
            problem = channel_problem(recipient.channel, self.settings)
            if problem is not None:
                raise _invalid(f"recipient {i} ({recipient.channel}): {problem}")
            if recipient not in out:
                out.append(recipient)
        return out

    # --- running -------------------------------------------------------------------

    def run_due(self, now: datetime | None = None) -> list[RunResult]:
        """Run every enabled schedule that is due at ``now``, once each (see the module's
        doc for catch-up and claims)."""
        now = now or self._clock()
        with self._engine().connect() as conn:
            rows = schedule_store.enabled(conn)
        results = []
        for row in rows:
            try:
                fire = _due_fire(row, now)
                if fire is None:
                    continue
                with self._engine().begin() as conn:
                    claimed = schedule_store.claim(
                        conn, schedule_id=row.id, last_run=row.last_run, fire=fire
                    )
                if not claimed:
                    log.info("schedule %s: fire time %s taken by another run", row.id, fire)
                    continue
                results.append(self._run(row, fire))
            except Exception:
                log.exception("schedule %s of %s failed", row.id, row.workspace)
        return results

    def run_now(self, workspace: str, schedule_id: int) -> RunResult:
        """Make the schedule's brief as if it fired now, and deliver it. Its fire times are
        untouched: the next scheduled run happens as planned."""
        return self._run(self._row(workspace, schedule_id), None, reraise=True)

    def _run(self, row: Any, fire: datetime | None, *, reraise: bool = False) -> RunResult:
        """Make the brief of ``fire`` (None: now) and deliver it. A brief that cannot be made
        is recorded on the schedule (``last_error``), and raised again with ``reraise``."""
        at = fire or self._clock()
        try:
            window = schedule_window(row.period, at, ZoneInfo(row.timezone))
            brief = self._briefs.make(
                row.workspace,
                period=window,
                language=row.language,
                filters=BriefFilters.model_validate(row.filters),
                schedule_id=row.id,
            )
        except Exception as exc:
            error = exc.message if isinstance(exc, HarkError) else f"{type(exc).__name__}"
            log.exception("schedule %s: the brief for %s could not be made", row.id, at)
            with self._engine().begin() as conn:
                schedule_store.record_run(conn, schedule_id=row.id, brief_id=None, error=error)
            if reraise:
                raise
            return RunResult(row.id, fire, None, None, [], error)
        assert brief.id is not None
        with self._engine().begin() as conn:
            schedule_store.record_run(conn, schedule_id=row.id, brief_id=brief.id, error=None)
        recipients = [Recipient.model_validate(r) for r in row.recipients]
        deliveries = self._deliver(brief, recipients, schedule_id=row.id)
        log.info(
            "schedule %s: brief %s for %s, %d deliveries", row.id, brief.id, at, len(deliveries)
        )
        return RunResult(row.id, fire, brief.id, brief.headline, deliveries)

    # --- delivery ------------------------------------------------------------------

    def deliver(
        self, workspace: str, brief_id: int, recipients: Sequence[Recipient | Mapping[str, Any]]
    ) -> list[Delivery]:
        """Send a stored brief to ``recipients`` now: each delivery as it stands after its
        first attempt (sent, pending a retry, or failed)."""
        checked = self._recipients(recipients)
        if not checked:
            raise _invalid("give at least one recipient")
        brief = self._briefs.get(workspace, brief_id)
        return self._deliver(brief, checked, schedule_id=brief.schedule)

    def _deliver(
        self, brief: Brief, recipients: Sequence[Recipient], *, schedule_id: int | None
    ) -> list[Delivery]:
        assert brief.id is not None
        out = []
        for recipient in recipients:
            now = self._clock()
            with self._engine().begin() as conn:
                # Written before the attempt: a crash from here on leaves a pending row that
                # retry_due takes up when the lease ends.
                delivery_id = delivery_store.create(
                    conn,
                    workspace=brief.workspace,
                    brief_id=brief.id,
                    schedule_id=schedule_id,
                    channel=recipient.channel,
                    target=recipient.target,
                    now=now,
                    lease_until=now + timedelta(seconds=lease_s(self.settings)),
                )
            self._attempt(delivery_id, 1, recipient, brief)
            out.append(self._delivery(delivery_id))
        return out

    def retry_due(self, now: datetime | None = None) -> list[Delivery]:
        """Make the next attempt of every pending delivery that is due at ``now``
        (a retry, or one whose sender died mid-attempt)."""
        now = now or self._clock()
        with self._engine().connect() as conn:
            rows = delivery_store.due(conn, now=now, limit=DUE_BATCH)
        out = []
        for row in rows:
            try:
                if row.attempts >= self.settings.delivery_max_attempts:
                    # Its last attempt was cut short (the sender stopped) and none are left.
                    cut = Outcome(ok=False, error="the last attempt was cut short; none left")
                    self._finish(int(row.id), int(row.attempts), cut)
                    out.append(self._delivery(int(row.id)))
                    continue
                started = self._clock()
                with self._engine().begin() as conn:
                    number = delivery_store.claim(
                        conn,
                        row=row,
                        now=started,
                        lease_until=started + timedelta(seconds=lease_s(self.settings)),
                    )
                if number is None:
                    continue  # another loop took it
                # Checked when it was written; not checked again, so a stricter check in a
                # newer Hark cannot leave a claimed delivery without an outcome.
                recipient = Recipient.model_construct(channel=row.channel, target=row.target)
                try:
                    brief = self._briefs.get(row.workspace, int(row.brief_id))
                except HarkError as exc:
                    self._finish(row.id, number, Outcome(ok=False, error=exc.message))
                else:
                    self._attempt(int(row.id), number, recipient, brief)
                out.append(self._delivery(int(row.id)))
            except Exception:
                log.exception("delivery %s: the retry failed", row.id)
        return out

    def _attempt(self, delivery_id: int, number: int, recipient: Recipient, brief: Brief) -> None:
        outcome = self.sender.send(recipient, brief, delivery_id=delivery_id)
        status = self._finish(delivery_id, number, outcome)
        level = logging.INFO if outcome.ok else logging.WARNING
        log.log(
            level,
            "delivery %s (brief %s, %s %s) attempt %s: %s%s",
            delivery_id,
            brief.id,
            recipient.channel,
            recipient.masked(),
            number,
            status,
            f" ({outcome.error})" if outcome.error else "",
        )

    def _finish(self, delivery_id: int, number: int, outcome: Outcome) -> str:
        now = self._clock()
        retry_at = next_attempt(outcome, number, self.settings, now)
        status = (
            delivery_store.SENT
            if outcome.ok
            else (delivery_store.PENDING if retry_at is not None else delivery_store.FAILED)
        )
        with self._engine().begin() as conn:
            delivery_store.finish(
                conn,
                delivery_id=delivery_id,
                number=number,
                now=now,
                ok=outcome.ok,
                code=outcome.code,
                error=outcome.error,
                status=status,
                next_attempt_at=retry_at,
            )
        return status

    def deliveries(
        self,
        workspace: str,
        *,
        brief_id: int | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[Delivery]:
        """The workspace's deliveries, newest first, each with its attempts."""
        if status is not None and status not in delivery_store.STATUSES:
            raise _invalid(f"status is one of {', '.join(delivery_store.STATUSES)}")
        limit = max(1, min(limit, MAX_DELIVERIES))
        with self._engine().connect() as conn:
            rows = delivery_store.listing(
                conn, workspace=workspace, brief_id=brief_id, status=status, limit=limit
            )
            attempts = delivery_store.attempts(conn, [int(r.id) for r in rows])
        return [_delivery(r, attempts[int(r.id)]) for r in rows]

    def _delivery(self, delivery_id: int) -> Delivery:
        with self._engine().connect() as conn:
            row = delivery_store.get(conn, delivery_id=delivery_id)
            attempts = delivery_store.attempts(conn, [delivery_id])
        return _delivery(row, attempts[delivery_id])

    def scheduler(self) -> Scheduler:
        """The in-process loop over ``run_due`` and ``retry_due`` (start it, stop it)."""
        from briefs.scheduler import Scheduler

        return Scheduler(
            [("schedules", self.run_due), ("deliveries", self.retry_due)],
            self.settings.scheduler_interval_s,
            clock=self._clock,
        )


def _due_fire(row: Any, now: datetime) -> datetime | None:
    """The fire time ``row`` should run for at ``now``: its latest one after both the last
    handled and ``not_before`` (None: not due)."""
    cron: Cron = parse(row.cron)
    since = max(row.not_before, row.last_run) if row.last_run else row.not_before
    return cron.latest_between(since, now, ZoneInfo(row.timezone))


def _schedule(row: Any) -> Schedule:
    since = max(row.not_before, row.last_run) if row.last_run else row.not_before
    try:
        next_run = parse(row.cron).next_after(since, ZoneInfo(row.timezone))
    except (CronError, KeyError):
        next_run = None
    return Schedule(
        id=row.id,
        name=row.name,
        cron=row.cron,
        timezone=row.timezone,
        language=row.language,
        period=row.period,
        filters=row.filters,
        recipients=[
            {"channel": r["channel"], "target": mask_target(r["channel"], r["target"])}
            for r in row.recipients
        ],
        enabled=row.enabled,
        last_run=row.last_run,
        next_run=next_run if row.enabled else None,
        last_brief_id=row.last_brief_id,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _delivery(row: Any, attempts: Sequence[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        brief_id=row.brief_id,
        schedule_id=row.schedule_id,
        channel=row.channel,
        target=mask_target(row.channel, row.target),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
        attempt_log=[
            Attempt(
                number=a.number,
                started_at=a.started_at,
                finished_at=a.finished_at,
                ok=a.ok,
                code=a.code,
                error=a.error,
            )
            for a in attempts
        ],
    )
