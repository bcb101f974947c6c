"""OpenAI-compatible chat: ``POST /v1/chat/completions`` and ``GET /v1/models``, so the
official ``openai`` client, langchain's ``ChatOpenAI`` and chat front-ends talk to Hark with
``base_url=http://host/v1`` and a Hark API key, unchanged.

- **Models** are assistants: ``hark`` answers over the key's workspace, ``hark:<brand>``
  answers a question that names no brand for that brand (``GET /v1/models`` lists them).
- **Messages**: the last one must be the user's question; earlier user messages are the
  conversation, each read as a follow-up of the one before (services/chat.py), so a client
  that resends its history gets "and for Delta?" answered as it meant. System and assistant
  messages are not read, except the sources lists of Hark's own earlier answers (quotes
  shown there are not shown again as more examples). Extensions (``extra_body``):
  ``conversation_id`` keeps the conversation server-side instead (its stored turns are the
  history, earlier messages are not read), ``use_llm`` and ``reference`` as on /v1/ask.
- **Answers** cite [1], [2] … and end with a "Sources:" list mapping each number to its
  mention (id, source, day, text, link); the response and the final stream chunk carry the
  structured answer in ``hark``: citations (with their numbers), facts, plan, warnings.
- **Streaming** (``stream: true``) sends OpenAI's wire format: ``data: {chunk}`` lines of
  ``chat.completion.chunk`` objects, a first chunk with the role, the content by line and
  sentence, a last chunk with ``finish_reason: "stop"`` and ``hark``, a usage chunk when
  ``stream_options.include_usage`` asks, then ``data: [DONE]``. With a model configured the
  model's answer is never streamed as it is generated: it is taken whole and verified
  (ask/verifier.py, one retry) before its first character is sent, so no unverified number
  ever reaches a client; an answer that fails the checks streams the template answer with
  a warning in ``hark.warnings``. While the answer is made, SSE comments keep the
  connection alive.
- **Refused** (400): ``n`` above 1, ``tools``/``functions``, a ``response_format`` other
  than text, content parts other than text, roles other than system/developer/user/
  assistant. **Ignored**: sampling and length parameters (``temperature``, ``top_p``,
  ``max_tokens``, ``stop``, ``seed``, penalties, ``logprobs``), ``user``, ``metadata``: the
  answer is made from the data, not sampled. Usage counts are tiktoken counts of the
  messages and the answer.
- **Errors** have OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``:
  400 for a request Hark cannot answer as sent, 401 for a missing or unknown key, 404 for an
  unknown model or conversation, 5xx when a store is down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import ContainerDep, WorkspaceDep
from api.errors import STATUS
from hark.dates import UtcDatetime
from hark.errors import ErrorCode, HarkError
from hark.storable import BodyId, StorableStr
from hark.tokens import count_tokens
from services.chat import Assistant, ChatAnswer, Message, numbered

log = logging.getLogger("hark.api")

# An answer ready within this many seconds is sent as a whole stream, and its errors as
# plain HTTP errors; a slower one (a model phrasing it) starts the stream first.
HEAD_START_S = 3.0
KEEPALIVE_S = 10.0
MAX_MESSAGES = 200
# Lines, and sentences within a line: the pieces an answer is streamed in. Their
# concatenation is the answer exactly.
_PIECE = re.compile(r"(?<=\n)|(?<=[.!?…。؟])(?= )")
_ERROR_TYPES = {
    401: "invalid_request_error",
    429: "rate_limit_error",
}
_ERROR_CODES = {ErrorCode.UNAUTHORIZED: "invalid_api_key"}


class OpenAIError(Exception):
    """A request OpenAI's API would refuse, with the code its clients know."""

    def __init__(self, message: str, *, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.param = message, code, param


def error_body(
    status: int, message: str, code: str | None, param: str | None = None
) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_response(
    status: int, message: str, code: str | None, param: str | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        error_body(status, message, code, param), status_code=status, headers=headers
    )


def _hark_status(exc: HarkError) -> tuple[int, str]:
    status = STATUS[exc.code]
    if status == 422:
        status = 400  # OpenAI's clients read 400 as "the request cannot be answered as sent"
    return status, _ERROR_CODES.get(exc.code, exc.code.value)


def _from_hark(exc: HarkError) -> JSONResponse:
    status, code = _hark_status(exc)
    return error_response(status, exc.message, code)


class OpenAIRoute(APIRoute):
    """Answers this router's errors in OpenAI's shape: its clients read ``error.message``,
    ``error.type`` and ``error.code``. Authentication and validation run inside the route
    handler, so they are covered too; Hark's other routes keep Hark's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except HarkError as exc:
                return _from_hark(exc)
            except OpenAIError as exc:
                return error_response(400, exc.message, exc.code, exc.param)
            except HTTPException as exc:  # FastAPI's own: a body it could not even parse
                return error_response(exc.status_code, str(exc.detail), "invalid_request")
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
                message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
                if first.get("type") == "json_invalid":
                    return error_response(400, "the request body is not valid JSON", "invalid_json")
                return error_response(
                    400, f"{loc}: {message}" if loc else message, "invalid_request", loc or None
                )

        return handle


router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: StorableStr | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: StorableStr | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False


class CompletionIn(BaseModel):
    # OpenAI's other parameters are accepted and ignored (see the module docstring).
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: StrictBool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    response_format: dict[str, Any] | None = None
    conversation_id: BodyId | None = Field(
        None, description="Hark extension: keep the conversation server-side."
    )
    use_llm: StrictBool = Field(True, description="Hark extension, as on /v1/ask.")
    reference: UtcDatetime | None = Field(None, description="Hark extension, as on /v1/ask.")


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "hark"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


@router.get("/models", response_model=ModelList)
async def list_models(c: ContainerDep, workspace: WorkspaceDep) -> ModelList:
    """The assistants of the key's workspace: ``hark`` and ``hark:<brand>``."""
    found = await run_in_threadpool(c.chat.assistants, workspace)
    return ModelList(data=[ModelOut(id=a.id) for a in found])


@router.get("/models/{model:path}", response_model=ModelOut)
async def get_model(
    model: Annotated[str, Path(max_length=200)], c: ContainerDep, workspace: WorkspaceDep
) -> ModelOut:
    found = await run_in_threadpool(c.chat.assistant, workspace, model)
    return ModelOut(id=found.id)


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: CompletionIn, c: ContainerDep, workspace: WorkspaceDep
) -> Response:
    """The last user message answered as Hark answers /v1/ask, in OpenAI's format."""
    _refuse_unsupported(body)
    messages = _messages(body.messages)
    assistant: Assistant = await run_in_threadpool(c.chat.assistant, workspace, body.model)

    def answer() -> ChatAnswer:
        if body.conversation_id is not None:
            return c.chat.reply(
                workspace,
                body.conversation_id,
                messages[-1].text,
                use_llm=body.use_llm,
                reference=body.reference,
                assistant=assistant,
            )
        return c.chat.complete(
            workspace,
            messages,
            assistant=assistant,
            use_llm=body.use_llm,
            reference=body.reference,
        )

    prompt_tokens = sum(count_tokens(m.text) for m in messages)
    reply = _Reply(model=body.model, prompt_tokens=prompt_tokens)
    task = asyncio.ensure_future(run_in_threadpool(answer))
    if not body.stream:
        return JSONResponse(reply.completion(await task))
    done, _ = await asyncio.wait({task}, timeout=HEAD_START_S)
    if done:
        task.result()  # an error before the stream starts is a plain HTTP error
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        reply.events(task, include_usage=include_usage),
        media_type="text/event-stream",
        # Proxies must pass each event on at once, not buffer the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _refuse_unsupported(body: CompletionIn) -> None:
    if body.n not in (None, 1):
        raise OpenAIError(
            "n must be 1: Hark gives one grounded answer per question",
            code="unsupported",
            param="n",
        )
    if body.tools or body.functions:
        raise OpenAIError(
            "Hark does not call tools: send the question as a user message",
            code="unsupported",
            param="tools" if body.tools else "functions",
        )
    kind = (body.response_format or {}).get("type", "text")
    if kind != "text":
        raise OpenAIError(
            f"response_format {kind!r} is not supported: answers are text with citations; "
            "the structured answer is in the response's 'hark' field",
            code="unsupported",
            param="response_format",
        )


