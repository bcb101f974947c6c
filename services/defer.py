"""How a service hands over work that need not finish before the caller is answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Defer(Protocol):
    """Runs ``job`` later: FastAPI's ``BackgroundTasks.add_task`` after the response, or
    ``run_now`` in a CLI command, where "later" is before the command exits."""

    def __call__(self, job: Callable[[], None], /) -> None: ...


def run_now(job: Callable[[], None]) -> None:
    job()
