"""A real local OpenAI-compatible chat server for tests (STYLE.md item 11: a fake only for what
cannot run here, driven through the real ``openai`` client and langchain's ``ChatOpenAI``).

Tests script its replies and read back every request body it received::

    def test_x(llm_server):
        llm_server.queue("Complaints rose [12].")
        llm_server.queue(Reply.tool_call("Plan", {"metric": "count"}))
        llm_server.queue(Reply.error(500))
        ...  # point ChatOpenAI at llm_server.base_url
        assert "Complaints" in llm_server.requests[0]["messages"][-1]["content"]

A test can also set ``llm_server.responder``, a function from a request body to a Reply,
that answers whenever the queue is empty: a model whose reply depends on what it was shown
(tests/integration/test_injection.py scripts one that obeys instructions inside quotes).

Use it through the ``llm_server`` fixture (import it into a conftest) or ``serve()``.
It listens on 127.0.0.1 only. An unscripted request gets a 500 naming the gap, so a test that
calls the model more often than it planned fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.local_server import free_port


@dataclass(frozen=True)
class Reply:
    """One scripted answer: content, a tool call, or an HTTP error."""

    content: str | None = None
    tool_name: str | None = None  # None: the request's first tool
    arguments: dict[str, Any] | None = None
    status: int = 200
    usage: bool = True  # False: leave "usage" out, as some servers do

    @classmethod
    def text(cls, content: str, *, usage: bool = True) -> Reply:
        return cls(content=content, usage=usage)

    @classmethod
    def tool_call(cls, name: str | None, arguments: dict[str, Any]) -> Reply:
        return cls(tool_name=name, arguments=arguments)

    @classmethod
    def error(cls, status: int = 500, message: str = "scripted failure") -> Reply:
        return cls(content=message, status=status)


@dataclass
class LLMServer:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    _replies: deque[Reply] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Answers a request when nothing is queued; None keeps the loud 500 for unplanned calls.
    responder: Callable[[dict[str, Any]], Reply] | None = None

    def queue(self, reply: str | Reply) -> None:
        with self._lock:
            self._replies.append(Reply.text(reply) if isinstance(reply, str) else reply)

    def take(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            self.requests.append(body)
            if self._replies:
                return self._replies.popleft()
        return self.responder(body) if self.responder is not None else None

    @property
    def pending(self) -> int:
        return len(self._replies)


def _error(status: int, message: str) -> JSONResponse:
    body = {"error": {"message": message, "type": "server_error", "code": None, "param": None}}
    return JSONResponse(body, status_code=status)


def _words(text: str) -> int:
    return len(text.split())


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish = "stop"
    if reply.arguments is not None:
        arguments = json.dumps(reply.arguments)
        tools = body.get("tools") or []
        if tools:
            name = reply.tool_name or tools[0]["function"]["name"]
            call = {"id": "call_1", "type": "function"}
            call["function"] = {"name": name, "arguments": arguments}  # type: ignore[assignment]
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls"
        else:  # a planner asking for response_format JSON gets the arguments as content
            message["content"] = arguments
    response: dict[str, Any] = {
        "id": f"chatcmpl-{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
    }
    if reply.usage:
        # Word counts, not tokens: enough for tests to see that usage is read and summed.
        shown = sum(_words(str(m.get("content") or "")) for m in body.get("messages", []))
        made = _words(str(message.get("content") or "")) or 1
        response["usage"] = {
            "prompt_tokens": shown,
            "completion_tokens": made,
            "total_tokens": shown + made,
        }
    return response


def create_app(server: LLMServer) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "test-model", "object": "model"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "body is not JSON")
        reply = server.take(body)
        if body.get("stream"):
            return _error(400, "the test server does not stream")
        if reply is None:
            return _error(500, "no scripted reply left in the test server's queue")
        if reply.status != 200:
            return _error(reply.status, reply.content or "scripted failure")
        return JSONResponse(_completion(body, reply))

    return app


class _Thread:
    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Thread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test LLM server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve() -> Iterator[LLMServer]:
    """Start a server, yield its handle, stop it (usable without pytest)."""
    port = free_port()
    server = LLMServer(base_url=f"http://127.0.0.1:{port}/v1")
    with _Thread(create_app(server), port):
        yield server


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    yield from serve()