def _messages(given: list[ChatMessageIn]) -> list[Message]:
    out: list[Message] = []
    for i, m in enumerate(given):
        role = "system" if m.role == "developer" else m.role
        if role not in ("system", "user", "assistant"):
            raise OpenAIError(
                f"messages[{i}]: role {m.role!r} is not supported (system, developer, user, "
                "assistant)",
                code="unsupported",
                param=f"messages.{i}.role",
            )
        if isinstance(m.content, list):
            parts = []
            for j, part in enumerate(m.content):
                if part.type != "text" or part.text is None:
                    raise OpenAIError(
                        f"messages[{i}].content[{j}]: only text parts are supported",
                        code="unsupported",
                        param=f"messages.{i}.content.{j}",
                    )
                parts.append(part.text)
            text = "\n".join(parts)
        else:
            text = m.content or ""
        out.append(Message(role=role, text=text))  # type: ignore[arg-type]
    if out[-1].role != "user" or not out[-1].text.strip():
        raise OpenAIError(
            "the last message must be the user's question",
            code="invalid_request",
            param=f"messages.{len(out) - 1}",
        )
    return out


def pieces(text: str) -> list[str]:
    """The answer cut into lines and sentences; joined, they are the answer exactly."""
    return [p for p in _PIECE.split(text) if p]


