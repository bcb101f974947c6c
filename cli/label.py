"""``hark label``: correct labels in a terminal, one key per answer, from the queue of what the
model is least sure of; refit the workspace's models from the corrections; restore a version.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json
from hark.errors import HarkError

if TYPE_CHECKING:
    from services.labels import LabelService, QueueItem

app = typer.Typer(
    help="Correct labels (interactive without a subcommand), refit, restore.",
    rich_markup_mode=None,
    invoke_without_command=True,
)

KEYS = {"n": "negative", "1": "negative", "u": "neutral", "2": "neutral", "p": "positive"}
KEYS["3"] = "positive"
HELP = (
    "  [n]egative [u] neutral [p]ositive   [enter] the model is right   "
    "[t]opics (by number) [b]rand [s]kip [q]uit"
)


def _read_key() -> str:
    """One key: from the terminal without Enter, or the next character of piped input (so
    a session can be scripted); the end of the input quits."""
    if sys.stdin.isatty():
        return typer.getchar().lower()
    return (sys.stdin.read(1) or "q").lower()


def _probs(p: dict[str, float] | None) -> str:
    if not p:
        return "no model probabilities"
    return " · ".join(f"{k} {v:.0%}" for k, v in sorted(p.items(), key=lambda kv: -kv[1]))


def _show(item: QueueItem, at: int, total: int) -> None:
    when = item.created_at.date().isoformat() if item.created_at else "no date"
    pick = "random audit pick" if item.pick == "random" else item.why
    typer.echo(f"\n[{at}/{total}] #{item.mention_id} · {item.language or '?'} · {when} · {pick}")
    body = f"{item.title}\n{item.text}" if item.title else item.text
    for line in body.splitlines() or [""]:
        typer.echo(textwrap.fill(line, 96, initial_indent="  ", subsequent_indent="  "))
    model = f"  model: {item.sentiment or '-'} ({_probs(item.probabilities)})"
    if item.topics:
        model += "   topics: " + ", ".join(item.topics)
    typer.echo(model)


def _ask_topics(known: list[tuple[str, str]], model: list[str]) -> list[str]:
    """The topics that apply, typed as the numbers of a numbered list ("1 3 4", or "134"
    with up to nine topics) or as ids; Enter keeps the model's, "-" means none. A review's
    three aspects take one line, not three ids spelled out."""
    for n, (topic_id, name) in enumerate(known, 1):
        typer.echo(f"    {n}. {name} ({topic_id})" + ("  *" if topic_id in model else ""))
    raw = typer.prompt(
        "  numbers or ids that apply (Enter: the model's, marked *; '-': none)",
        "",
        show_default=False,
    ).strip()
    if not raw:
        return list(model)
    if raw == "-":
        return []
    tokens = raw.replace(",", " ").split()
    if len(known) <= 9 and len(tokens) == 1 and tokens[0].isdigit():
        tokens = list(tokens[0])
    out = []
    for token in tokens:
        if token.isdigit() and 1 <= int(token) <= len(known):
            out.append(known[int(token) - 1][0])
        else:
            out.append(token)  # an id; one the taxonomy lacks is refused with the list
    return list(dict.fromkeys(out))


def _session(service: LabelService, workspace: str, limit: int) -> dict[str, int]:
    """Label the queue's picks until it is empty or the user quits."""
    queue = service.queue(workspace, limit=limit)
    done = {"labelled": 0, "random": 0, "skipped": 0}
    if not queue:
        typer.echo("nothing to label: no model-labelled mentions without a correction")
        return done
    typer.echo(HELP)
    for at, item in enumerate(queue, 1):
        _show(item, at, len(queue))
        while True:
            key = _read_key()
            if key == "q":
                return done
            if key == "s":
                done["skipped"] += 1
                break
            if key in ("\r", "\n", "k") and item.sentiment:
                label = item.sentiment
            elif key in KEYS:
                label = KEYS[key]
            elif key == "t":
                topics = _ask_topics(service.topics(workspace), item.topics)
                try:
                    got = service.correct(workspace, item.mention_id, topics=topics, pick=item.pick)
                except HarkError as exc:  # an unknown id, or no taxonomy: say so, go on
                    typer.echo(f"  {exc.message}")
                    continue
                typer.echo(f"  topics: {', '.join(got.topics) or 'none'}")
                continue
            elif key == "b":
                raw = typer.prompt("  main brand id (empty: none)", "")
                got = service.correct(
                    workspace, item.mention_id, brand=raw.strip() or None, pick=item.pick
                )
                typer.echo(f"  brand: {got.brand or 'none'}")
                continue
            else:
                typer.echo(HELP)
                continue
            service.correct(workspace, item.mention_id, sentiment=label, pick=item.pick)
            typer.echo(f"  -> {label}")
            done["labelled"] += 1
            done["random"] += item.pick == "random"
            break
    return done


