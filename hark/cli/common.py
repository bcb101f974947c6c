"""Shared CLI plumbing: the runtime, workspace option, error reporting, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import OperationalError

from hark.domain import is_workspace_name
from hark.errors import HarkError
from hark.runtime import Runtime
from hark.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])


def _check_workspace(value: str | None) -> str:
    ws = value or get_settings().default_workspace
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


def runtime() -> Runtime:
    return Runtime(get_settings())


def handles_errors(func: F) -> F:
    """Print HarkError as ``error [code]: message`` on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HarkError as exc:
            typer.echo(f"error [{exc.code.value}]: {exc.message}", err=True)
            if exc.details:
                typer.echo(
                    json.dumps(exc.details, ensure_ascii=False, default=str)[:2000], err=True
                )
            raise typer.Exit(2) from None
        except OperationalError as exc:
            typer.echo(f"error [database_unavailable]: {exc.orig}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            typer.echo(f"error [bad_file]: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
