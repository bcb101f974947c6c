"""/v1/chat/completions and /v1/models through the official ``openai`` client and langchain's
``ChatOpenAI``, against a real uvicorn server: answers cite [n] with their sources, a stream
is the same answer in OpenAI's wire format, follow-ups resolve from the resent history, a
model's answer is verified before anything of it is streamed, errors have OpenAI's shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI
from langchain_openai import ChatOpenAI
from sqlalchemy import func, select

from api.app import create_app
from api.local_server import serving
from api.routers import conversations, openai_compat
from enrichment.catalogs import parse, set_catalog
from hark.settings import Settings
from services.chat import ChatService
from services.container import Container
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, ingest_airline_excerpt
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.integration
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
FEB22 = (datetime(2015, 2, 22, tzinfo=UTC), datetime(2015, 2, 23, tzinfo=UTC))
FEB23 = (datetime(2015, 2, 23, tzinfo=UTC), datetime(2015, 2, 24, tzinfo=UTC))
COUNT_DELTA = "How many negative tweets about Delta were there on Feb 23?"
WHY_UNITED = "Why did negative tweets about United rise on Feb 23 compared with Feb 22?"
DELTA_DRAFT = {
    "intent": "count",
    "start_day": "2015-02-23",
    "end_day": "2015-02-23",
    "sentiment": "negative",
    "brands": ["Delta"],
}


def _load(rt: Container) -> None:
    for kind, name in (
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ):
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="acme", kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt)


def _app(rt: Container) -> FastAPI:
    """The API with the chat routes. Until the container and the app factory wire the chat
    service and its routers, the test does (both steps are no-ops after)."""
    rt.__dict__.setdefault("chat", ChatService(rt.settings, lambda: rt.engine, rt.ask))
    app = create_app(rt.settings, rt)
    paths = {getattr(r, "path", "") for r in app.routes}
    for router, path in (
        (openai_compat.router, "/v1/chat/completions"),
        (conversations.router, "/v1/conversations"),
    ):
        if path not in paths:
            app.include_router(router)
    return app


def _secret(rt: Container, workspace: str = "acme") -> str:
    return api_auth(rt, workspace)["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def hark(rt: Container) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of a running server over the airline excerpt."""
    _load(rt)
    with serving(_app(rt)) as base:
        base_url = f"{base}/v1"
        yield base_url, _secret(rt)


def _count(rt: Container, **where: Any) -> int:
    m = mentions.c
    cond = [m.workspace == "acme", m.duplicate_of.is_(None), m.noise.is_(None)]
    if "day" in where:
        day = where.pop("day")
        cond += [m.created_at >= day[0], m.created_at < day[1]]
    cond += [m[k] == v for k, v in where.items()]
    with rt.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(*cond)).scalar_one())


def _ask(client: openai.OpenAI, question: str, **kw: Any) -> Any:
    return client.chat.completions.create(
        model=kw.pop("model", "hark"), messages=[{"role": "user", "content": question}], **kw
    )


def _stream(client: openai.OpenAI, messages: list[dict[str, str]], **kw: Any) -> list[Any]:
    return list(
        client.chat.completions.create(
            model=kw.pop("model", "hark"),
            messages=messages,
            stream=True,
            **kw,  # type: ignore[arg-type]
        )
    )


