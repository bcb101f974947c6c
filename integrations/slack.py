"""The Slack bot: questions asked by mentioning the app in a channel, in a direct message, or
with the ``/hark`` slash command, answered in the thread (or through the command's
response_url) with the answer and its cited quotes as Block Kit blocks.

Every request must carry a valid Slack signature made within the last five minutes (slack_sdk's
``SignatureVerifier``); anything else is refused before its body is read as JSON. A request is
acknowledged at once and answered from a worker thread: Slack wants its answer within 3 s
and retries otherwise, and an answer takes longer. Retries and repeated event ids are
acknowledged and dropped, so a question is answered once.

Mention texts, sources and the answer (which quotes them) are untrusted: they are escaped for
Slack's mrkdwn (``&``, ``<``, ``>``), so a quote cannot form a link or a ``<!channel>`` or
``<@U…>`` mention, and they are sent with link parsing off.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from ask.phrasing import day_text, phrases
from ask.service import AskResult, Citation
from ask.untrusted import strip_invisible
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings
from integrations.bots import (
    CONTROL_CHARS,
    Answerer,
    SeenIds,
    Worker,
    answer_or_apology,
    fit,
    flat_text,
)

log = logging.getLogger("hark.slack")

MAX_BLOCKS = 50  # Slack's limit per message
MAX_TEXT = 3000  # a section's or context element's text, and our notification text
QUOTE_CHARS = 500  # a quote is cut here: a chat message is read, not studied
ANSWER_SECTIONS = 10  # an answer longer than this many full sections is cut
REPLAY_WINDOW_S = 300  # slack_sdk's SignatureVerifier refuses timestamps older than this

USAGE = (
    "Ask me what customers say, e.g. `/hark how many negative mentions last week?`, "
    "or mention me in a channel with your question."
)
BUSY = "Hark is busy answering other questions; please try again in a minute."

_MARKUP = re.compile(r"<([^<>]*)>")
# "@channel" and friends as plain text: Slack does not notify for them with parsing off, but a
# look-alike @ keeps them inert in any client that parses more than it should.
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def slack_escape(text: str) -> str:
    """``text`` for Slack's mrkdwn: the three characters Slack reads as markup, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def untrusted(text: str) -> str:
    """Outside text (a quote, a source) on one line, with nothing hidden, escaped."""
    return slack_escape(_BROADCAST.sub("\uff20", flat_text(text)))


