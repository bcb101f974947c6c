"""One scheduled brief end to end: a Monday 09:00 schedule fires, the week's brief is made over
the 14.5k airline tweets and delivered as a signed webhook to a receiver on this machine.

    python -m benchmarks.brief_schedule [--runs 3]

Needs the airline workspace of ``evals.enrichment.prepare_airline`` (evals/out/airline).
Reports the time from the fire to the brief made, stored and delivered (``run_due``
returning), and to the webhook's arrival at the receiver, p50 over the runs."""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from briefs.delivery import Recipient
from evals.common import OUT
from hark.settings import Settings
from services.brief_schedules import BriefScheduleService
from services.container import Container

WORKSPACE = "airline"
ZONE = ZoneInfo("America/Los_Angeles")
CREATED = datetime(2015, 2, 23, 8, 0, tzinfo=ZONE)  # the Monday after the data's main week
FIRES = datetime(2015, 2, 23, 9, 0, 5, tzinfo=ZONE)


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[float]] = []  # arrival times, shared by every handler

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Receiver.received.append(time.perf_counter())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hark"
    settings = Settings(
        home=OUT / "airline",
        webhook_secret=SecretStr("bench-secret"),
        delivery_allow_private=True,  # the receiver is on this machine
        scheduler=False,
        _env_file=None,
    )
    rt = Container(settings)
    made, delivered = [], []
    for run in range(args.runs):
        service = BriefScheduleService(
            settings, lambda: rt.engine, rt.briefs, clock=lambda: CREATED
        )
        schedule = service.create(
            WORKSPACE,
            name=f"bench-{time.time_ns()}-{run}",
            cron="0 9 * * MON",
            timezone=ZONE.key,
            recipients=[Recipient(channel="webhook", target=url)],
        )
        t0 = time.perf_counter()
        results = service.run_due(FIRES)
        done = time.perf_counter()
        mine = [r for r in results if r.schedule_id == schedule.id]
        assert mine and mine[0].brief_id and all(d.status == "sent" for d in mine[0].deliveries)
        made.append((done - t0) * 1000)
        delivered.append((_Receiver.received[-1] - t0) * 1000)
        service.delete(WORKSPACE, schedule.id)
        print(f"run {run + 1}: fire -> brief and delivery {made[-1]:.0f} ms", flush=True)
    p50, sent = statistics.median(made), statistics.median(delivered)
    print(f"one scheduled run end to end (15k mentions): p50 {p50:.0f} ms over {args.runs} runs")
    print(f"webhook received {sent:.0f} ms after the fire (p50)")
    server.shutdown()
    rt.close()


if __name__ == "__main__":
    main()
