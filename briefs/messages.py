"""A brief as each chat and webhook channel takes it: Slack blocks, a signed webhook's JSON,
a Telegram message. Everything shown is in the brief already; nothing is computed here.

Text from mentions and catalogs (quotes, topic and brand names) is escaped for each format,
so a mention cannot ping a Slack channel or inject Telegram markup."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ask.phrasing import phrases
from briefs.model import Brief

# Slack's limits (https://api.slack.com/reference/block-kit/blocks).
SLACK_MAX_BLOCKS = 50
SLACK_TEXT = 3000  # a section's text
SLACK_HEADER = 150  # a header's plain text
SLACK_FALLBACK = 3000  # the notification text; Slack cuts far later, readers much sooner
TELEGRAM_TEXT = 4096  # sendMessage text, counted (conservatively) before entity parsing
ELLIPSIS = "…"

_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _labels(brief: Brief) -> dict[str, str]:
    p = phrases(brief.language)["brief"]
    return {
        "title": str(p["title"]).format(period=brief.period.label),
        "compared": str(p["compared"]).format(previous=brief.previous.label),
        "kpis": str(p["kpis"]),
        "actions": str(p["actions"]),
        "no_actions": str(p["no_actions"]),
    }


def _figures(brief: Brief) -> list[str]:
    return [line.strip() for line in brief.summary.splitlines() if line.strip()]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _lines_within(lines: list[str], limit: int, measure: Any = len) -> str:
    """Whole lines joined while they fit in ``limit`` (by ``measure``), then a last line
    saying how many were left out; a first line too long alone is cut."""
    out: list[str] = []
    for i, line in enumerate(lines):
        rest = len(lines) - i
        more = f"{ELLIPSIS} (+{rest})"
        candidate = "\n".join([*out, line])
        tail = "\n".join([*out, line, more]) if rest > 1 else candidate
        if measure(tail) <= limit:
            out.append(line)
            continue
        if not out:  # one line longer than the whole budget
            return (
                f"{_clip(line, limit - len(more) - 1)}\n{more}" if rest > 1 else _clip(line, limit)
            )
        out.append(more)
        break
    return "\n".join(out)


# --- Slack ---------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack mrkdwn treats only &, < and > specially (<!channel>, <url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_md(text: str) -> str:
    return _MD_BOLD.sub(r"*\1*", slack_escape(text))


def slack_payload(brief: Brief) -> dict[str, Any]:
    """An incoming-webhook message: ``text`` for notifications and clients without blocks,
    then a header (the headline), the key figures, what to look at, and the period."""
    labels = _labels(brief)
    figures = [f"• {_slack_md(line)}" for line in _figures(brief)]
    actions = [f"• {_slack_md(a.text)}" for a in brief.actions] or [
        slack_escape(labels["no_actions"])
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(brief.headline, SLACK_HEADER)},
        }
    ]
    if figures:
        blocks.append(_slack_section(f"*{slack_escape(labels['kpis'])}*", figures))
    blocks.append(_slack_section(f"*{slack_escape(labels['actions'])}*", actions))
    context = f"{labels['title']} · {labels['compared']}"
    if brief.id is not None:
        context += f" · Hark #{brief.id}"
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _clip(slack_escape(context), SLACK_TEXT)}],
        }
    )
    fallback = "\n".join([brief.headline, *_figures(brief)])
    return {
        "text": _clip(slack_escape(fallback), SLACK_FALLBACK),
        "blocks": blocks[:SLACK_MAX_BLOCKS],
    }


def _slack_section(title: str, lines: list[str]) -> dict[str, Any]:
    body = _lines_within([title, *lines], SLACK_TEXT)
    return {"type": "section", "text": {"type": "mrkdwn", "text": body}}


# --- generic webhook -----------------------------------------------------------------


def webhook_payload(brief: Brief) -> dict[str, Any]:
    """What a generic webhook receives: the brief's id, workspace, period, headline, key
    figures and things to look at on top, and the whole brief (every fact) under "brief"."""
    whole = brief.model_dump(mode="json")
    return {
        "event": "brief",
        "brief_id": brief.id,
        "workspace": brief.workspace,
        "period": whole["period"],
        "headline": brief.headline,
        "kpis": whole["kpis"],
        "actions": whole["actions"],
        "brief": whole,
    }


def webhook_body(brief: Brief) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(webhook_payload(brief), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


# --- Telegram ------------------------------------------------------------------------


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _tg(text: str) -> str:
    # Telegram's HTML mode knows &lt; &gt; &amp; &quot; only: quotes stay as they are.
    return html.escape(text, quote=False)


def telegram_text(brief: Brief) -> str:
    """The brief as a Telegram message in HTML parse mode, at most TELEGRAM_TEXT long:
    whole lines are dropped from the end (with a count), so no tag or entity is cut."""
    labels = _labels(brief)
    head = [
        f"<b>{_tg(_clip(brief.headline, 512))}</b>",
        f"<i>{_tg(labels['title'])} · {_tg(labels['compared'])}</i>",
    ]
    lines = [*head, ""]
    figures = _figures(brief)
    if figures:
        lines += [f"<b>{_tg(labels['kpis'])}</b>", *(f"• {_tg(_clip(f, 1000))}" for f in figures)]
        lines.append("")
    lines.append(f"<b>{_tg(labels['actions'])}</b>")
    if brief.actions:
        lines += [f"• {_tg(_clip(a.text, 1000))}" for a in brief.actions]
    else:
        lines.append(_tg(labels["no_actions"]))
    return _lines_within(lines, TELEGRAM_TEXT, telegram_length)
