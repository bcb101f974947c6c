"""``hark ask``: a grounded answer to a question, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json


@handles_errors
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in any language.")],
    workspace: WorkspaceOpt = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Use the template composer even with a model set.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer with numbers from the data and quotes cited as [mention id]."""
    assert workspace is not None
    result = container(ctx).ask.answer(workspace, question, use_llm=not no_llm)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    typer.echo(result.answer)
    plan = result.plan
    read = [f"intent={plan.intent.value}"]
    if plan.window:
        read.append(f"period={plan.window.label}")
    if plan.baseline:
        read.append(f"vs={plan.baseline.label}")
    if plan.periods:
        read.append(f"periods={','.join(p.label for p in plan.periods)}")
    if plan.group_by:
        read.append(f"by={plan.group_by} measure={plan.measure} order={plan.order}")
    elif plan.measure != "count":
        read.append(f"measure={plan.measure}")
    if plan.granularity:
        read.append(f"per={plan.granularity}")
    for name in ("sentiment", "brands", "entities", "topics", "sources", "locations"):
        value = getattr(plan, name)
        if value:
            read.append(f"{name}={value if isinstance(value, str) else ','.join(value)}")
    if plan.names:
        read.append(f"names={','.join(n.name for n in plan.names)}")
    if plan.timezone != "UTC":
        read.append(f"tz={plan.timezone}")
    typer.echo(f"\n(read as: {' '.join(read)}; composer={result.composer})")
    for w in result.warnings:
        typer.echo(f"warning: {w}", err=True)
