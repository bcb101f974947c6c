"""``hark chat``: questions one after another in one conversation, each read as a follow-up
of the one before ("and for Delta?", "why?", "show me more examples")."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json
from hark.errors import HarkError

EXIT_WORDS = frozenset({"exit", "quit", ":q", "выход"})


@handles_errors
def chat(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    conversation: Annotated[
        int | None,
        typer.Option("--conversation", "-c", min=1, help="Go on with a stored conversation."),
    ] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Use the template composer even with a model set.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask questions in a conversation (one per line; an empty line, 'exit' or Ctrl-D ends).
    Answers cite [1], [2] … with their sources; the conversation is kept, so
    `--conversation N` goes on with it later."""
    from services.chat import numbered

    assert workspace is not None
    c = container(ctx)
    cid = conversation if conversation is not None else c.chat.create(workspace).id
    # Checked before the first question: a wrong id fails at once, not after one is typed.
    turns = len(c.chat.get(workspace, cid).turns)
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(f"conversation {cid} ({turns} turns so far); an empty line ends it")
    while True:
        try:
            question = input("> " if interactive else "")
        except EOFError:
            break
        if not question.strip() or question.strip().lower() in EXIT_WORDS:
            break
        try:
            answer = c.chat.reply(workspace, cid, question, use_llm=not no_llm)
        except HarkError as exc:  # one bad question does not end the conversation
            typer.echo(f"error [{exc.code.value}]: {exc.message}", err=True)
            continue
        if as_json:
            print_json(
                {
                    **answer.result.model_dump(mode="json"),
                    "conversation_id": cid,
                    "turn": answer.turn,
                }
            )
            continue
        typer.echo(numbered(answer.result).text)
        for warning in answer.result.warnings:
            typer.echo(f"note: {warning}", err=True)
        typer.echo("")
    if interactive:
        typer.echo(f"conversation {cid} kept: hark chat --conversation {cid}")
