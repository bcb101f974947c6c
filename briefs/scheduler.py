"""An in-process scheduler: a daemon thread that runs a few jobs (due schedules, delivery
retries) every ``interval_s`` seconds until stopped.

A job's exception is logged and the loop goes on: one bad schedule or an unreachable database
for a minute must not end scheduling for the life of the process. Running the jobs twice at
once (two loops, two processes) is safe: the jobs claim their work in the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

log = logging.getLogger("hark.scheduler")

Job = tuple[str, Callable[[datetime], object]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        jobs: Sequence[Job],
        interval_s: float,
        *,
        clock: Callable[[], datetime] = _utcnow,
        name: str = "hark-scheduler",
    ) -> None:
        self.jobs = list(jobs)
        self.interval_s = interval_s
        self._clock = clock
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        """Start the loop (a no-op when it runs already). The first tick comes at once, so
        fire times missed while the process was down are caught up on start."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the loop to end and wait for the tick in progress (at most ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("the scheduler's tick is still running; leaving it (daemon)")
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def tick(self) -> None:
        """Run every job once, now."""
        for name, job in self.jobs:
            if self._stop.is_set():
                return
            try:
                job(self._clock())
            except Exception:
                log.exception("scheduler job %r failed; next try in %g s", name, self.interval_s)
        self.ticks += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval_s)