@app.callback()
@handles_errors
def label(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    limit: Annotated[
        int, typer.Option(min=1, max=200, help="Mentions to offer in this session.")
    ] = 20,
    refit: Annotated[
        bool, typer.Option("--refit", help="Refit the workspace's models when done.")
    ] = False,
) -> None:
    """Label mentions one key at a time, in the order the queue proposes: those the model is
    least sure of (weighted by how much the counts lean on them) and random audit picks."""
    if ctx.invoked_subcommand is not None:
        return
    assert workspace is not None
    service = container(ctx).labels
    done = _session(service, workspace, limit)
    typer.echo(
        f"\n{done['labelled']} labelled ({done['random']} random audit picks), "
        f"{done['skipped']} skipped"
    )
    if refit and done["labelled"]:
        for report in service.refit(workspace, ["sentiment"]):
            typer.echo(_refit_line(report))
    elif done["labelled"]:
        typer.echo("refit the workspace's models with: hark label refit")


@app.command("set")
@handles_errors
def set_labels(
    ctx: typer.Context,
    mention_id: Annotated[int, typer.Argument(help="The mention's id.")],
    sentiment: Annotated[str | None, typer.Option(help="negative, neutral or positive.")] = None,
    topics: Annotated[
        str | None, typer.Option(help="Comma-separated topic ids that apply ('' = none).")
    ] = None,
    brand: Annotated[
        str | None, typer.Option(help="Main entity id; 'none' for no main brand.")
    ] = None,
    pick: Annotated[
        str | None,
        typer.Option(
            help="How `hark label queue` offered the mention: random (an audit pick, checked "
            "against the audit sample; only these measure the labels' error) or uncertain."
        ),
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct one mention's labels."""
    from services.labels import UNSET

    assert workspace is not None
    if sentiment is not None and sentiment not in ("negative", "neutral", "positive"):
        raise typer.BadParameter("sentiment must be negative, neutral or positive")
    if pick is not None and pick not in ("random", "uncertain"):
        raise typer.BadParameter("pick must be random or uncertain")
    got = container(ctx).labels.correct(
        workspace,
        mention_id,
        sentiment=sentiment,
        topics=None if topics is None else [t.strip() for t in topics.split(",") if t.strip()],
        brand=UNSET if brand is None else (None if brand.lower() == "none" else brand),
        pick=pick,
    )
    _print_labels(got.__dict__, as_json)


@app.command("unset")
@handles_errors
def unset_label(
    ctx: typer.Context,
    mention_id: Annotated[int, typer.Argument(help="The mention's id.")],
    field: Annotated[str, typer.Argument(help="sentiment, topics or brand.")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forget a correction: the models label the mention again."""
    assert workspace is not None
    got = container(ctx).labels.remove(workspace, mention_id, field)
    _print_labels(got.__dict__, as_json)


@app.command("queue")
@handles_errors
def show_queue(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """What the queue proposes to label next, without labelling."""
    assert workspace is not None
    items = container(ctx).labels.queue(workspace, limit=limit)
    if as_json:
        print_json([i.__dict__ for i in items])
        return
    for at, item in enumerate(items, 1):
        _show(item, at, len(items))


@app.command("refit")
@handles_errors
def refit_models(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None, typer.Option(help="sentiment and/or topics (default: both).")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit new versions of the workspace's models from its corrections and re-label stored
    mentions from cached vectors (nothing is embedded)."""
    assert workspace is not None
    kinds = kind or ["sentiment", "topics"]
    reports = container(ctx).labels.refit(workspace, kinds)
    if as_json:
        print_json([r.__dict__ for r in reports])
        return
    for r in reports:
        typer.echo(_refit_line(r))
    for skipped in sorted(set(kinds) - {r.kind for r in reports}):
        # Of several kinds, one that cannot be refit (too few corrections, no taxonomy) is
        # skipped, not an error: say so, and where to read why.
        typer.echo(f"{skipped}: not refit (hark label refit --kind {skipped} says why)")


@app.command("models")
@handles_errors
def list_models(
    ctx: typer.Context, workspace: WorkspaceOpt = None, as_json: JsonOpt = False
) -> None:
    """The workspace's refit model versions (the active one marked *; one you restored says so:
    a refit that is not used leaves it in use)."""
    assert workspace is not None
    models = container(ctx).labels.models(workspace)
    if as_json:
        print_json(models)
        return
    if not models:
        typer.echo("no refit models: the shipped model labels this workspace")
    elif not any(m["active"] for m in models if m["kind"] == "sentiment"):
        typer.echo("no sentiment version active: the shipped model labels this workspace")
    for m in models:
        mark = "*" if m["active"] else " "
        restored = ", restored by you" if m["active"] and m["restored"] else ""
        typer.echo(
            f"{mark} {m['kind']:9} v{m['version']:<3} {m['created_at']:%Y-%m-%d %H:%M}  "
            f"{m['report'].get('corrections', 0)} corrections{restored}"
        )


@app.command("restore")
@handles_errors
def restore_model(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="sentiment or topics.")],
    version: Annotated[str, typer.Argument(help="A version number, or 'none'.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Make an earlier version active (or none: the shipped model alone) and re-label."""
    assert workspace is not None
    if version.lower() != "none" and not version.isdigit():
        raise typer.BadParameter("version must be a number or 'none'")
    chosen = None if version.lower() == "none" else int(version)
    applied = container(ctx).labels.restore(workspace, kind, chosen)
    typer.echo(f"{kind}: {'none' if chosen is None else f'v{chosen}'} active; {_applied(applied)}")


@app.command("stats")
@handles_errors
def stats(ctx: typer.Context, workspace: WorkspaceOpt = None) -> None:
    """Corrections by field and pick, active versions, the model's accuracy on random picks."""
    assert workspace is not None
    print_json(container(ctx).labels.stats(workspace))


def _refit_line(r: Any) -> str:
    agree = (
        f"; agreement with corrections {r.agreement_before:.1%} -> {r.agreement_after:.1%} (5-fold)"
        if r.agreement_before is not None and r.agreement_after is not None
        else ""
    )
    if r.audit_agreement_before is not None and r.audit_agreement_after is not None:
        agree += f", random audits {r.audit_agreement_before:.1%} -> {r.audit_agreement_after:.1%}"
    if not r.active:
        head = f"{r.kind}: v{r.version} from {r.corrections} corrections{agree}"
        if r.switched_off is not None:
            head += f"; v{r.switched_off} switched off, {_applied(r.applied)}"
        elif r.kept_restored is not None:
            head += f"; v{r.kept_restored}, which you restored, stays in use"
        return f"{head}\n  {r.note}"
    return f"{r.kind}: v{r.version} from {r.corrections} corrections{agree}; {_applied(r.applied)}"


def _applied(applied: dict[str, int]) -> str:
    """What re-labelling did, in words."""
    if not applied:
        return "re-labelling queued"
    parts = []
    if "sentiment_relabelled" in applied:
        parts.append(
            f"{applied['sentiment_relabelled']} mentions re-labelled, "
            f"{applied['sentiment_changed']} changed sentiment, "
            f"{applied['reindexed']} re-indexed"
        )
    parts.append(f"topics assigned to {applied.get('topics_assigned', 0)}")
    return "; ".join(parts)


def _print_labels(got: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(got)
        return
    typer.echo(
        f"#{got['mention_id']}: {got['sentiment']} ({got['sentiment_origin']}), "
        f"topics {', '.join(got['topics']) or 'none'}, brand {got['brand'] or 'none'}; "
        f"corrected: {', '.join(got['corrected']) or 'nothing'}"
    )