class _Reply:
    """One completion's ids and counts, rendered whole or as a stream of chunks."""

    def __init__(self, *, model: str, prompt_tokens: int) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self.prompt_tokens = prompt_tokens

    def usage(self, content: str) -> dict[str, int]:
        made = count_tokens(content)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": made,
            "total_tokens": self.prompt_tokens + made,
        }

    def completion(self, answer: ChatAnswer) -> dict[str, Any]:
        text, extension = _rendered(answer)
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": self.usage(text),
            "hark": extension,
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return _event(self.chunk_body(delta, finish, **extra))

    def chunk_body(
        self, delta: dict[str, Any], finish: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            **extra,
        }

    async def events(
        self, task: asyncio.Future[ChatAnswer], *, include_usage: bool
    ) -> AsyncIterator[str]:
        usage: dict[str, Any] = {"usage": None} if include_usage else {}
        yield self.chunk({"role": "assistant", "content": ""}, **usage)
        while not task.done():
            done, _ = await asyncio.wait({task}, timeout=KEEPALIVE_S)
            if not done:
                yield ": keep-alive\n\n"  # an SSE comment: clients skip it, proxies see traffic
        try:
            answer = task.result()
        except HarkError as exc:
            # The stream has started: the error is an event, which OpenAI's clients raise.
            status, code = _hark_status(exc)
            yield _event(error_body(status, exc.message, code))
            return
        except Exception:
            log.exception("chat completion failed after its stream started")
            yield _event(error_body(500, "internal error", None))
            return
        text, extension = _rendered(answer)
        for piece in pieces(text):
            yield self.chunk({"content": piece}, **usage)
        yield self.chunk({}, "stop", hark=extension, **usage)
        if include_usage:
            yield _event(self.chunk_body({}) | {"choices": [], "usage": self.usage(text)})
        yield "data: [DONE]\n\n"


def _event(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _rendered(answer: ChatAnswer) -> tuple[str, dict[str, Any]]:
    """The answer's text as a chat client shows it, and the structured answer beside it."""
    result = answer.result
    shown = numbered(result)
    by_id = {c.id: c for c in result.citations}
    extension = {
        "citations": [
            {"n": n.n, "in_text": n.in_text, **by_id[n.id].model_dump(mode="json")}
            for n in shown.citations
        ],
        "facts": [f.model_dump(mode="json") for f in result.facts],
        "plan": result.plan.model_dump(mode="json"),
        "warnings": list(result.warnings),
        "composer": result.composer,
        "language": result.language,
        "answer": result.answer,
        "conversation_id": answer.conversation_id,
        "turn": answer.turn,
    }
    return shown.text, extension
