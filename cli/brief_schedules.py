"""``hark brief schedule``: brief schedules (add, list, enable, disable, remove, run now);
``hark brief deliver`` and ``hark brief deliveries``: send a stored brief, read the log.

Recipients are written CHANNEL:TARGET: ``email:ops@example.com``,
``slack:https://hooks.slack.com/services/...``, ``webhook:https://example.com/hook``,
``telegram:-1001234567890``. Slack and webhook URLs are shown masked (they hold keys).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

if TYPE_CHECKING:
    from briefs.delivery import Recipient
    from services.brief_schedules import BriefScheduleService, Delivery, Schedule

schedules_app = typer.Typer(
    help="Schedules that make a brief at fixed times and send it (e-mail, Slack, webhook, "
    "Telegram).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ToOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--to",
        help="A recipient, CHANNEL:TARGET (email:ops@example.com, slack:URL, webhook:URL, "
        "telegram:CHAT_ID); repeat for more.",
    ),
]
IdArg = Annotated[int, typer.Argument(min=1, help="The schedule's id (hark brief schedule list).")]


def _service(ctx: typer.Context) -> BriefScheduleService:
    return container(ctx).brief_schedules


def _recipients(given: list[str] | None) -> list[Recipient]:
    from briefs.delivery import parse_recipient

    out = []
    for text in given or []:
        try:
            out.append(parse_recipient(text))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--to") from None
    return out


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"


def _show_schedule(s: Schedule) -> None:
    state = "enabled" if s.enabled else "disabled"
    typer.echo(f"{s.id:>4}  {s.name}  [{s.cron}] {s.timezone}  period {s.period}  {state}")
    typer.echo(f"      next {_when(s.next_run)}  last {_when(s.last_run)}", nl=False)
    typer.echo(f"  brief {s.last_brief_id}" if s.last_brief_id else "")
    for r in s.recipients:
        typer.echo(f"      -> {r['channel']}:{r['target']}")
    if s.last_error:
        typer.echo(f"      last error: {s.last_error}")


def _show_delivery(d: Delivery) -> None:
    retry = f", next attempt {_when(d.next_attempt_at)}" if d.status == "pending" else ""
    typer.echo(
        f"{d.id:>5}  brief {d.brief_id}  {d.channel}:{d.target}  {d.status} "
        f"after {d.attempts} attempt{'s' if d.attempts != 1 else ''}{retry}"
    )
    for a in d.attempt_log:
        if a.finished_at is None:
            what = "cut short"
        else:
            what = "ok" if a.ok else f"failed: {a.error or '?'}"
        code = f" [{a.code}]" if a.code is not None else ""
        typer.echo(f"        #{a.number} {_when(a.started_at)}{code} {what}")


def _report(deliveries: list[Delivery], as_json: bool) -> None:
    """Print deliveries; exit 1 when one failed for good."""
    if as_json:
        print_json([asdict(d) for d in deliveries])
    else:
        for d in deliveries:
            _show_delivery(d)
    if any(d.status == "failed" for d in deliveries):
        raise typer.Exit(1)


@schedules_app.command("add")
@handles_errors
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name, unique in the workspace.")],
    cron: Annotated[
        str,
        typer.Option(
            help="minute hour day-of-month month day-of-week, e.g. '0 9 * * MON' (Mondays "
            "09:00), or @daily, @weekly, ..."
        ),
    ],
    to: ToOpt = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone of the cron times; default: the workspace's.")
    ] = None,
    period: Annotated[
        str,
        typer.Option(
            help="week (the last whole week before the run), day (the day before) or Nd "
            "(the N days before)."
        ),
    ] = "week",
    language: Annotated[str, typer.Option("--language", "-l")] = "en",
    brand: Annotated[str | None, typer.Option(help="The brand the brief is for.")] = None,
    brands: Annotated[
        list[str] | None, typer.Option("--only-brand", help="Only mentions of this brand.")
    ] = None,
    sources: Annotated[list[str] | None, typer.Option("--source")] = None,
    locations: Annotated[list[str] | None, typer.Option("--location")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a schedule: at each fire time a brief of the period just ended is made, kept and
    sent to the recipients."""
    assert workspace is not None
    recipients = _recipients(to)
    made = _service(ctx).create(
        workspace,
        name=name,
        cron=cron,
        timezone=timezone,
        language=language,
        filters={
            "brand": brand,
            "brands": brands or [],
            "sources": sources or [],
            "locations": locations or [],
        },
        period=period,
        recipients=recipients,
        enabled=not disabled,
    )
    if as_json:
        print_json(asdict(made))
        return
    _show_schedule(made)


