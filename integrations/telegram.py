"""The Telegram bot: a question sent to the bot (in a private chat as plain text, in a group
as ``/ask <question>``) is answered with ``sendMessage`` in reply to it: the answer, then the
cited quotes as a numbered list, in Telegram's HTML.

Telegram's webhook carries the secret token given to ``setWebhook`` in a header; an update
without it is refused before its body is read as JSON. An update is acknowledged at once and
answered from a worker thread (Telegram resends an update its webhook did not acknowledge in
time), and an update id is answered once. The answer is in the question's language: the ask
service answers in it, and the quote list's heading follows ``AskResult.language``.

Mention texts and sources are untrusted: they are HTML-escaped, so a quote cannot open a tag
or a link; links come only from a mention's http(s) url.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import re
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError, URLError

from ask.phrasing import day_text, phrases
from ask.service import AskResult
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

log = logging.getLogger("hark.telegram")

MAX_TEXT = 4096  # sendMessage's limit, measured (conservatively) before entity parsing
ANSWER_CHARS = 3000  # the answer's share of a message: the rest is for the quotes
QUOTE_CHARS = 300
WEBHOOK_HEADER = "x-telegram-bot-api-secret-token"

HELP = {
    "en": "Ask me what customers say about the brand, e.g. <i>How many negative mentions "
    "were there last week?</i> I answer with numbers computed from the mentions and quote "
    "them.\nIn a group, write <code>/ask your question</code>.",
    "ru": "Спросите меня, что клиенты пишут о бренде, например: <i>Сколько было негативных "
    "упоминаний на прошлой неделе?</i> Я отвечаю цифрами, посчитанными по упоминаниям, и "
    "цитирую их.\nВ группе пишите <code>/ask ваш вопрос</code>.",
    "uk": "Запитайте мене, що клієнти пишуть про бренд, наприклад: <i>Скільки було "
    "негативних згадок минулого тижня?</i> Я відповідаю числами, порахованими за згадками, "
    "і цитую їх.\nУ групі пишіть <code>/ask ваше питання</code>.",
}
BUSY = "Hark is busy answering other questions; please try again in a minute."
_OUR_QUOTES = str.maketrans({"«": "‹", "»": "›"})  # a quote cannot close the marks around it


def tg_escape(text: str) -> str:
    """``text`` for Telegram's HTML parse mode (it knows &lt; &gt; &amp; &quot;)."""
    return html.escape(text, quote=False)


