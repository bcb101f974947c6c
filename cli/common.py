"""Shared CLI plumbing: the container (one per command), the workspace option, error
reporting, output.

Kept light on purpose: `hark --help` imports every command module, so nothing here (or in a
command module's top level) may import the stack (SQLAlchemy, pydantic, Chroma, models);
commands import what they use when they run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from hark.errors import ErrorCode, HarkError
from hark.workspace import is_workspace_name

if TYPE_CHECKING:
    from services.container import Container

F = TypeVar("F", bound=Callable[..., Any])


def _settings() -> Any:
    from hark.settings import get_settings

    return get_settings()


def _check_workspace(ctx: typer.Context, value: str | None) -> str:
    # A group's -w (`hark label -w acme set ...`) holds for its subcommands unless they give
    # their own: without this the subcommand's default silently won.
    parent = ctx.parent
    while value is None and parent is not None:
        source = parent.get_parameter_source("workspace")
        if source is not None and source.name != "DEFAULT":
            value = parent.params.get("workspace")
        parent = parent.parent
    ws = value or _settings().default_workspace
    if not is_workspace_name(ws):
        raise typer.BadParameter(f"{ws!r}: use lower-case letters, digits, '-' and '_'")
    return ws


WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace (tenant); default HARK_DEFAULT_WORKSPACE.",
        callback=_check_workspace,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def container(ctx: typer.Context) -> Container:
    """The command's container: made on first use, closed when the command ends."""
    root = ctx.find_root()
    if root.obj is None:
        from services.container import Container

        built = Container(_settings())
        root.obj = built
        root.call_on_close(built.close)
    made: Container = root.obj
    return made


def _fail(exc: HarkError, as_json: bool) -> NoReturn:
    """Report a failure on stderr and exit 2: ``error [code]: message`` (and the details),
    or under ``--json`` the API's error body."""
    if as_json:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, default=str), err=True)
        raise typer.Exit(2)
    typer.echo(f"error [{exc.code.value}]: {exc.message}", err=True)
    if exc.details:
        typer.echo(json.dumps(exc.details, ensure_ascii=False, default=str)[:2000], err=True)
    raise typer.Exit(2)


def handles_errors(func: F) -> F:
    """Print HarkError as ``error [code]: message`` on stderr and exit 2; under ``--json``, as
    the API's error body (``{"error": {"code", "message", "details"}}``), so a script reads
    its failures as it reads its results."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = kwargs.get("as_json") is True
        try:
            return func(*args, **kwargs)
        except HarkError as exc:
            _fail(exc, as_json)
        except BrokenPipeError:
            # The reader stopped reading (`hark label queue | head`): not an error. Point
            # stdout at /dev/null so the interpreter's last flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as exc:
            _fail(HarkError(ErrorCode.BAD_FILE, str(exc)), as_json)
        except Exception as exc:
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, OperationalError):
                _fail(HarkError(ErrorCode.DATABASE_UNAVAILABLE, str(exc.orig)), as_json)
            raise

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
