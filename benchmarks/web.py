"""The web page's speed as a browser sees it: page load and time to the first streamed
answer chunk, measured inside Chromium with the Performance API.

    python -m benchmarks.web                 # 10 runs over the airline excerpt
    python -m benchmarks.web --runs 20
    python -m benchmarks.web --data ../shared/data/twitter-us-airline-sentiment/tweets.csv

A real uvicorn server (the app from ``api.app.create_app`` with the web page) on a free
loopback port, over a throwaway home holding the airline tweets (the test excerpt by default)
with the airline taxonomy and entity catalogs. Debian's Chromium (``/usr/bin/chromium``)
driven by Playwright, each run in a fresh browser context (an empty cache):

- **load**: the navigation entry's ``loadEventEnd`` (HTML, CSS, every ES module, the
  language dictionary), ``domContentLoaded``, and ``ready``: the page's own
  ``hark-ready`` mark, when its first view (the sign-in form) is drawn;
- **load, warm**: the same page loaded again in that context (assets revalidated by ETag);
- **first chunk**: from ``hark-ask-start`` (the question sent) to ``hark-first-chunk`` (the
  first piece of the answer drawn), and **answer**: to ``hark-answer-done`` (the whole
  answer in, before its citation cards). Without ``POST /v1/chat/completions`` the page asks
  ``POST /v1/ask`` and the first chunk is the whole answer; the report says which.

The first question of each run is the same; the server's caches are warm after the first
run (reported separately as "cold"). p50/p95 in milliseconds; writes
benchmarks/out/web.json. This machine has 2 cores, which the server and Chromium share.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

QUESTION = "Why did negative tweets about United rise on Feb 22 compared with Feb 21?"
ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "tests" / "fixtures" / "airline_tweets_excerpt.csv"
CATALOGS = ROOT / "enrichment" / "catalogs"
OUT = ROOT / "benchmarks" / "out"
CHROMIUM = "/usr/bin/chromium"


def _served_app(home: Path, data: Path) -> tuple[Any, str]:
    from api.app import create_app
    from api.web.router import install_web, served_routes
    from enrichment.catalogs import Kind, parse, set_catalog
    from hark.settings import Settings
    from ingestion.mapping import load_mapping
    from ingestion.pipeline import ingest_file
    from services.container import Container

    settings = Settings(home=home, _env_file=None)
    rt = Container(settings)
    catalogs: list[tuple[Kind, str]] = [
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ]
    for kind, name in catalogs:
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="bench", kind=kind, body=parse(kind, text=text))
    ingest_file(
        rt.engine,
        workspace="bench",
        path=data,
        mapping=load_mapping("twitter-us-airline-sentiment"),
        index=rt.index.target("bench"),
        enrich=rt.enrich.hook("bench"),
    )
    _, key = rt.keys.create("bench", "benchmark")
    app = create_app(settings, rt)
    if ("POST", "/web/session") not in served_routes(app.routes):
        install_web(app)
    return app, key


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def _run_once(browser: Any, base: str, key: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/web/", wait_until="load")
        page.wait_for_function("() => performance.getEntriesByName('hark-ready').length > 0")
        nav = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const r = performance.getEntriesByName('hark-ready')[0];"
            " return {load: n.loadEventEnd, dom: n.domContentLoadedEventEnd,"
            " ready: r.startTime, bytes: performance.getEntriesByType('resource')"
            ".reduce((a, e) => a + (e.transferSize || 0), n.transferSize || 0)}; }"
        )
        page.reload(wait_until="load")
        warm = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")

        page.locator("input[name=key]").fill(key)
        page.locator("form.signin button[type=submit]").click()
        page.locator("main[data-ready='1'] textarea[name=question]").wait_for()
        page.locator("textarea[name=question]").fill(QUESTION)
        page.locator(".ask-form button[type=submit]").click()
        page.wait_for_function("() => performance.getEntriesByName('hark-answer-done').length")
        ask = page.evaluate(
            "() => Object.fromEntries(['hark-ask-start', 'hark-first-chunk', "
            "'hark-answer-done'].map(n => [n, performance.getEntriesByName(n)[0].startTime]))"
        )
        mode = page.locator("#ask-mode").inner_text()
    finally:
        context.close()
    return {
        "load_ms": nav["load"],
        "dom_content_loaded_ms": nav["dom"],
        "ready_ms": nav["ready"],
        "bytes": nav["bytes"],
        "load_warm_ms": warm,
        "first_chunk_ms": ask["hark-first-chunk"] - ask["hark-ask-start"],
        "answer_ms": ask["hark-answer-done"] - ask["hark-ask-start"],
        "streamed": float("stream in" in mode),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data", type=Path, default=EXCERPT, help="airline tweets CSV")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from api.local_server import serving

    with tempfile.TemporaryDirectory(prefix="hark-web-bench-") as tmp:
        started = time.perf_counter()
        app, key = _served_app(Path(tmp) / "home", args.data)
        print(f"workspace ready in {time.perf_counter() - started:.1f} s ({args.data.name})")
        runs: list[dict[str, float]] = []
        with serving(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9"],
            )
            cold = _run_once(browser, base, key)
            runs.extend(_run_once(browser, base, key) for _ in range(args.runs))
            version = browser.version
            browser.close()

    names = ["load_ms", "dom_content_loaded_ms", "ready_ms", "load_warm_ms"]
    names += ["first_chunk_ms", "answer_ms"]
    report = {
        "runs": args.runs,
        "data": args.data.name,
        "chromium": version,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "streamed": bool(runs and all(r["streamed"] for r in runs)),
        "page_bytes": runs[0]["bytes"] if runs else None,
        "cold": {k: round(v, 1) for k, v in cold.items()},
        "ms": {name: _percentiles([r[name] for r in runs]) for name in names},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    mode = "streamed" if report["streamed"] else "not streamed (POST /v1/ask: whole answer)"
    print(f"Chromium {version}, {args.runs} runs, answer {mode}")
    print(f"{'':24}{'p50':>9}{'p95':>9}   cold")
    for name in names:
        stats = report["ms"][name]
        print(f"{name:24}{stats['p50']:>9.1f}{stats['p95']:>9.1f}   {cold[name]:.1f}")
    print(f"page weight {report['page_bytes']} bytes transferred; wrote {OUT / 'web.json'}")


if __name__ == "__main__":
    main()
