"""A real local HTTP server that stands in for the chat platforms' APIs in tests: Slack's Web
API (``/api/chat.postMessage``) and a slash command's ``response_url``, and Telegram's Bot API
(``/bot<token>/sendMessage``). It records every request (path, headers, body, arrival time)
and answers as the platform does, so the bots are driven through their real clients
(slack_sdk's WebClient and WebhookClient, urllib) over real HTTP.

    with serve_receiver() as receiver:
        ...  # point HARK_SLACK_API_BASE at f"{receiver.url}/api/"
        [post] = receiver.wait_for(1)

Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class Receiver:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._lock = threading.Condition()
        self._received: list[Received] = []

    def record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)
            self._lock.notify_all()

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def wait_for(self, count: int, timeout_s: float = 120.0) -> list[Received]:
        """The requests received, once there are at least ``count`` (AssertionError after
        ``timeout_s`` with what did arrive)."""
        with self._lock:
            arrived = self._lock.wait_for(lambda: len(self._received) >= count, timeout_s)
            assert arrived, f"expected {count} requests, got {self._received}"
            return list(self._received)


def _reply(path: str, body: bytes) -> tuple[int, str, bytes]:
    """(status, content type, body) as the platform answers ``path``."""
    try:
        sent = json.loads(body) if body.startswith(b"{") else {}
    except ValueError:
        sent = {}
    if path.endswith("/chat.postMessage"):
        answer: dict[str, Any] = {
            "ok": True,
            "channel": sent.get("channel"),
            "ts": f"{time.time():.6f}",
            "message": {"text": sent.get("text"), "type": "message"},
        }
        return 200, "application/json", json.dumps(answer).encode()
    if path.endswith("/sendMessage"):
        result = {
            "message_id": 1000,
            "date": int(time.time()),
            "chat": {"id": sent.get("chat_id"), "type": "private"},
            "text": sent.get("text"),
        }
        return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()
    return 200, "text/plain", b"ok"  # a slash command's response_url


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            holder[0].record(
                Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )
            )
            status, content_type, answer = _reply(self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test output stays readable

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, name="chat-receiver", daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
