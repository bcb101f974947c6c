"""A brief as an HTML page and as an e-mail: hostile mention text stays text, nothing is
fetched from anywhere, right-to-left languages read right to left, and every number of the
brief is on the page. Read through a real HTML parser, not by looking for substrings."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ask.facts import DriverFact, VoiceFact
from briefs import view
from briefs.email import render_email, render_text
from briefs.html import render_html
from briefs.model import Brief
from briefs.svg import WIDTH
from briefs.view import number, section_blocks, words

FIXTURE = Path(__file__).parents[1] / "fixtures" / "brief_airline_en.json"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)><a href="javascript:x">y</a>'
# What a page may contain: text markup, tables, inline SVG and its shapes. Nothing that loads.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section",
    "h1", "h2", "h3", "p", "div", "span", "bdi", "b", "ol", "ul", "li", "a", "blockquote",
    "figure", "figcaption", "svg", "desc", "rect", "line", "text", "details", "summary",
    "code", "table", "tr", "td", "br",
}  # fmt: skip


class Page(HTMLParser):
    """Every tag with its attributes, and the text a reader sees (scripts and styles apart)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.style: list[str] = []
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in {"meta", "br", "rect", "line"}:
            self._in.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        (self.style if self._in and self._in[-1] == "style" else self.text).append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]

    def reads(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture
def brief() -> Brief:
    return Brief.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


def hostile(brief: Brief) -> Brief:
    """The brief with attacker text wherever the data's text goes: quotes (text, source and
    a url that skipped the model's own check), names in charts, a section, an action."""
    b = brief.model_copy(deep=True)
    b.headline = "Up " + HOSTILE
    b.quotes[0] = b.quotes[0].model_copy(
        update={
            "text": HOSTILE,
            "source": HOSTILE,
            "url": "javascript:alert(3)",
            "language": 'en" onmouseover="x',
        }
    )
    b.quotes[1] = b.quotes[1].model_copy(update={"url": 'https://x.test/"><script>'})
    b.actions[0].text = HOSTILE
    rising, brands = b.section("rising"), b.section("brands")
    assert rising is not None and brands is not None
    rising.text += f"\n- {HOSTILE}\n  «{HOSTILE}» [{b.quotes[0].id}]"
    driver = next(f for f in rising.facts if isinstance(f, DriverFact) and f.dimension == "topic")
    driver.name = "</text></svg>" + HOSTILE
    voice = next(f for f in brands.facts if isinstance(f, VoiceFact))
    voice.name = HOSTILE
    return b


def assert_inert(html: str) -> Page:
    page = Page(html)
    tags = {t for t, _ in page.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert "src" not in attrs and "srcset" not in attrs, (tag, attrs)
        assert "style" not in attrs or "url(" not in attrs["style"], (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert tag == "a", (tag, attrs)
            assert re.fullmatch(r"#m\d+", href) or re.fullmatch(r"https?://[^\s\"<>]+", href)
    style = " ".join(page.style).lower()
    assert "@import" not in style and "url(" not in style
    return page


# -- the page ---------------------------------------------------------------------------------


def test_hostile_text_is_shown_as_text_never_as_markup(brief: Brief) -> None:
    page = assert_inert(render_html(hostile(brief)))
    assert not page.all("script") and not page.all("img")
    shown = page.reads()
    assert HOSTILE in shown  # every piece is there, as the words it is
    assert shown.count("<script>") >= 6  # headline, quote, source, action, section, names
    assert "javascript:alert(3)" not in render_html(hostile(brief))
    hrefs = [a["href"] for a in page.all("a")]
    assert not [h for h in hrefs if "x.test" in h]  # a url that could break out is dropped


def test_page_loads_nothing_from_anywhere(brief: Brief) -> None:
    html = render_html(brief)
    page = assert_inert(html)
    csp = [
        m["content"] for m in page.all("meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in csp[0]
    external = [a["href"] for a in page.all("a") if a["href"].startswith("http")]
    # The only links out are the quotes' own, and they open apart from the page.
    assert external == [q.url for q in brief.quotes if q.url]
    assert all("noreferrer" in a["rel"] for a in page.all("a") if a["href"].startswith("http"))
    assert not re.search(r"(?i)(src|srcset|xlink:href|poster|data)\s*=", html)
    assert "://" not in " ".join(page.style)


def test_page_reads_on_a_phone(brief: Brief) -> None:
    page = Page(render_html(brief))
    viewport = [m for m in page.all("meta") if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0]["content"]
    style = " ".join(page.style)
    assert "max-width:760px" in style and "overflow-wrap:anywhere" in style
    for svg in page.all("svg"):  # charts scale with the column, never wider than it
        assert svg["viewbox"].startswith("0 0 ") and "width" not in svg and "height" not in svg


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_languages(brief: Brief, language: str) -> None:
    brief.language = language
    page = assert_inert(render_html(brief))
    assert page.all("html")[0] == {"lang": language, "dir": "rtl"}
    assert all(s["direction"] == "rtl" for s in page.all("svg"))
    quotes = page.all("blockquote")
    assert quotes and all(b.get("dir") == "auto" for b in quotes)
    # Bars grow from the right edge: the topic chart's first bar ends at the chart's width.
    first = _first_bar(render_html(brief), "chart-topics")
    assert float(first["x"]) + float(first["width"]) == pytest.approx(WIDTH, abs=0.1)
    mail = _parts(render_email(brief))[1]
    assert re.search(r'<html lang="' + language + '" dir="rtl">', mail)
    assert 'dir="ltr"' not in mail


def test_left_to_right_languages_start_at_the_left(brief: Brief) -> None:
    html = render_html(brief)
    assert Page(html).all("html")[0] == {"lang": "en", "dir": "ltr"}
    assert float(_first_bar(html, "chart-topics")["x"]) == 0


def _first_bar(html: str, figure: str) -> dict[str, str]:
    chart = html[html.index(f'id="{figure}"') :]
    return next(a for t, a in Page(chart).tags if t == "rect")


def test_every_number_of_the_brief_is_on_the_page(brief: Brief) -> None:
    shown = Page(render_html(brief)).reads()
    wanted: dict[str, str] = {}
    for k in brief.kpis:
        for name, value in (("current", k.current), ("previous", k.previous)):
            if value is not None:
                wanted[number(value, "en")] = f"kpi {k.key} {name}"
        if k.change is not None:
            wanted[f"{k.change:+.1f}"] = f"kpi {k.key} change"
    for a in brief.actions:
        for n in re.findall(r"\d+(?:\.\d+)?", a.text):
            wanted[n] = f"action {a.text}"
        for c in a.citations:
            wanted[f"[{c}]"] = f"action citation {c}"
    for f in brief.facts():
        for n in f.numbers:
            wanted[number(n, "en")] = f"fact {f.id}"
    missing = {
        n: why
        for n, why in wanted.items()
        if not re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", shown)
    }
    assert not missing
    assert len(wanted) > 40  # the fixture has plenty: a check of nothing would pass too


def test_kpi_cards_mark_chance_and_label_error(brief: Brief) -> None:
    brief.kpis[0].within_label_error = True
    page = Page(render_html(brief))
    marks = [a["class"] for a in page.all("span") if a.get("class", "").startswith("mark")]
    assert marks.count("mark beyond") == sum(1 for k in brief.kpis if k.significant)
    assert marks.count("mark within") == sum(1 for k in brief.kpis if k.significant is False)
    assert marks.count("mark label-error") == 1
    shown = page.reads()
    assert "beyond chance" in shown and "within chance" in shown
    assert "within the sentiment labels' own error" in shown


def test_citations_link_to_quote_anchors(brief: Brief) -> None:
    page = Page(render_html(brief))
    anchors = {a["id"] for a in page.all("li") if a.get("id", "").startswith("m")}
    assert anchors == {f"m{q.id}" for q in brief.quotes}
    links = {a["href"][1:] for a in page.all("a") if a["href"].startswith("#")}
    assert links and links <= anchors
    cited = {f"m{c}" for a in brief.actions for c in a.citations}
    assert cited <= links


def test_charts_have_titles_text_alternatives_and_labels(brief: Brief) -> None:
    html = render_html(brief)
    page = Page(html)
    figures = [f["id"] for f in page.all("figure")]
    assert figures == ["chart-volume", "chart-sentiment", "chart-topics", "chart-brands"]
    svgs = page.all("svg")
    assert len(svgs) == 4 and all(s["role"] == "img" and s["aria-labelledby"] for s in svgs)
    chart = words("en")["chart"]
    shown = page.reads()
    for key in ("volume", "sentiment", "topics", "brands", "share_of_voice", "previous"):
        assert chart[key] in shown
    # The numbers are in the text alternative and drawn as labels.
    desc = html[html.index("<desc") : html.index("</desc>", html.index('id="chart-topics'))]
    assert "Late Flight: 202 (this period), 65 (previous period)" in desc
    assert all(f">{n}</text>" in html for n in ("767", "337", "202", "65", "23.3%", "72.4%"))


def test_previous_period_is_drawn_apart_from_this_one(brief: Brief) -> None:
    html = render_html(brief)
    volume = Page(html[html.index('id="chart-volume"') : html.index('id="chart-sentiment"')])
    classes = [r["class"] for r in volume.all("rect")]
    assert classes == ["prev", "cur"]  # 21 February is the previous period, 22 this one
    assert [ln for ln in volume.all("line") if ln["class"] == "divider"]


def test_brand_the_brief_is_for_is_highlighted(brief: Brief) -> None:
    brands = brief.section("brands")
    assert brands is not None
    focus = [f for f in brands.facts if isinstance(f, VoiceFact)][2]
    focus.focus = True
    html = render_html(brief)
    page = Page(html[html.index('id="chart-brands"') :])
    assert len([r for r in page.all("rect") if r["class"] == "focus-band"]) == 1
    names = [a["class"] for t, a in page.tags if t == "text" and "name" in a["class"]]
    assert names == ["name focus"] + ["name"] * 6  # the brand the brief is for leads


def test_section_markdown_reads_into_paragraphs_bullets_and_quotes() -> None:
    blocks = section_blocks(
        "Mentions rose.\nWhat changed most:\n- Late Flight: 233 vs 75\n  «late again» [1091]\n"
        "  «and again» [1118] [7]\n- brand US Airways: 197 vs 57\n- among the most negative: [1440]"
    )
    assert [b.kind for b in blocks] == ["p", "p", "ul"]
    items = blocks[2].items
    assert [i.line.text for i in items] == [
        "Late Flight: 233 vs 75",
        "brand US Airways: 197 vs 57",
        "among the most negative:",
    ]
    assert [(q.text, q.cites) for q in items[0].quotes] == [
        ("«late again»", [1091]),
        ("«and again»", [1118, 7]),
    ]
    assert items[2].line.cites == [1440]


def test_quote_text_cannot_fake_a_citation(brief: Brief) -> None:
    section = brief.section("notable")
    assert section is not None
    section.text = "- see\n  «[99999] look» [1440]"
    html = render_html(brief)
    assert 'href="#m99999"' not in html and 'href="#m1440"' in html


def test_missing_phrases_fall_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    partial = {"brief": {"kpis": "Ключевые цифры", "chart": {"volume": "Упоминания по дням"}}}
    monkeypatch.setattr(view, "phrases", lambda lang: partial if lang == "xx" else _en())
    view.words.cache_clear()
    try:
        got = words("xx")
        assert got["kpis"] == "Ключевые цифры"
        assert got["chart"]["volume"] == "Упоминания по дням"
        assert got["chart"]["sentiment"] == "Sentiment per day"  # English where it is missing
        assert got["actions"] == "What to look at"
    finally:
        view.words.cache_clear()


def _en() -> dict[str, Any]:
    from ask.phrasing import phrases

    return phrases("en")


# -- the e-mail -------------------------------------------------------------------------------


def _parts(msg: EmailMessage) -> tuple[str, str]:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_email_has_a_text_and_an_html_part(brief: Brief) -> None:
    msg = render_email(brief)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == brief.headline
    assert parsed["From"] is None and parsed["To"] is None
    text, html = _parts(msg)
    assert text == render_text(brief)
    assert brief.headline in text and all(a.text in text for a in brief.actions)
    assert all(f"[{q.id}]" in text for q in brief.quotes)
    assert brief.headline in Page(html).reads()


def test_email_html_is_what_mail_clients_show(brief: Brief) -> None:
    html = _parts(render_email(brief))[1]
    page = assert_inert(html)
    assert not page.all("svg") and not page.all("style") and "<style" not in html
    assert "class=" not in html  # inline styles only: many clients drop style sheets
    bars = [a for a in page.all("td") if a.get("bgcolor")]
    assert len(bars) >= 2 + 2 * 3 + 2 * 7  # days' sentiment parts, topics, brands
    assert all(re.fullmatch(r"\d+%", b["width"]) for b in bars)
    shown = page.reads()
    assert all(n in shown for n in ("767", "544", "202", "65", "23.3%", "72.4%"))


def test_email_keeps_hostile_text_as_text(brief: Brief) -> None:
    b = hostile(brief)
    msg = render_email(b)
    assert "\n" not in str(msg["Subject"]) and "<script>" in str(msg["Subject"])
    text, html = _parts(msg)
    page = assert_inert(html)
    assert HOSTILE in page.reads()
    assert "javascript:alert(3)" not in html and "javascript:alert(3)" not in text


def test_subject_is_one_line(brief: Brief) -> None:
    brief.headline = "Up 5%\r\nBcc: someone@example.test"
    msg = render_email(brief)
    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Up 5% Bcc: someone@example.test"


def test_an_empty_brief_still_renders(brief: Brief) -> None:
    empty = brief.model_copy(
        update={
            "kpis": [],
            "sections": [],
            "actions": [],
            "quotes": [],
            "series": [],
            "summary": "",
        }
    )
    page = assert_inert(render_html(empty))
    assert not page.all("svg") and not page.all("figure")
    assert words("en")["no_actions"] in page.reads()
    text, html = _parts(render_email(empty))
    assert words("en")["no_actions"] in text and "<table" in html


def test_a_long_series_labels_days_without_crowding(brief: Brief) -> None:
    """Four weeks against four: every bar drawn, its count in its text alternative; labels
    under the bars only as many as fit."""
    from datetime import date, timedelta

    from briefs.model import DayPoint

    first = date(2015, 1, 25)
    brief.series = [
        DayPoint(day=first + timedelta(days=i), total=10 + i, negative=i, neutral=5, positive=5)
        for i in range(56)
    ]
    brief.series[3] = DayPoint(
        day=first + timedelta(days=3), total=0, negative=0, neutral=0, positive=0
    )
    html = render_html(brief)
    volume = Page(html[html.index('id="chart-volume"') : html.index('id="chart-sentiment"')])
    bars = volume.all("rect")
    assert len(bars) == 56 and [b["class"] for b in bars].count("cur") == 28
    axis = [a for t, a in volume.tags if t == "text" and a["class"] == "axis"]
    assert 5 <= len(axis) <= 14
    assert "65" in " ".join(volume.text)  # the busiest day's count, read out