def _fact(extension: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(f for f in extension["facts"] if f["kind"] == kind)


def test_an_answer_cites_numbered_sources(hark: tuple[str, str], rt: Container) -> None:
    base_url, key = hark
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    completion = _ask(client, COUNT_DELTA)
    assert completion.object == "chat.completion" and completion.model == "hark"
    [choice] = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    extension = completion.model_extra["hark"]
    expected = _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    assert _fact(extension, "count")["total"] == expected
    assert extension["plan"]["brands"] == ["Delta"] and extension["composer"] == "template"
    # Every citation is numbered in the text and listed under Sources with its mention id.
    citations = extension["citations"]
    assert citations and content.count("\nSources:\n") == 1
    body, sources = content.split("\n\nSources:\n")
    for c in citations:
        assert c["in_text"] and f"[{c['n']}]" in body
        assert f"[{c['n']}] #{c['id']} · {c['source']} · 2015-02-23: " in sources
        assert f"[{c['id']}]" not in body or c["id"] == c["n"]
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    # The text is the /v1/ask answer with its citations renumbered.
    answer = extension["answer"]
    for c in citations:
        answer = answer.replace(f"[{c['id']}]", f"[{c['n']}]")
    assert body == answer
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_a_stream_is_the_same_answer_in_chunks(hark: tuple[str, str]) -> None:
    base_url, key = hark
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    whole = _ask(client, WHY_UNITED)
    chunks = _stream(
        client,
        [{"role": "user", "content": WHY_UNITED}],
        stream_options={"include_usage": True},
    )
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) > 2  # by line and sentence, not one blob
    text = "".join(c.choices[0].delta.content for c in content_chunks)
    assert text == whole.choices[0].message.content
    *_, final, usage = chunks
    assert final.choices[0].finish_reason == "stop" and final.choices[0].delta.content is None
    extension = final.model_extra["hark"]
    assert extension["citations"] == whole.model_extra["hark"]["citations"]
    assert extension["facts"] == whole.model_extra["hark"]["facts"]
    assert usage.choices == [] and usage.usage is not None
    assert usage.usage.completion_tokens == whole.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_the_wire_format_is_openais(hark: tuple[str, str]) -> None:
    base_url, key = hark
    response = httpx.post(
        f"{base_url}/chat/completions",
        json={
            "model": "hark",
            "stream": True,
            "messages": [{"role": "user", "content": COUNT_DELTA}],
        },
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    bodies = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert bodies[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert [b["choices"][0]["finish_reason"] for b in bodies][-1] == "stop"
    assert all(b["choices"][0]["finish_reason"] is None for b in bodies[:-1])
    assert "usage" not in bodies[-1] and "hark" in bodies[-1]


def test_models_are_the_workspace_and_its_brands(hark: tuple[str, str]) -> None:
    base_url, key = hark
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    ids = [m.id for m in client.models.list()]
    assert ids[0] == "hark" and {"hark:Delta", "hark:United", "hark:American"} <= set(ids)
    assert "hark:united" not in ids  # the catalog's entity is the stored brand
    assert client.models.retrieve("hark:Delta").id == "hark:Delta"
    # A brand's assistant answers a question that names no brand about that brand.
    scoped = _ask(client, "How many negative tweets were there on Feb 23?", model="hark:delta")
    extension = scoped.model_extra["hark"]
    assert extension["plan"]["brands"] == ["Delta"]
    assert any("the assistant's brand" in w for w in extension["warnings"])
    direct = _ask(client, COUNT_DELTA).model_extra["hark"]
    assert _fact(extension, "count")["total"] == _fact(direct, "count")["total"]
    with pytest.raises(openai.NotFoundError) as err:
        _ask(client, COUNT_DELTA, model="gpt-4o")
    assert err.value.body["code"] == "not_found" and "hark" in err.value.body["message"]


def test_follow_ups_resolve_from_the_history(hark: tuple[str, str], rt: Container) -> None:
    base_url, key = hark
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    first = _ask(client, WHY_UNITED).choices[0].message.content
    history = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": WHY_UNITED},
        {"role": "assistant", "content": first},
        {"role": "user", "content": "and for Delta?"},
    ]
    follow = client.chat.completions.create(model="hark", messages=history)  # type: ignore[arg-type]
    plan = follow.model_extra["hark"]["plan"]
    assert plan["intent"] == "why_change" and plan["brands"] == ["Delta"]
    assert plan["sentiment"] == "negative" and plan["window"]["start"].startswith("2015-02-23")
    change = _fact(follow.model_extra["hark"], "change")
    assert change["current"] == _count(rt, day=FEB23, brand="Delta", sentiment="negative")
    assert change["baseline"] == _count(rt, day=FEB22, brand="Delta", sentiment="negative")
    assert follow.model_extra["hark"]["turn"] == 2

    # More examples: none of the quotes an earlier answer listed.
    examples = _ask(client, "Show examples of negative tweets from Feb 17 to Feb 24")
    shown = {c["id"] for c in examples.model_extra["hark"]["citations"]}
    more = client.chat.completions.create(
        model="hark",
        messages=[
            {"role": "user", "content": "Show examples of negative tweets from Feb 17 to Feb 24"},
            {"role": "assistant", "content": examples.choices[0].message.content},
            {"role": "user", "content": "show me more examples"},
        ],
    )
    new = {c["id"] for c in more.model_extra["hark"]["citations"]}
    assert len(shown) == 5 and len(new) == 5 and not shown & new

    # A conversation kept server-side (extension): the stored turns are the history.
    cid = httpx.post(
        f"{base_url}/conversations", headers={"Authorization": f"Bearer {key}"}
    ).json()["id"]
    for question in (WHY_UNITED, "and for Delta?"):
        kept = _ask(client, question, extra_body={"conversation_id": cid})
    assert kept.model_extra["hark"]["conversation_id"] == cid
    assert kept.model_extra["hark"]["turn"] == 2
    assert kept.model_extra["hark"]["plan"]["brands"] == ["Delta"]


def test_errors_have_openais_shape(hark: tuple[str, str]) -> None:
    base_url, key = hark
    bad = openai.OpenAI(base_url=base_url, api_key="not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        _ask(bad, COUNT_DELTA)
    assert err.value.status_code == 401
    assert set(err.value.body) >= {"message", "type", "code"}
    assert err.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()

    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        _ask(client, COUNT_DELTA, n=2)
    assert err.value.body["param"] == "n" and err.value.body["type"] == "invalid_request_error"
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError):
        _ask(client, COUNT_DELTA, tools=[tool])
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model="hark", messages=[{"role": "assistant", "content": "hi"}]
        )
    assert "last message" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:
        _ask(client, "x" * 2001)
    assert err.value.body["code"] == "validation_error"
    with pytest.raises(openai.BadRequestError) as err:
        _ask(client, COUNT_DELTA, stream=True, extra_body={"use_llm": "yes"})
    assert err.value.body["param"] == "use_llm"
    response = httpx.post(
        f"{base_url}/chat/completions",
        content=b"{not json",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert (
        response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    )
    response = httpx.post(  # not even text: FastAPI refuses it before validation
        f"{base_url}/chat/completions",
        content=b"/\xc0\x93\xaa",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_langchain_chat_openai_works_against_hark(hark: tuple[str, str]) -> None:
    base_url, key = hark
    chat = ChatOpenAI(base_url=base_url, api_key=key, model="hark", max_retries=0)  # type: ignore[arg-type]
    reply = chat.invoke(COUNT_DELTA)
    assert "Delta" in reply.text and "\nSources:\n[1] #" in reply.text
    streamed = "".join(chunk.text for chunk in chat.stream(COUNT_DELTA))
    assert streamed == reply.text


def test_a_model_answer_is_verified_before_it_is_streamed(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    settings = Settings(
        home=tmp_path / "llm-home", llm_base_url=llm_server.base_url, _env_file=None
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    _load(rt)
    with serving(_app(rt)) as base:
        base_url = f"{base}/v1"
        client = openai.OpenAI(base_url=base_url, api_key=_secret(rt), max_retries=0)
        offline = _ask(client, COUNT_DELTA, extra_body={"use_llm": False})
        template = offline.choices[0].message.content
        extension = offline.model_extra["hark"]
        total = _fact(extension, "count")["total"]
        cite = extension["citations"][0]["id"]

        # An invented number, twice: the stream is the checked template answer, and says so.
        llm_server.queue(Reply.tool_call("PlanDraft", DELTA_DRAFT))
        llm_server.queue(Reply.text(f"Delta drew {total + 17} negative tweets [{cite}]."))
        llm_server.queue(Reply.text(f"Delta drew 999 negative tweets [{cite}]."))
        chunks = _stream(client, [{"role": "user", "content": COUNT_DELTA}])
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == template and "999" not in text and str(total + 17) not in text
        final = chunks[-1]
        assert final.choices[0].finish_reason == "stop"
        assert final.model_extra["hark"]["composer"] == "template"
        assert any("failed the checks" in w for w in final.model_extra["hark"]["warnings"])

        # A verified answer streams the model's words, its citation renumbered.
        llm_server.queue(Reply.tool_call("PlanDraft", DELTA_DRAFT))
        llm_server.queue(Reply.text(f"Delta drew {total} negative tweets that day [{cite}]."))
        chunks = _stream(client, [{"role": "user", "content": COUNT_DELTA}])
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text.startswith(f"Delta drew {total} negative tweets that day [1].\n\nSources:\n")
        assert chunks[-1].model_extra["hark"]["composer"] == "llm"

        # A follow-up is planned by the model with the previous plan as context.
        llm_server.queue(Reply.tool_call("PlanDraft", {**DELTA_DRAFT, "brands": ["United"]}))
        llm_server.queue(Reply.text("999 [1]."))
        llm_server.queue(Reply.text("999 [1]."))
        follow = client.chat.completions.create(
            model="hark",
            messages=[
                {"role": "user", "content": COUNT_DELTA},
                {"role": "assistant", "content": text},
                {"role": "user", "content": "and for United?"},
            ],
        )
        plan = follow.model_extra["hark"]["plan"]
        assert plan["planner"] == "llm" and plan["brands"] == ["United"]
        prompt = json.dumps(llm_server.requests[-3])
        assert "Previous plan" in prompt and "and for United?" in prompt
        assert llm_server.pending == 0
    rt.close()


def test_a_slow_answer_streams_keep_alives_then_the_answer_or_an_error(
    hark: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer not ready at once (a model phrasing it) starts the stream before it is
    made: SSE comments keep the connection open, and an error is an event clients raise."""
    base_url, key = hark
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    whole = _ask(client, COUNT_DELTA).choices[0].message.content
    monkeypatch.setattr(openai_compat, "HEAD_START_S", 0.0)
    monkeypatch.setattr(openai_compat, "KEEPALIVE_S", 0.001)
    response = httpx.post(
        f"{base_url}/chat/completions",
        json={
            "model": "hark",
            "stream": True,
            "messages": [{"role": "user", "content": COUNT_DELTA}],
        },
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200 and ": keep-alive\n\n" in response.text
    chunks = _stream(client, [{"role": "user", "content": COUNT_DELTA}])
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
    # "5-1 star" is an impossible filter: refused, after the stream began.
    with pytest.raises(openai.APIError) as err:
        _stream(client, [{"role": "user", "content": "Show 5-1 star reviews of Delta"}])
    assert "impossible filter" in err.value.message
    assert err.value.body["code"] == "validation_error"