def telegram_length(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _answer_text(answer: str) -> str:
    """The answer with its lines kept (a list reads as one) and nothing hidden in them."""
    lines = (CONTROL_CHARS.sub(" ", strip_invisible(line)).rstrip() for line in answer.split("\n"))
    return "\n".join(lines).strip()


def answer_html(result: AskResult) -> str:
    """An answer as a Telegram HTML message of at most MAX_TEXT: the answer, then the cited
    quotes numbered, each with its id as the answer cites it, its source (a link when the
    mention has an http(s) url) and day."""
    language = result.language
    text = fit(_answer_text(result.answer), ANSWER_CHARS, tg_escape, telegram_length)
    if not result.citations:
        return text
    labels = phrases(language)
    text += f"\n\n<b>{tg_escape(labels['brief']['quotes'])}</b>"
    for n, citation in enumerate(result.citations, 1):
        source = tg_escape(flat_text(citation.source)) or "?"
        if citation.url:
            source = f'<a href="{html.escape(citation.url, quote=True)}">{source}</a>'
        tail = f" — {source}"
        if citation.created_at is not None:
            tail += f", {tg_escape(day_text(citation.created_at, language))}"
        quote = tg_escape(fit(flat_text(citation.text).translate(_OUR_QUOTES), QUOTE_CHARS, str))
        line = f"\n{n}. [{citation.id}] «{quote}»{tail}"
        left = len(result.citations) - n
        more = f"\n{tg_escape(labels['rank_others'].format(n=left + 1))}"
        # Room for this line and, if more follow, for the line that says how many are left.
        reserve = telegram_length(more) if left else 0
        if telegram_length(text) + telegram_length(line) + reserve > MAX_TEXT:
            if telegram_length(text) + telegram_length(more) <= MAX_TEXT:
                text += more
            break
        text += line
    return text


def help_html(language_code: str | None) -> str:
    """/start and /help: what the bot does, in the user's Telegram language when we have it."""
    language = (language_code or "en")[:2].lower()
    return HELP.get(language, HELP["en"])


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise HarkError(ErrorCode.MALFORMED_JSON, "the request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HarkError(ErrorCode.VALIDATION, "the request body is not a JSON object")
    return payload


def _command(text: str, private: bool) -> tuple[str | None, str]:
    """(command, question) of a message: ("ask", "...") for ``/ask ...`` (``/ask@bot ...``
    too), ("start", "") or ("help", ""), ("other", "") for another command; in a private chat
    plain text is a question (None, text), in a group it is not addressed to us (None, "")."""
    text = text.strip()
    if not text.startswith("/"):
        return None, text if private else ""
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    if name in ("start", "help"):
        return name, ""
    if name == "ask":
        return name, rest.strip()
    return "other", ""


class TelegramBot:
    """One Telegram bot: checks the webhook's secret, turns messages into questions for the
    answerer and sends the answers. ``handle_update`` returns at once; the replies follow
    from ``worker``."""

    def __init__(
        self, settings: Settings, answerer: Answerer, *, worker: Worker | None = None
    ) -> None:
        self.settings = settings
        self.answerer = answerer
        self.workspace = settings.telegram_workspace or settings.default_workspace
        secret = settings.telegram_webhook_secret
        self._secret = secret.get_secret_value().encode() if secret is not None else b""
        token = settings.telegram_bot_token
        self._token = token.get_secret_value() if token is not None else ""
        self.allowed = frozenset(settings.telegram_allowed_chats)
        self.seen = SeenIds()
        self.worker = worker or Worker("hark-telegram")

    def verify(self, secret: str | None) -> None:
        """Raise UNAUTHORIZED unless ``secret`` is the webhook's secret token; NOT_FOUND when
        the bot is not configured (no secret means no way to tell Telegram from anyone)."""
        if not self._secret or not self._token:
            raise HarkError(
                ErrorCode.NOT_FOUND,
                "the Telegram bot is not configured (set HARK_TELEGRAM_WEBHOOK_SECRET and "
                "HARK_TELEGRAM_BOT_TOKEN)",
            )
        # Constant time: the comparison must not tell an attacker how much of a guess is right.
        if secret is None or not hmac.compare_digest(secret.encode(), self._secret):
            raise HarkError(
                ErrorCode.UNAUTHORIZED, "wrong or missing X-Telegram-Bot-Api-Secret-Token"
            )

    def handle_update(self, body: bytes, headers: Mapping[str, str]) -> None:
        """One webhook update: a text message is queued to be answered; anything else
        (edits, channel posts, stickers, updates seen before) is acknowledged and dropped."""
        self.verify({k.lower(): v for k, v in headers.items()}.get(WEBHOOK_HEADER))
        update = _json_object(body)
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return
        if not self.seen.first_time(update_id):
            return
        message = update.get("message")
        if not isinstance(message, dict):
            return
        text, chat, sender = message.get("text"), message.get("chat"), message.get("from")
        if not isinstance(text, str) or not isinstance(chat, dict):
            return
        if isinstance(sender, dict) and sender.get("is_bot"):
            return
        chat_id, message_id = chat.get("id"), message.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            return
        if self.allowed and chat_id not in self.allowed:
            log.info("telegram message from a chat not in HARK_TELEGRAM_ALLOWED_CHATS ignored")
            return
        language = sender.get("language_code") if isinstance(sender, dict) else None
        command, question = _command(text, private=chat.get("type") == "private")
        if question:
            queued = self.worker.submit(self._answer, chat_id, message_id, question)
        elif command in ("start", "help", "ask") or (
            command == "other" and chat.get("type") == "private"
        ):
            help_text = help_html(language if isinstance(language, str) else None)
            queued = self.worker.submit(self.send, chat_id, help_text, message_id)
        else:
            return
        if not queued:
            log.warning("telegram message dropped: too many questions waiting")

    def reply(self, question: str, conversation: str | None) -> str:
        """The HTML answering ``question``: the answer, or what went wrong."""
        result = answer_or_apology(
            self.answerer, self.workspace, question, conversation, "Telegram"
        )
        return tg_escape(result) if isinstance(result, str) else answer_html(result)

    def _answer(self, chat_id: int, message_id: int, question: str) -> None:
        self.send(chat_id, self.reply(question, f"telegram:{chat_id}"), message_id)

    def send(self, chat_id: int, text: str, reply_to: int | None = None) -> bool:
        """sendMessage in HTML, as a reply when ``reply_to`` is given; False if it failed
        (logged with Telegram's description, never with the token, which is in the URL)."""
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        }
        if reply_to is not None:
            payload["reply_to_message_id"] = reply_to
            payload["allow_sending_without_reply"] = True
        url = f"{self.settings.telegram_api_base.rstrip('/')}/bot{self._token}/sendMessage"
        request = urllib.request.Request(  # noqa: S310 (the configured Bot API base URL)
            url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        # urllib, not httpx: httpx logs every request's URL at INFO, and this URL holds the
        # bot token.
        try:
            with urllib.request.urlopen(  # noqa: S310 (as above)
                request, timeout=self.settings.delivery_timeout_s
            ) as response:
                answer = json.loads(response.read() or b"null")
        except HTTPError as exc:
            log.error("telegram sendMessage failed: HTTP %s %s", exc.code, _description(exc))
            return False
        except (URLError, OSError, ValueError) as exc:
            log.error("telegram sendMessage failed: %s", type(exc).__name__)
            return False
        if not (isinstance(answer, dict) and answer.get("ok") is True):
            log.error("telegram sendMessage refused: %s", _description_of(answer))
            return False
        return True

    def close(self) -> None:
        self.worker.close()


def _description(exc: HTTPError) -> str:
    try:
        return _description_of(json.loads(exc.read() or b"null"))
    except (ValueError, OSError):
        return ""


def _description_of(answer: Any) -> str:
    description = answer.get("description") if isinstance(answer, dict) else None
    return re.sub(r"\s+", " ", str(description or ""))[:200]