def question_from_slack(text: str) -> str:
    """A message's text as the question its author typed: Slack sends mentions, channels and
    links as ``<…>`` markup and escapes ``& < >``. Mentions (the bot's own, mostly) are
    dropped; links and channels become their labels."""

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith(("@", "!")):
            return ""
        if target.startswith("#"):
            return f"#{label}" if label else ""
        return label or target

    text = _MARKUP.sub(plain, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def _section(text: str) -> dict[str, Any]:
    # verbatim: Slack does not auto-link or parse mentions in text that is partly a quote.
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def _answer_sections(answer: str) -> list[dict[str, Any]]:
    """The answer in sections of at most MAX_TEXT characters, cut at line ends; an answer
    longer than ANSWER_SECTIONS sections is cut (marked with …)."""
    sections: list[str] = []
    current = ""
    for line in answer.splitlines():
        piece = fit(line, MAX_TEXT, _answer_line)
        joined = f"{current}\n{piece}" if current else piece
        if len(joined) <= MAX_TEXT:
            current = joined
            continue
        sections.append(current)
        current = piece
    if current:
        sections.append(current)
    sections = [s for s in sections if s.strip()]
    if len(sections) > ANSWER_SECTIONS:
        sections = sections[:ANSWER_SECTIONS]
        if len(sections[-1]) + 2 <= MAX_TEXT:
            sections[-1] += "\n…"
    return [_section(s) for s in sections]


def _answer_line(line: str) -> str:
    """One line of an answer, escaped. Its layout (the indent of a quote line) is kept; what
    it quotes the composer has made inert, and it is escaped here all the same."""
    line = CONTROL_CHARS.sub(" ", strip_invisible(line)).rstrip()
    return slack_escape(_BROADCAST.sub("\uff20", line))


def _link(url: str, label: str) -> str:
    # A Slack link is <url|label>: the url must not close the link or start the label.
    target = slack_escape(url).replace("|", "%7C")
    return f"<{target}|{label}>"


def citation_text(citation: Citation, language: str) -> str:
    """One cited quote as a context line: its id (as the answer cites it), the quote, its
    source (a link when the mention has an http(s) url) and day."""
    source = untrusted(citation.source) or "?"
    if citation.url:
        source = _link(citation.url, source)
    tail = f" — {source}"
    if citation.created_at is not None:
        tail += f", {day_text(citation.created_at, language)}"
    head = f"*[{citation.id}]* “"
    room = MAX_TEXT - len(head) - len(tail) - 1
    quote = fit(fit(flat_text(citation.text), QUOTE_CHARS, str), max(room, 0), untrusted)
    return f"{head}{quote}”{tail}"


def answer_message(result: AskResult) -> dict[str, Any]:
    """An answer as a Slack message: ``text`` (the notification and fallback) and ``blocks``
    (the answer, then one context block per cited quote), within Slack's limits on blocks
    and text."""
    language = result.language
    blocks = _answer_sections(result.answer)
    citations = result.citations
    if citations:
        blocks.append({"type": "divider"})
        blocks.append(_section(f"*{slack_escape(phrases(language)['brief']['quotes'])}*"))
    for i, citation in enumerate(citations):
        left = len(citations) - i
        if len(blocks) == MAX_BLOCKS - 1 and left > 1:
            blocks.append(_context(slack_escape(phrases(language)["rank_others"].format(n=left))))
            break
        blocks.append(_context(citation_text(citation, language)))
    text = fit(flat_text(result.answer), MAX_TEXT, untrusted)
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


def with_question(message: dict[str, Any], question: str) -> dict[str, Any]:
    """``message`` led by the question it answers, quoted (a slash command's answer is read
    by people who did not see the command)."""
    shown = fit(flat_text(question), MAX_TEXT - 2, untrusted)
    blocks = [_section(f"> {shown}"), *message["blocks"]]
    if len(blocks) > MAX_BLOCKS:  # keep the answer, lose the last quote
        blocks = blocks[:MAX_BLOCKS]
    return {**message, "blocks": blocks}


def plain_message(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [_section(text)]}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise HarkError(ErrorCode.MALFORMED_JSON, "the request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HarkError(ErrorCode.VALIDATION, "the request body is not a JSON object")
    return payload


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class SlackBot:
    """One Slack app: verifies Slack's requests, turns them into questions for the answerer,
    and posts the answers. ``handle_event`` and ``handle_command`` return at once (with the
    body of Slack's acknowledgement); the answers follow from ``worker``."""

    def __init__(
        self, settings: Settings, answerer: Answerer, *, worker: Worker | None = None
    ) -> None:
        self.settings = settings
        self.answerer = answerer
        self.workspace = settings.slack_workspace or settings.default_workspace
        secret = settings.slack_signing_secret
        signing = secret.get_secret_value() if secret is not None else ""
        self._verifier = SignatureVerifier(signing) if signing.strip() else None
        token = settings.slack_bot_token
        self._token = token.get_secret_value() if token is not None else ""
        self._timeout = max(1, math.ceil(settings.delivery_timeout_s))
        self.client = WebClient(
            token=self._token or None, base_url=settings.slack_api_base, timeout=self._timeout
        )
        self.seen = SeenIds()
        self.worker = worker or Worker("hark-slack")

    # -- requests --

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise UNAUTHORIZED unless ``body`` carries Slack's signature, made with the signing
        secret within the replay window; NOT_FOUND when no secret is configured."""
        if self._verifier is None:
            raise HarkError(
                ErrorCode.NOT_FOUND,
                "the Slack bot is not configured (set HARK_SLACK_SIGNING_SECRET)",
            )
        timestamp = headers.get("x-slack-request-timestamp")
        signature = headers.get("x-slack-signature")
        if not timestamp or not signature:
            raise HarkError(
                ErrorCode.UNAUTHORIZED,
                "send X-Slack-Signature and X-Slack-Request-Timestamp",
            )
        try:
            valid = self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        except (ValueError, TypeError):
            # A timestamp that is not a number, a body that is not UTF-8, a signature with
            # non-ASCII characters: none of these is Slack's.
            valid = False
        if not valid:
            raise HarkError(
                ErrorCode.UNAUTHORIZED,
                f"the Slack signature is wrong or older than {REPLAY_WINDOW_S // 60} minutes",
            )

    def handle_event(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """An Events API request: the body to acknowledge it with. A question (an app
        mention, a direct message) is queued to be answered in its thread."""
        headers = {k.lower(): v for k, v in headers.items()}
        self.verify(body, headers)
        payload = _json_object(body)
        kind = payload.get("type")
        if kind == "url_verification":
            challenge = payload.get("challenge")
            if not isinstance(challenge, str):
                raise HarkError(ErrorCode.VALIDATION, "url_verification without a challenge")
            return {"challenge": challenge}
        if "x-slack-retry-num" in headers:
            # Slack retries a delivery it thinks failed, usually one we acknowledged late
            # while its first copy is being answered: answering it again would post twice.
            log.info("slack retry ignored (%s)", headers.get("x-slack-retry-reason", "?"))
            return {}
        event_id, event = payload.get("event_id"), payload.get("event")
        if kind != "event_callback" or not isinstance(event_id, str) or not isinstance(event, dict):
            return {}
        if not self.seen.first_time(("event", event_id)):
            return {}
        asked = _asked(event)
        if asked is None:
            return {}
        channel, ts, thread_ts, question = asked
        # A direct message that mentions the app arrives as two events (message.im and
        # app_mention) with different ids: the message itself is answered once.
        if not self.seen.first_time(("message", channel, ts)):
            return {}
        if not self.worker.submit(self._answer_in_thread, channel, thread_ts, question):
            log.warning("slack question dropped: too many questions waiting")
        return {}

    def handle_command(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """A ``/hark <question>`` slash command: an ephemeral acknowledgement now, the answer
        through the command's response_url (or chat.postMessage) when it is ready."""
        headers = {k.lower(): v for k, v in headers.items()}
        self.verify(body, headers)
        # Verified, so UTF-8: the verifier decoded it.
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)

        def field(name: str) -> str:
            return form.get(name, [""])[0]

        question = question_from_slack(field("text"))
        if not question or question.lower() in ("help", "?"):
            return {"response_type": "ephemeral", "text": USAGE}
        trigger = field("trigger_id")
        if trigger and not self.seen.first_time(("command", trigger)):
            return {"response_type": "ephemeral", "text": "Already working on it."}
        response_url, channel = field("response_url"), field("channel_id")
        if not _is_http_url(response_url):
            response_url = ""
        if not response_url and not channel:
            raise HarkError(
                ErrorCode.VALIDATION, "the command has neither a response_url nor a channel_id"
            )
        if not self.worker.submit(self._answer_command, response_url, channel, question):
            return {"response_type": "ephemeral", "text": BUSY}
        shown = fit(flat_text(question), 200, untrusted)
        return {"response_type": "ephemeral", "text": f"Working on it: _{shown}_"}

    # -- answers (worker threads) --

    def reply(self, question: str, conversation: str | None) -> dict[str, Any]:
        """The message answering ``question``: the answer, or what went wrong."""
        if not question:
            return plain_message(USAGE)
        result = answer_or_apology(self.answerer, self.workspace, question, conversation, "Slack")
        if isinstance(result, str):
            return plain_message(slack_escape(result))
        return answer_message(result)

    def _answer_in_thread(self, channel: str, thread_ts: str, question: str) -> None:
        # A thread's ts is unique within its channel only: the conversation is both.
        conversation = f"slack:{channel}:{thread_ts}"
        self.post(channel, self.reply(question, conversation), thread_ts=thread_ts)

    def _answer_command(self, response_url: str, channel: str, question: str) -> None:
        message = with_question(self.reply(question, None), question)
        if not response_url:
            self.post(channel, message)
            return
        try:
            sent = WebhookClient(response_url, timeout=self._timeout).send(
                text=message["text"],
                blocks=message["blocks"],
                response_type="in_channel",
                replace_original=False,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (URLError, OSError) as exc:
            log.error("slack response_url post failed: %s", type(exc).__name__)
            return
        if sent.status_code != 200:
            log.error("slack response_url post failed: HTTP %s", sent.status_code)

    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> bool:
        """chat.postMessage with link parsing and unfurling off; False if it failed (logged
        by Slack's error code, never with the token)."""
        if not self._token:
            log.error("cannot post to Slack: HARK_SLACK_BOT_TOKEN is not set")
            return False
        try:
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=message["text"],
                blocks=message["blocks"],
                link_names=False,
                parse="none",
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            log.error("slack chat.postMessage failed: %s", exc.response.get("error"))
            return False
        except (URLError, OSError) as exc:
            log.error("slack chat.postMessage failed: %s", type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        self.worker.close()


def _asked(event: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(channel, ts, thread ts, question) of an event that asks the bot something: an
    app_mention, or a person's direct message. Bots (the app itself included) and edits,
    deletions and other message subtypes ask nothing."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype"):
        return None
    kind = event.get("type")
    if not (kind == "app_mention" or (kind == "message" and event.get("channel_type") == "im")):
        return None
    channel, ts, text = event.get("channel"), event.get("ts"), event.get("text")
    if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(text, str)):
        return None
    if not channel or not ts:
        return None
    thread_ts = event.get("thread_ts")
    thread = thread_ts if isinstance(thread_ts, str) and thread_ts else ts
    return channel, ts, thread, question_from_slack(text)
