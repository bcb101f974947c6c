"""``hark mcp``: Hark's tools over the Model Context Protocol on stdin/stdout, for a local
assistant that spawns it (Claude Desktop, an IDE agent). Over HTTP the same tools are at the
API's ``/mcp``, behind API keys."""

from __future__ import annotations

import logging
import sys

import typer

from cli.common import WorkspaceOpt, container, handles_errors


@handles_errors
def mcp(ctx: typer.Context, workspace: WorkspaceOpt = None) -> None:
    """Serve Hark's tools (ask, search_mentions, get_mention, make_brief, list_topics) over
    MCP on stdio, in one workspace, until stdin closes. Logs go to stderr."""
    # stdout carries only protocol messages: every log record goes to stderr, set up before
    # anything that could log is imported.
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    from integrations.mcp_server import run_stdio

    assert workspace is not None
    c = container(ctx)
    # Migrate now: a database that cannot be opened is an exit with a message on stderr, not
    # an error on the first tool call.
    _ = c.engine
    try:
        run_stdio(c, workspace)
    except KeyboardInterrupt:
        # Ctrl-C from a person running it by hand: a normal way to stop.
        raise typer.Exit(0) from None
