"""Chat completions latency: time to the first streamed content chunk and to the final chunk,
beside the non-streaming latency, on the embedded default (template composer, no model).

    python -m benchmarks.chat              # 16 questions + 4 follow-ups, x 3 rounds
    python -m benchmarks.chat --rounds 5

Hark runs on a real uvicorn server (a thread of this process, a free port) over the airline
workspace under evals/out/airline (14.5k tweets, taxonomy and entity catalogs, zone
America/Los_Angeles; as ``evals.enrichment.prepare_airline`` leaves it), with a fresh API key
of the workspace. The client is the official ``openai`` package:
``OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key)``, model "hark".

Each request is made once to warm up (models and mirrors load on the first; that pass is
reported as "first ask"), then in ``--rounds`` rounds, each making every request both ways,
streaming first or plain first in turn (so load from elsewhere on the machine falls on
both alike). Per streamed request: the first chunk (the assistant role, empty content), the
first chunk with content, the final chunk (``finish_reason: stop``, with the ``hark``
extension) and the end of the stream (``[DONE]``). Per plain request: the whole completion.
p50/p95 over all requests; the ratio first content / final chunk per streamed request, and
the streamed final chunk's p50 over the plain completion's.

The stream sends the verified answer only, so its first content chunk comes when the whole
answer is ready: with the template composer the ratio first content / final is close to 1.
The server also holds the stream's start until the answer is ready or 3 s have passed
(``HEAD_START_S``: an error before the stream starts is a plain HTTP error), so below 3 s
even the role chunk comes with the answer; past it, the role chunk and keep-alives come
first. Every request here is one user message, except four follow-ups sent with their
history (question, Hark's answer, follow-up) as chat clients send them.

Writes evals/out/chat_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from typing import Any

import numpy as np
import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionUserMessageParam,
)

from api.app import create_app
from api.local_server import serving
from evals.common import OUT
from hark.settings import Settings
from services.container import Container
from store import api_keys

WORKSPACE = "airline"
MODEL = "hark"
QUESTIONS = [
    "How many negative tweets about Delta were there on Feb 23?",
    "Why did negative tweets about United rise on Feb 22?",
    "What do customers complain about most for US Airways last week?",
    "Show examples of complaints about lost luggage at United",
    "Compare negative tweets about Delta and Southwest last week",
    "How did negative tweets about American change by day this week?",
    "Which airline got the most negative tweets on Feb 23?",
    "What share of tweets about Virgin America were negative last week?",
    "What do people say about Southwest?",
    "Show me positive tweets about JetBlue",
    "Сколько негативных твитов о Delta было 23 февраля?",
    "Почему выросло число негативных твитов о United 22 февраля?",
    "На что чаще всего жалуются клиенты Southwest?",
    "Покажи примеры жалоб на задержки рейсов у American",
    "Какая авиакомпания получила больше всего жалоб на прошлой неделе?",
    "Что пишут про обслуживание клиентов у United?",
]
# Follow-ups, sent as a chat client sends them: the whole history, the earlier answer (as
# Hark gave it, sources list included) between the two questions.
FOLLOW_UPS = [
    ("Why did negative tweets about United rise on Feb 22?", "and for Delta?"),
    ("How many negative tweets about American were there on Feb 23?", "and last week?"),
    ("На что жалуются клиенты US Airways?", "а у Southwest?"),
    ("Покажи жалобы на Delta 22 февраля", "ещё примеры"),
]


Messages = list[ChatCompletionMessageParam]


def streamed(client: openai.OpenAI, messages: Messages) -> dict[str, Any]:
    """Milliseconds from the request to the first chunk, the first content chunk, the final
    chunk and the end of the stream."""
    t0 = time.perf_counter()
    out: dict[str, Any] = {"chunks": 0, "content_chunks": 0, "chars": 0}
    stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True)
    for chunk in stream:
        now = (time.perf_counter() - t0) * 1000
        out["chunks"] += 1
        out.setdefault("first_chunk_ms", now)
        choice = chunk.choices[0] if chunk.choices else None
        if choice is not None and choice.delta.content:
            out.setdefault("first_content_ms", now)
            out["content_chunks"] += 1
            out["chars"] += len(choice.delta.content)
        if choice is not None and choice.finish_reason is not None:
            out["final_chunk_ms"] = now
    out["done_ms"] = (time.perf_counter() - t0) * 1000
    return out


def plain(client: openai.OpenAI, messages: Messages) -> dict[str, Any]:
    t0 = time.perf_counter()
    completion = client.chat.completions.create(model=MODEL, messages=messages)
    ms = (time.perf_counter() - t0) * 1000
    content = completion.choices[0].message.content or ""
    return {"total_ms": ms, "chars": len(content), "content": content}


def _pct(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(values, 50)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
        "min": round(float(np.min(values)), 1),
        "n": len(values),
    }


def _median(rows: list[dict[str, Any]], request: int, key: str) -> float:
    return round(float(np.median([r[key] for r in rows if r["request"] == request])), 1)


def _user(text: str) -> ChatCompletionUserMessageParam:
    return {"role": "user", "content": text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rt = Container(Settings(home=OUT / "airline", _env_file=None))
    with rt.engine.begin() as conn:
        key, secret = api_keys.create_key(conn, workspace=WORKSPACE, name="bench-chat")
    stream_rows: list[dict[str, Any]] = []
    plain_rows: list[dict[str, Any]] = []
    first_ask: list[float] = []
    requests: list[Messages] = [[_user(q)] for q in QUESTIONS]
    labels = list(QUESTIONS)
    try:
        with serving(create_app(rt.settings, rt)) as base:
            base_url = f"{base}/v1"
            client = openai.OpenAI(base_url=base_url, api_key=secret, max_retries=0, timeout=300)
            t0 = time.perf_counter()
            plain(client, requests[0])
            cold_ms = (time.perf_counter() - t0) * 1000
            # Every question once, timed apart ("first ask"); the follow-ups' first answers
            # become their histories.
            first_ask.extend(plain(client, messages)["total_ms"] for messages in requests[1:])
            for question, follow_up in FOLLOW_UPS:
                answer = plain(client, [_user(question)])
                first_ask.append(answer["total_ms"])
                said: ChatCompletionAssistantMessageParam = {
                    "role": "assistant",
                    "content": answer["content"],
                }
                requests.append([_user(question), said, _user(follow_up)])
                labels.append(f"{question} -> {follow_up}")
            for r in range(args.rounds):
                for i, messages in enumerate(requests):
                    ways = [("stream", streamed), ("plain", plain)]
                    if (r + i) % 2:
                        ways.reverse()
                    for way, call in ways:
                        row = {"request": i, "round": r, **call(client, messages)}
                        row.pop("content", None)
                        (stream_rows if way == "stream" else plain_rows).append(row)
                print(f"  round {r + 1}/{args.rounds}", flush=True)
    finally:
        with rt.engine.begin() as conn:
            api_keys.revoke_key(conn, key_id=key.id)
        rt.close()

    first = [r["first_chunk_ms"] for r in stream_rows]
    first_content = [r["first_content_ms"] for r in stream_rows]
    final = [r["final_chunk_ms"] for r in stream_rows]
    done = [r["done_ms"] for r in stream_rows]
    total = [r["total_ms"] for r in plain_rows]
    ratio = [r["first_content_ms"] / r["final_chunk_ms"] for r in stream_rows]
    report: dict[str, Any] = {
        "workspace": WORKSPACE,
        "composer": "template",
        "requests": labels,
        "rounds": args.rounds,
        "cold_first_request_ms": round(cold_ms, 1),
        "first_ask_plain_ms": _pct(first_ask),
        "stream": {
            "first_chunk_ms": _pct(first),
            "first_content_chunk_ms": _pct(first_content),
            "final_chunk_ms": _pct(final),
            "done_ms": _pct(done),
            "content_chunks_p50": float(np.median([r["content_chunks"] for r in stream_rows])),
        },
        "plain": {"total_ms": _pct(total)},
        "ratio_first_content_to_final": {
            "p50": round(float(np.median(ratio)), 3),
            "min": round(float(np.min(ratio)), 3),
        },
        "ratio_stream_final_to_plain_p50": round(
            float(np.percentile(final, 50) / np.percentile(total, 50)), 3
        ),
        "per_request_p50_ms": [
            {
                "request": label,
                "first_content": _median(stream_rows, i, "first_content_ms"),
                "final": _median(stream_rows, i, "final_chunk_ms"),
                "plain": _median(plain_rows, i, "total_ms"),
            }
            for i, label in enumerate(labels)
        ],
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
    }
    s = report["stream"]
    print(
        f"\n{len(QUESTIONS)} questions + {len(FOLLOW_UPS)} follow-ups with their history x "
        f"{args.rounds} rounds, template composer, uvicorn + openai client; cold first "
        f"request {cold_ms:.0f} ms"
    )
    print(f"{'ms':30}{'p50':>9}{'p95':>9}{'min':>9}")
    for label, cell in (
        ("stream: first chunk (role)", s["first_chunk_ms"]),
        ("stream: first content chunk", s["first_content_chunk_ms"]),
        ("stream: final chunk", s["final_chunk_ms"]),
        ("stream: [DONE]", s["done_ms"]),
        ("plain: whole completion", report["plain"]["total_ms"]),
        ("plain, each asked first time", report["first_ask_plain_ms"]),
    ):
        print(f"{label:30}{cell['p50']:9.0f}{cell['p95']:9.0f}{cell['min']:9.0f}")
    print(
        f"first content / final chunk, per request: p50 "
        f"{report['ratio_first_content_to_final']['p50']:.3f} "
        f"(min {report['ratio_first_content_to_final']['min']:.3f}); "
        f"stream final p50 / plain p50: {report['ratio_stream_final_to_plain_p50']:.3f}"
    )
    (OUT / "chat_bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {OUT / 'chat_bench.json'}")


if __name__ == "__main__":
    main()
