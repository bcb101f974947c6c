"""Generates the ask eval's question set from the airline tweets' labels (truth comes from
the crowd's `airline_sentiment` and `negativereason`, never from Hark's code).

    python -m evals.ask_questions      # writes evals/ask_questions.jsonl (checked in)

Days are UTC calendar days, as Hark reads "Feb 22"; the tweets' own times (UTC-08:00) are
converted first. The reference date is the day of the latest tweet, as in Hark.
"""

from __future__ import annotations

import collections
import csv
import json
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

from hark.text import slug

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twitter-us-airline-sentiment"
OUT = Path(__file__).parent / "ask_questions.jsonl"
PST = timezone(timedelta(hours=-8))
MIN_RISE = 15  # labelled negative tweets more than the day before, for a "why" question
RU_MONTH = {2: "февраля"}
CANT_TELL = "can_t_tell"


def tweets() -> list[dict[str, object]]:
    seen: set[str] = set()
    out = []
    with (DATA / "tweets.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["tweet_id"] in seen:  # Hark keeps the first occurrence of a repeated id
                continue
            seen.add(r["tweet_id"])
            local = datetime.strptime(r["tweet_created"], "%m/%d/%Y %H:%M").replace(tzinfo=PST)
            out.append(
                {
                    "airline": r["airline"],
                    "day": local.astimezone(UTC).date(),
                    "sentiment": r["airline_sentiment"],
                    "reason": slug(r["negativereason"]) if r["negativereason"] else None,
                }
            )
    return out


def _reasons(rows: list[dict[str, object]]) -> collections.Counter[str]:
    return collections.Counter(
        str(r["reason"]) for r in rows if r["sentiment"] == "negative" and r["reason"] != CANT_TELL
    )


def _en(d: date) -> str:
    return d.strftime("%b %d").replace(" 0", " ")


def _ru(d: date) -> str:
    return f"{d.day} {RU_MONTH[d.month]}"


def generate() -> list[dict[str, object]]:
    rows = tweets()
    latest = max(r["day"] for r in rows)  # type: ignore[type-var]
    by = collections.defaultdict(list)
    for r in rows:
        by[(r["airline"], r["day"])].append(r)
    airlines = sorted({str(r["airline"]) for r in rows})
    days = sorted({r["day"] for r in rows})  # type: ignore[type-var]
    questions: list[dict[str, object]] = []

    def add(kind: str, language: str, text: str, airline: str, **truth: object) -> None:
        questions.append(
            {"id": f"q{len(questions) + 1}", "kind": kind, "language": language,
             "question": text, "airline": airline, "truth": truth}
        )  # fmt: skip

    for airline in airlines:
        for prev, day in pairwise(days):
            now_rows, before_rows = by[(airline, day)], by[(airline, prev)]
            neg_now = sum(r["sentiment"] == "negative" for r in now_rows)
            neg_before = sum(r["sentiment"] == "negative" for r in before_rows)
            if neg_now - neg_before < MIN_RISE:
                continue
            growth = _reasons(now_rows)
            growth.subtract(_reasons(before_rows))
            drivers = [k for k, v in growth.most_common() if v > 0][:3]
            truth = {
                "window": [day.isoformat(), (day + timedelta(days=1)).isoformat()],
                "baseline": [prev.isoformat(), day.isoformat()],
                "drivers": drivers,
                "labelled_negative": [neg_now, neg_before],
            }
            add("why_change", "en",
                f"Why did negative tweets about {airline} rise on {_en(day)} compared with "
                f"{_en(prev)}?", airline, **truth)  # fmt: skip
            add("why_change", "ru",
                f"Почему выросло число негативных твитов о {airline} {_ru(day)} по сравнению "
                f"с {_ru(prev)}?", airline, **truth)  # fmt: skip
    # "Last week" is the previous ISO week before the reference (latest) day.
    monday = latest - timedelta(days=latest.weekday())
    week = [monday - timedelta(days=7), monday]
    for airline in airlines:
        in_week = [
            r
            for r in rows
            if r["airline"] == airline and week[0] <= r["day"] < week[1]  # type: ignore[operator]
        ]
        top = [k for k, _ in _reasons(in_week).most_common(3)]
        truth = {"window": [d.isoformat() for d in week], "drivers": top}
        add(
            "complaints",
            "en",
            f"What do customers complain about most for {airline} last week?",
            airline,
            **truth,
        )
        add(
            "complaints",
            "ru",
            f"На что больше всего жалуются клиенты {airline} на прошлой неделе?",
            airline,
            **truth,
        )
    for airline in airlines:
        for day in days[-4:-1]:
            neg = sum(r["sentiment"] == "negative" for r in by[(airline, day)])
            truth = {"window": [day.isoformat(), (day + timedelta(days=1)).isoformat()],
                     "labelled_negative": neg}  # fmt: skip
            en = f"How many negative tweets about {airline} were there on {_en(day)}?"
            add("count", "en", en, airline, **truth)
            add(
                "count",
                "ru",
                f"Сколько было негативных твитов о {airline} {_ru(day)}?",
                airline,
                **truth,
            )
    return questions


def main() -> None:
    questions = generate()
    with OUT.open("w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    kinds = collections.Counter(str(q["kind"]) for q in questions)
    print(f"wrote {len(questions)} questions to {OUT}: {dict(kinds)}")


if __name__ == "__main__":
    main()
