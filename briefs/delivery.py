"""Sending a brief to one recipient, and what a failure means for the next attempt.

Channels: e-mail over SMTP, a Slack incoming webhook, a generic webhook (signed JSON), a
Telegram chat through the Bot API. ``send`` never raises for a delivery failure: it returns
an Outcome that says whether to retry (5xx, 408, 429, timeouts, connection errors, SMTP 4xx)
or not (any other 4xx, SMTP 5xx, a channel that is not configured).

Secrets (the SMTP password, the bot token, the webhook key, Slack and webhook URLs, which
carry their own keys) never reach an Outcome's error, a log line or an API answer: errors
are written here from status codes and scrubbed of every secret, and targets are shown
masked.

Verifying a webhook, on the receiving side: take the raw request body (bytes, before any
JSON parsing), the ``X-Hark-Timestamp`` header (Unix seconds) and ``X-Hark-Signature``
(``sha256=<hex>``); compute HMAC-SHA256 with the shared key (HARK_WEBHOOK_SECRET) over
``timestamp + "." + body``; compare it in constant time and refuse a timestamp older than a
few minutes (a replay). ``verify_signature`` does exactly that. ``X-Hark-Delivery`` is the
same for every attempt at one delivery: a receiver that saw it already can ignore a retry.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import random
import re
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from briefs.messages import slack_payload, telegram_text, webhook_body
from briefs.model import Brief
from hark import __version__
from hark.settings import Settings
from hark.storable import check_text

log = logging.getLogger("hark.delivery")

Channel = Literal["email", "slack", "webhook", "telegram"]
CHANNELS: tuple[str, ...] = get_args(Channel)
MAX_RECIPIENTS = 20
MAX_TARGET = 2048
ERROR_CHARS = 500  # of an error stored or shown
BODY_EXCERPT = 200  # of a receiver's answer quoted in an error
MASK = "***"
BACKOFF_FACTOR = 5
JITTER = 0.2
RETRY_AFTER_CAP_S = 24 * 3600.0
RETRY_STATUSES = frozenset({408, 429})

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_CHAT = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


class Recipient(BaseModel):
    """Where one brief goes: an e-mail address, a Slack incoming-webhook URL, a webhook URL,
    or a Telegram chat id (a number, or @channel_name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    target: str

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        value = check_text(value.strip())
        if not value or len(value) > MAX_TARGET:
            raise ValueError(f"a target has 1 to {MAX_TARGET} characters")
        if MASK in value:
            # What the API shows is masked; sending it back would store the mask.
            raise ValueError("the target is a masked one: give the full address or URL")
        return value

    @model_validator(mode="after")
    def _fits_channel(self) -> Recipient:
        problem = _target_problem(self.channel, self.target)
        if problem is not None:
            raise ValueError(problem)
        return self

    def masked(self) -> str:
        return mask_target(self.channel, self.target)


def _target_problem(channel: str, target: str) -> str | None:
    if channel == "email":
        if not _EMAIL.fullmatch(target) or len(target) > 254:
            return f"{target[:80]!r} is not an e-mail address (name@example.com)"
        return None
    if channel == "telegram":
        if not _CHAT.fullmatch(target):
            return (
                f"{target[:40]!r} is not a Telegram chat id: a number (-1001234567890) or "
                "@channel_name"
            )
        return None
    return _url_problem(target)


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return "the URL cannot be parsed"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the target must be an http:// or https:// URL with a host"
    if any(c.isspace() for c in url):
        return "the URL contains spaces"
    return None


def parse_recipient(text: str) -> Recipient:
    """``channel:target`` (``email:ops@example.com``, ``slack:https://hooks.slack.com/...``,
    ``webhook:https://...``, ``telegram:-100123``); a ValueError says what is wrong."""
    channel, sep, target = text.partition(":")
    channel = channel.strip().lower()
    if not sep or channel not in CHANNELS:
        raise ValueError(
            f"{text[:80]!r}: write CHANNEL:TARGET with a channel of {', '.join(CHANNELS)}"
        )
    try:
        return Recipient(channel=channel, target=target)
    except ValueError as exc:
        raise ValueError(f"{channel}: {_first_error(exc)}") from None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            return str(found[0].get("msg", exc)).removeprefix("Value error, ")
    return str(exc)


def mask_target(channel: str, target: str) -> str:
    """The target as it may be shown: a Slack URL without its path (the path is the key),
    another webhook URL without credentials, query and all but its first path segment."""
    if channel in ("email", "telegram"):
        return target
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    base = f"{parts.scheme}://{host}{port}"
    if channel == "slack":
        return f"{base}/{MASK}"
    segments = [s for s in parts.path.split("/") if s]
    path = f"/{segments[0]}" if segments else ""
    if len(segments) > 1 or parts.query:
        path += f"/{MASK}"
    return base + path


def channel_problem(channel: str, settings: Settings) -> str | None:
    """Why ``channel`` cannot send with these settings (None: it can)."""
    if channel == "email":
        if not settings.smtp_host:
            return "e-mail needs HARK_SMTP_HOST"
        if not settings.smtp_from or not _EMAIL.fullmatch(parseaddr(settings.smtp_from)[1]):
            return "e-mail needs HARK_SMTP_FROM, an address (hark@example.com)"
    if channel == "webhook" and not _secret(settings.webhook_secret):
        return "webhooks are signed: set HARK_WEBHOOK_SECRET"
    if channel == "telegram" and not _secret(settings.telegram_bot_token):
        return "Telegram needs HARK_TELEGRAM_BOT_TOKEN"
    return None


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


# --- outcomes and retries --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retryable: bool = False
    code: int | None = None  # HTTP status or SMTP reply code
    error: str | None = None
    retry_after_s: float | None = None


def next_attempt(
    outcome: Outcome, attempts: int, settings: Settings, now: datetime
) -> datetime | None:
    """When to try again after ``attempts`` attempts ending in ``outcome``; None: never
    (sent, a permanent failure, or the last attempt). The wait grows by BACKOFF_FACTOR per
    attempt (1 min, 5, 25, ... by default) up to HARK_DELIVERY_BACKOFF_MAX_S, with jitter so
    that deliveries failing together do not all come back at once; a receiver's Retry-After
    is honoured when it asks for longer."""
    if outcome.ok or not outcome.retryable or attempts >= settings.delivery_max_attempts:
        return None
    wait = settings.delivery_backoff_s * BACKOFF_FACTOR ** (attempts - 1)
    wait = min(wait, settings.delivery_backoff_max_s)
    wait *= random.uniform(1 - JITTER, 1 + JITTER)
    if outcome.retry_after_s is not None:
        wait = max(wait, min(outcome.retry_after_s, RETRY_AFTER_CAP_S))
    return now + timedelta(seconds=wait)


def lease_s(settings: Settings) -> float:
    """How long an attempt may run before another loop may take its delivery over: a send
    makes a few network calls, each bounded by the timeout."""
    return max(300.0, 6 * settings.delivery_timeout_s)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` without any of ``secrets`` and at most ERROR_CHARS long."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text[:ERROR_CHARS]


def secrets_of(settings: Settings, recipient: Recipient) -> list[str]:
    """Every secret that a delivery to ``recipient`` involves: the configured keys and, for
    URLs, what ``mask_target`` hides (all but the first path segment, query, password)."""
    out = [
        settings.smtp_password.get_secret_value(),
        _secret(settings.telegram_bot_token),
        _secret(settings.webhook_secret),
    ]
    if recipient.channel in ("slack", "webhook"):
        parts = urlsplit(recipient.target)
        segments = [s for s in parts.path.split("/") if s]
        hidden = segments if recipient.channel == "slack" else segments[1:]
        out += [recipient.target, parts.query, parts.password or "", *hidden]
        if hidden:
            out.append("/".join(hidden))
    return out


class _Redact(logging.Filter):
    """httpx logs each request's URL at INFO: a bot token or a Slack URL's path would reach
    any log set to INFO. This filter, on the "httpx" logger, masks every secret a send used."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def add(self, secrets: list[str]) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = list(self._secrets)
        if secrets:
            message = record.getMessage()
            clean = scrub(message, secrets) if any(s in message for s in secrets) else message
            if clean != message:
                record.msg, record.args = clean, ()
        return True


_REDACT = _Redact()
logging.getLogger("httpx").addFilter(_REDACT)


# --- signing ---------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Hark-Signature value: ``sha256=`` and the hex HMAC of ``timestamp.body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_s: float = 300.0,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is within
    ``tolerance_s`` seconds of ``now`` (Unix time; default: the clock)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip())


# --- sending ---------------------------------------------------------------------------


class Sender:
    """Sends briefs with one configuration (``settings``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, recipient: Recipient, brief: Brief, *, delivery_id: int) -> Outcome:
        problem = channel_problem(recipient.channel, self.settings)
        if problem is not None:
            return Outcome(ok=False, error=problem)
        secrets = secrets_of(self.settings, recipient)
        _REDACT.add(secrets)
        try:
            if recipient.channel == "email":
                outcome = self._email(recipient.target, brief)
            elif recipient.channel == "slack":
                outcome = self._slack(recipient.target, brief)
            elif recipient.channel == "webhook":
                outcome = self._webhook(recipient.target, brief, delivery_id)
            else:
                outcome = self._telegram(recipient.target, brief)
        except Exception as exc:  # a bug or an odd library error: retried, never raised
            outcome = Outcome(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
        if outcome.error is not None:
            outcome = Outcome(
                ok=outcome.ok,
                retryable=outcome.retryable,
                code=outcome.code,
                error=scrub(outcome.error, secrets),
                retry_after_s=outcome.retry_after_s,
            )
        return outcome

    # -- HTTP --

    def _post(self, url: str, **kwargs: Any) -> Outcome | httpx.Response:
        """The response, or the Outcome of a request that got none. The URL is never part
        of an error (it may hold a key)."""
        timeout = self.settings.delivery_timeout_s
        headers = {"User-Agent": f"Hark/{__version__}", **kwargs.pop("headers", {})}
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False) as client:
                return client.post(url, headers=headers, **kwargs)
        except httpx.TimeoutException:
            return Outcome(ok=False, retryable=True, error=f"no answer within {timeout:g} s")
        except httpx.TransportError as exc:
            return Outcome(ok=False, retryable=True, error=f"connection failed: {_net(exc)}")

    def _inside(self, url: str) -> Outcome | None:
        """A refusal when a caller's URL resolves to a private, loopback, link-local or
        otherwise non-public address (unless HARK_DELIVERY_ALLOW_PRIVATE): webhook targets
        come from API keys, and the server must not become their way into its own network.
        Checked at every attempt, as a name may resolve elsewhere later."""
        if self.settings.delivery_allow_private:
            return None
        host = urlsplit(url).hostname or ""
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return Outcome(ok=False, retryable=True, error="the target's host does not resolve")
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global:
                return Outcome(
                    ok=False,
                    retryable=False,
                    error="the target resolves to a private or local address "
                    "(HARK_DELIVERY_ALLOW_PRIVATE allows it)",
                )
        return None

    def _http_outcome(self, response: httpx.Response, detail: str | None = None) -> Outcome:
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(ok=True, code=status)
        excerpt = detail if detail is not None else " ".join(response.text.split())
        error = f"HTTP {status}"
        if 300 <= status < 400:
            error += " (a redirect; give the final URL)"
        if excerpt:
            error += f": {excerpt[:BODY_EXCERPT]}"
        retryable = status >= 500 or status in RETRY_STATUSES
        return Outcome(
            ok=False,
            retryable=retryable,
            code=status,
            error=error,
            retry_after_s=_retry_after(response.headers.get("retry-after")),
        )

    def _slack(self, url: str, brief: Brief) -> Outcome:
        refused = self._inside(url)
        if refused is not None:
            return refused
        got = self._post(url, json=slack_payload(brief))
        return got if isinstance(got, Outcome) else self._http_outcome(got)

    def _webhook(self, url: str, brief: Brief, delivery_id: int) -> Outcome:
        refused = self._inside(url)
        if refused is not None:
            return refused
        body = webhook_body(brief)
        timestamp = str(int(time.time()))
        secret = _secret(self.settings.webhook_secret)
        headers = {
            "Content-Type": "application/json",
            "X-Hark-Event": "brief",
            "X-Hark-Delivery": str(delivery_id),
            "X-Hark-Timestamp": timestamp,
            "X-Hark-Signature": sign(secret, timestamp, body),
        }
        got = self._post(url, content=body, headers=headers)
        return got if isinstance(got, Outcome) else self._http_outcome(got)

    def _telegram(self, chat_id: str, brief: Brief) -> Outcome:
        token = _secret(self.settings.telegram_bot_token)
        url = f"{self.settings.telegram_api_base.rstrip('/')}/bot{token}/sendMessage"
        got = self._post(
            url,
            json={
                "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                "text": telegram_text(brief),
                "parse_mode": "HTML",
                "disable_web_page_preview": True,
            },
        )
        if isinstance(got, Outcome):
            return got
        try:
            answer = got.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return self._http_outcome(got)
        if got.is_success and answer.get("ok") is True:
            return Outcome(ok=True, code=got.status_code)
        outcome = self._http_outcome(got, detail=str(answer.get("description", "")))
        params = answer.get("parameters")
        retry_after = params.get("retry_after") if isinstance(params, dict) else None
        if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
            outcome = Outcome(
                ok=False,
                retryable=True,
                code=outcome.code,
                error=outcome.error,
                retry_after_s=float(retry_after),
            )
        if got.is_success:  # 200 with "ok": false: not what the API promises; try again
            outcome = Outcome(ok=False, retryable=True, code=got.status_code, error=outcome.error)
        return outcome

    # -- SMTP --

    def _email(self, to: str, brief: Brief) -> Outcome:
        from briefs.email import render_email

        s = self.settings
        sender = s.smtp_from or ""
        msg = render_email(brief)
        msg["From"] = sender
        msg["To"] = to
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        domain = parseaddr(sender)[1].rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid("hark", domain=domain)
        host, port, timeout = s.smtp_host or "", s.smtp_port, s.delivery_timeout_s
        try:
            smtp: smtplib.SMTP
            if s.smtp_ssl:
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            with smtp:
                if s.smtp_starttls and not s.smtp_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(msg, from_addr=parseaddr(sender)[1], to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return _smtp_outcome(code, text, "recipient refused")
        except smtplib.SMTPResponseException as exc:
            return _smtp_outcome(exc.smtp_code, exc.smtp_error, "server refused")
        except smtplib.SMTPNotSupportedError as exc:
            return Outcome(ok=False, error=f"the SMTP server does not support it: {exc}")
        except smtplib.SMTPServerDisconnected:
            return Outcome(ok=False, retryable=True, error="the SMTP server hung up")
        except smtplib.SMTPException as exc:  # no AUTH method in common, and the like
            return Outcome(ok=False, error=f"SMTP failed: {exc}")
        except TimeoutError:
            return Outcome(ok=False, retryable=True, error=f"no answer within {timeout:g} s")
        except ssl.SSLError as exc:
            return Outcome(ok=False, error=f"TLS failed: {exc.reason or exc}")
        except OSError as exc:
            return Outcome(ok=False, retryable=True, error=f"connection failed: {_net(exc)}")
        return Outcome(ok=True, code=250)


def _smtp_outcome(code: int | None, text: bytes | str, what: str) -> Outcome:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    # 4xx is "try again later" in SMTP (a full mailbox, greylisting); 5xx is final.
    retryable = code is None or 400 <= code < 500
    return Outcome(
        ok=False,
        retryable=retryable,
        code=code,
        error=f"SMTP {code} ({what}): {' '.join(message.split())[:BODY_EXCERPT]}",
    )


def _net(exc: BaseException) -> str:
    """A network error in words, without the URL httpx may put in it."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        nxt = cause.__cause__ or cause.__context__
        assert nxt is not None
        cause = nxt
    text = str(getattr(cause, "strerror", None) or cause) or type(cause).__name__
    return f"{type(exc).__name__}: {text}"


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