@schedules_app.command("list")
@handles_errors
def list_schedules(
    ctx: typer.Context, workspace: WorkspaceOpt = None, as_json: JsonOpt = False
) -> None:
    """The workspace's schedules with their next and last runs."""
    assert workspace is not None
    found = _service(ctx).listing(workspace)
    if as_json:
        print_json([asdict(s) for s in found])
        return
    if not found:
        typer.echo("no schedules: add one with `hark brief schedule add NAME --cron ...`")
    for s in found:
        _show_schedule(s)


def _set_enabled(ctx: typer.Context, workspace: str | None, schedule_id: int, on: bool) -> None:
    assert workspace is not None
    _show_schedule(_service(ctx).update(workspace, schedule_id, {"enabled": on}))


@schedules_app.command("enable")
@handles_errors
def enable(ctx: typer.Context, schedule_id: IdArg, workspace: WorkspaceOpt = None) -> None:
    """Switch a schedule on (fire times missed while it was off are not caught up)."""
    _set_enabled(ctx, workspace, schedule_id, True)


@schedules_app.command("disable")
@handles_errors
def disable(ctx: typer.Context, schedule_id: IdArg, workspace: WorkspaceOpt = None) -> None:
    """Switch a schedule off."""
    _set_enabled(ctx, workspace, schedule_id, False)


@schedules_app.command("remove")
@handles_errors
def remove(ctx: typer.Context, schedule_id: IdArg, workspace: WorkspaceOpt = None) -> None:
    """Remove a schedule; the briefs it made and their deliveries stay."""
    assert workspace is not None
    _service(ctx).delete(workspace, schedule_id)
    typer.echo(f"removed schedule {schedule_id}")


@schedules_app.command("run")
@handles_errors
def run(
    ctx: typer.Context, schedule_id: IdArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False
) -> None:
    """Make the schedule's brief now and send it (its fire times are untouched). Exits 1
    when a delivery failed for good."""
    assert workspace is not None
    result = _service(ctx).run_now(workspace, schedule_id)
    if not as_json:
        typer.echo(f"brief {result.brief_id}: {result.headline}")
    _report(result.deliveries, as_json)


# `deliver` and `deliveries` are mounted on `hark brief` itself: they are about briefs,
# scheduled or not.
@handles_errors
def deliver(
    ctx: typer.Context,
    brief_id: Annotated[int, typer.Argument(min=1, help="The brief's id (hark brief list).")],
    to: ToOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a stored brief to recipients now. Failures that may pass are retried by the
    scheduler (`hark serve`); exits 1 when a delivery failed for good."""
    assert workspace is not None
    recipients = _recipients(to)
    if not recipients:
        raise typer.BadParameter("give at least one --to CHANNEL:TARGET", param_hint="--to")
    _report(_service(ctx).deliver(workspace, brief_id, recipients), as_json)


@handles_errors
def deliveries(
    ctx: typer.Context,
    brief_id: Annotated[int | None, typer.Option("--brief", min=1, help="Only this brief.")] = None,
    status: Annotated[str | None, typer.Option(help="pending, sent or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The delivery log, newest first, with every attempt."""
    assert workspace is not None
    found = _service(ctx).deliveries(workspace, brief_id=brief_id, status=status, limit=limit)
    if as_json:
        print_json([asdict(d) for d in found])
        return
    if not found:
        typer.echo("no deliveries")
    for d in found:
        _show_delivery(d)
