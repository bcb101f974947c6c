"""Conversations with follow-ups, scored against the airline tweets' labels, beside a stateless
baseline in the same run.

    python -m evals.conversations                 # every conversation, both languages
    python -m evals.conversations --per-template 2 --languages en   # a quick look

Two- and three-turn conversations are generated from templates x airlines x days x phrasings
(English and Russian, several phrasings of every turn): "why did negative tweets about United
rise on Feb 22?" -> "and for Delta?" -> "show examples about luggage"; "how many complaints
did American get on Feb 23?" -> "and the day before?" -> "почему?"; brand swaps, period
shifts ("and last week?", "а на прошлой неделе?"), sentiment swaps, "why?", "more examples".
Each turn carries its truth: what the question means once resolved against the turns before
(airline, sentiment, period, baseline, what is asked), and what the crowd's labels say about
it (the negative count, the reasons that grew, the top reasons, the tweets about an aspect).
Truth is computed here from the labels file (evals/briefs_truth), in the workspace's time
zone, never from Hark's code or store.

Hark: each conversation through POST /v1/conversations and .../messages (in-process HTTP,
API key, template composer). Stateless baseline: every turn sent alone to POST /v1/ask, which
is what a bot that keeps no state does. Both are scored the same way, per turn:

- slots: the answer's plan has the truth's airline, period (and baseline for why-turns),
  sentiment and intent family (why: why_change; count: count; complaints: summarise or a
  ranking by topic; examples: examples), and no filter the truth lacks (a topic, a word
  looked up in the texts, a source; not scored on examples about an aspect). "slots" is all.
- hit@3 (why and complaints turns with a labelled answer): the labelled top reason that grew
  (why) or the top reason (complaints) is among the answer's top-3 drivers/topics.
- fidelity: every number of the answer is a fact number (the verifier's rule), and every
  count fact (count, change, breakdown, topic/brand driver) equals an independent SQL count
  under the plan the answer resolved (topics, entities and text terms included).
- gap: |the answer's count of the asked sentiment - the crowd's count| / the crowd's count,
  in the truth's scope; 1 (capped) when the answer has no such count. Not for examples about
  an aspect (counting the aspect's mentions or all of the scope are both right there).
- citations: cited mentions exist and lie in the truth's window and airline.
- aspect (examples about luggage, delays, ...): share of the quotes whose crowd reason is
  the aspect asked; ``aspect base`` is the aspect's share among the scope's tweets.
- fresh (examples turns after the first turn): share of the quotes not cited earlier in the
  same conversation (the stateless arm's quotes are mostly out of scope, so new by chance).
- language: the answer (outside quotes) is in the conversation's language (lingua).

Writes evals/out/conversations.json (summary and every turn of both arms).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import and_, exists, func, or_, select, true

from api.app import create_app
from ask.facts import FACTS, BreakdownFact, ChangeFact, CountFact, DriverFact, Evidence, Quote
from ask.verifier import verify
from enrichment.language import LanguageDetector
from evals.ask import _driver, labels_of, rows_of
from evals.ask import score as ask_score
from evals.briefs import AIRLINE_ENTITY, TOPIC_TO_REASON
from evals.briefs_truth import NOT_AN_ISSUE, AirlineTweet, Span, airline_tweets, day_span
from evals.common import OUT
from hark.settings import Settings
from services.container import Container
from store import api_keys
from store.tables import catalogs, mention_entities, mention_topics, mentions

WORKSPACE = "airline"
SEED = 20150222
PER_TEMPLATE = 7
MIN_RISE = 15  # labelled negatives more than the day before: a why-turn with a known answer
AIRLINES = ["American", "Delta", "Southwest", "US Airways", "United", "Virgin America"]
REASON_TOPIC = {reason: topic for topic, reason in TOPIC_TO_REASON.items()}
ENTITY_AIRLINE = AIRLINE_ENTITY
# An aspect asked for in examples -> the crowd's reasons that carry it.
ASPECT_REASONS = {
    "luggage": {"Lost Luggage", "Damaged Luggage"},
    "delays": {"Late Flight"},
    "cancellations": {"Cancelled Flight"},
    "customer service": {"Customer Service Issue"},
}
MIN_ASPECT = 8  # labelled tweets of the aspect in the scope, for an examples-about turn
FAMILIES = {
    "why": {"why_change"},
    "count": {"count"},
    "complaints": {"summarise", "rank"},
    "examples": {"examples"},
}
RU_MONTHS = {2: "февраля"}

# Every turn's phrasings. Placeholders: {brand}, {day} (the turn's day), {aspect}.
PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "why": [
            "why did negative tweets about {brand} rise on {day}?",
            "Why were there so many complaints about {brand} on {day}?",
            "what drove the jump in negative mentions of {brand} on {day}?",
            "Why did {brand} get more complaints on {day}?",
        ],
        "swap": [
            "and for {brand}?",
            "what about {brand}?",
            "How about {brand}?",
            "same for {brand}?",
        ],
        "examples_aspect": [
            "show examples about {aspect}",
            "show me tweets about {aspect}",
            "any examples mentioning {aspect}?",
            "give me a few examples about {aspect}",
        ],
        "count": [
            "how many complaints did {brand} get on {day}?",
            "How many negative tweets about {brand} were there on {day}?",
            "number of negative mentions of {brand} on {day}",
            "how many people complained about {brand} on {day}?",
        ],
        "prev": [
            "and the day before?",
            "what about the previous day?",
            "and the day before that?",
            "and on {day}?",
        ],
        "why_bare": ["why?", "why is that?", "what caused it?", "why so many?"],
        "complaints": [
            "what do people complain about at {brand}?",
            "What are {brand} customers complaining about?",
            "main complaints about {brand}?",
            "what are the top complaints about {brand}?",
        ],
        "complaints_day": [
            "what did people complain about at {brand} on {day}?",
            "What were {brand} customers complaining about on {day}?",
            "main complaints about {brand} on {day}?",
            "what were the top complaints about {brand} on {day}?",
        ],
        "week": [
            "and last week?",
            "what about last week?",
            "same for last week?",
            "and for last week?",
        ],
        "more": ["more examples", "show me more", "any other examples?", "show more examples"],
        "examples": [
            "show me some examples",
            "show examples",
            "can I see a few of those tweets?",
            "give me examples",
        ],
        "positive": [
            "and positive ones?",
            "what about positive tweets?",
            "and how many positive?",
            "and the positive ones?",
        ],
        "examples_first": [
            "show negative tweets about {brand} on {day}",
            "Show me complaints about {brand} from {day}",
            "examples of negative tweets about {brand} on {day}",
            "give me examples of complaints about {brand} on {day}",
        ],
        "day": ["and on {day}?", "what about {day}?", "same for {day}?", "and {day}?"],
    },
    "ru": {
        "why": [
            "Почему выросло число негативных твитов о {brand} {day}?",
            "Почему {day} стало больше жалоб на {brand}?",
            "Из-за чего {day} вырос негатив в адрес {brand}?",
            "С чем связан рост жалоб на {brand} {day}?",
        ],
        "swap": ["а для {brand}?", "а у {brand}?", "а что по {brand}?", "А если взять {brand}?"],
        "examples_aspect": [
            "покажи примеры про {aspect}",
            "а примеры про {aspect} есть?",
            "приведи пару твитов про {aspect}",
            "покажи, что пишут про {aspect}",
        ],
        "count": [
            "Сколько жалоб было на {brand} {day}?",
            "Сколько негативных твитов о {brand} было {day}?",
            "Сколько раз жаловались на {brand} {day}?",
            "сколько было негатива по {brand} {day}?",
        ],
        "prev": ["а накануне?", "а днём раньше?", "а за день до этого?", "а {day}?"],
        "why_bare": ["почему?", "а почему так?", "с чем это связано?", "в чём причина?"],
        "complaints": [
            "На что жалуются клиенты {brand}?",
            "На что чаще всего жалуются пассажиры {brand}?",
            "Чем недовольны клиенты {brand}?",
            "Какие основные жалобы на {brand}?",
        ],
        "complaints_day": [
            "На что жаловались клиенты {brand} {day}?",
            "На что чаще всего жаловались пассажиры {brand} {day}?",
            "Чем были недовольны клиенты {brand} {day}?",
            "Какие были основные жалобы на {brand} {day}?",
        ],
        "week": [
            "а на прошлой неделе?",
            "а за прошлую неделю?",
            "а что было на прошлой неделе?",
            "а если за прошлую неделю?",
        ],
        "more": ["ещё примеры", "покажи ещё", "а ещё есть?", "дай ещё несколько примеров"],
        "examples": [
            "покажи примеры",
            "приведи примеры твитов",
            "покажи несколько таких твитов",
            "а примеры можно?",
        ],
        "positive": [
            "а позитивных?",
            "а положительных сколько?",
            "а хороших отзывов?",
            "а позитивных твитов сколько?",
        ],
        "examples_first": [
            "Покажи негативные твиты о {brand} за {day}",
            "Покажи жалобы на {brand} {day}",
            "Примеры негативных твитов о {brand} {day}",
            "Приведи примеры жалоб на {brand} {day}",
        ],
        "day": ["а {day}?", "а за {day}?", "а что было {day}?", "а если {day}?"],
    },
}
# How each language names an aspect (the forms that follow "about" / "про").
ASPECT_WORDS: dict[str, dict[str, list[str]]] = {
    "en": {
        "luggage": ["luggage", "lost bags", "baggage"],
        "delays": ["delays", "late flights"],
        "cancellations": ["cancellations", "cancelled flights"],
        "customer service": ["customer service", "customer support"],
    },
    "ru": {
        "luggage": ["багаж", "потерянный багаж", "потерянные чемоданы"],
        "delays": ["задержки рейсов", "опоздания рейсов"],
        "cancellations": ["отмены рейсов", "отменённые рейсы"],
        "customer service": ["обслуживание клиентов", "службу поддержки"],
    },
}


# ---------------------------------------------------------------------------------------------
# truth from the labels
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """What a turn means once resolved, and what the crowd's labels say about it."""

    family: str  # why | count | complaints | examples
    brand: str
    sentiment: str
    window: tuple[str, str] | None  # local days [first, end), ISO; None: all the data
    baseline: tuple[str, str] | None = None
    aspect: str | None = None
    crowd: int = 0  # the crowd's count of (airline, sentiment, window)
    drivers: list[str] = field(default_factory=list)  # topic ids, most first ([]: unscored)
    aspect_base: float | None = None  # the aspect's share among the scope's tweets


class Labels:
    """The crowd's labels, by airline and local day of the workspace's zone."""

    def __init__(self, tweets: Sequence[AirlineTweet], tz: ZoneInfo) -> None:
        self.tweets = tweets
        self.tz = tz
        days = sorted({t.ts.astimezone(tz).date() for t in tweets})
        self.first, self.last = days[0], days[-1]

    def span(self, window: tuple[str, str] | None) -> Span:
        if window is None:
            return Span(datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
        first, end = (date.fromisoformat(d) for d in window)
        return day_span(first, (end - first).days, self.tz)

    def of(self, brand: str, window: tuple[str, str] | None) -> list[AirlineTweet]:
        span = self.span(window)
        return [t for t in self.tweets if t.airline == brand and t.ts in span]

    def count(self, brand: str, sentiment: str, window: tuple[str, str] | None) -> int:
        return sum(t.sentiment == sentiment for t in self.of(brand, window))

    def reasons(self, brand: str, window: tuple[str, str] | None) -> collections.Counter[str]:
        return collections.Counter(
            t.reason or NOT_AN_ISSUE for t in self.of(brand, window) if t.sentiment == "negative"
        )

    def rise(self, brand: str, day: date) -> int:
        return self.count(brand, "negative", one_day(day)) - self.count(
            brand, "negative", one_day(day - timedelta(days=1))
        )

    def why(self, brand: str, day: date) -> Truth:
        window, baseline = one_day(day), one_day(day - timedelta(days=1))
        drivers: list[str] = []
        if self.rise(brand, day) >= MIN_RISE:
            growth = self.reasons(brand, window)
            growth.subtract(self.reasons(brand, baseline))
            grew = sorted(
                ((r, n) for r, n in growth.items() if n > 0 and r in REASON_TOPIC),
                key=lambda rn: (-rn[1], rn[0]),
            )
            drivers = [REASON_TOPIC[r] for r, _ in grew[:3]]
        return Truth(
            "why",
            brand,
            "negative",
            window,
            baseline,
            crowd=self.count(brand, "negative", window),
            drivers=drivers,
        )

    def plain(self, family: str, brand: str, window: tuple[str, str] | None, **kw: Any) -> Truth:
        sentiment = kw.pop("sentiment", "negative")
        truth = Truth(
            family, brand, sentiment, window, crowd=self.count(brand, sentiment, window), **kw
        )
        if family == "complaints":
            top = [r for r, _ in self.reasons(brand, window).most_common() if r in REASON_TOPIC]
            truth = replace(truth, drivers=[REASON_TOPIC[r] for r in top[:3]])
        if truth.aspect is not None:
            scope = [t for t in self.of(brand, window) if t.sentiment == sentiment]
            carrying = sum(t.reason in ASPECT_REASONS[truth.aspect] for t in scope)
            truth = replace(truth, aspect_base=carrying / max(len(scope), 1))
        return truth

    def aspect_count(self, brand: str, day: date, aspect: str) -> int:
        return sum(
            t.sentiment == "negative" and t.reason in ASPECT_REASONS[aspect]
            for t in self.of(brand, one_day(day))
        )

    def last_week(self) -> tuple[str, str]:
        """The ISO week before the one of the latest tweet (Hark's reference day)."""
        monday = self.last - timedelta(days=self.last.weekday())
        return ((monday - timedelta(days=7)).isoformat(), monday.isoformat())


def one_day(day: date) -> tuple[str, str]:
    return (day.isoformat(), (day + timedelta(days=1)).isoformat())


# ---------------------------------------------------------------------------------------------
# conversations from templates
# ---------------------------------------------------------------------------------------------


@dataclass
class Turn:
    message: str
    key: str  # which phrasing list it came from
    truth: Truth


@dataclass
class Conversation:
    id: str
    language: str
    template: str
    turns: list[Turn]


def _day_text(language: str, day: date, n: int) -> str:
    if language == "ru":
        return f"{day.day} {RU_MONTHS[day.month]}"
    return day.strftime("%b %-d" if n % 2 == 0 else "%B %-d")


class Phraser:
    """Rotates through each phrasing list, so every phrasing is used about equally."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.used: collections.Counter[str] = collections.Counter()

    def __call__(self, key: str, **values: Any) -> str:
        options = PHRASES[self.language][key]
        n = self.used[key]
        self.used[key] += 1
        text = options[n % len(options)]
        if "day" in values:
            values["day"] = _day_text(self.language, values["day"], n // len(options))
        if "aspect" in values:
            words = ASPECT_WORDS[self.language][values["aspect"]]
            values["aspect"] = words[n % len(words)]
        return text.format(**values)


Template = Callable[[Labels, Phraser, tuple[Any, ...]], list[Turn]]


def why_swap_examples(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    b1, b2, day, aspect = p
    return [
        Turn(say("why", brand=b1, day=day), "why", lab.why(b1, day)),
        Turn(say("swap", brand=b2), "swap", lab.why(b2, day)),
        Turn(
            say("examples_aspect", aspect=aspect),
            "examples_aspect",
            lab.plain("examples", b2, one_day(day), aspect=aspect),
        ),
    ]


def count_prev_why(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    brand, day = p
    prev = day - timedelta(days=1)
    return [
        Turn(say("count", brand=brand, day=day), "count", lab.plain("count", brand, one_day(day))),
        Turn(say("prev", day=prev), "prev", lab.plain("count", brand, one_day(prev))),
        Turn(say("why_bare"), "why_bare", lab.why(brand, prev)),
    ]


def complaints_swap_week(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    b1, b2 = p
    return [
        Turn(say("complaints", brand=b1), "complaints", lab.plain("complaints", b1, None)),
        Turn(say("swap", brand=b2), "swap", lab.plain("complaints", b2, None)),
        Turn(say("week"), "week", lab.plain("complaints", b2, lab.last_week())),
    ]


def count_swap_examples(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    b1, b2, day = p
    return [
        Turn(say("count", brand=b1, day=day), "count", lab.plain("count", b1, one_day(day))),
        Turn(say("swap", brand=b2), "swap", lab.plain("count", b2, one_day(day))),
        Turn(say("examples"), "examples", lab.plain("examples", b2, one_day(day))),
    ]


def examples_more_why(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    brand, day = p
    ex = lab.plain("examples", brand, one_day(day))
    return [
        Turn(say("examples_first", brand=brand, day=day), "examples_first", ex),
        Turn(say("more"), "more", ex),
        Turn(say("why_bare"), "why_bare", lab.why(brand, day)),
    ]


def why_day_examples(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    brand, day, other = p
    return [
        Turn(say("why", brand=brand, day=day), "why", lab.why(brand, day)),
        Turn(say("day", day=other), "day", lab.why(brand, other)),
        Turn(say("examples"), "examples", lab.plain("examples", brand, one_day(other))),
    ]


def count_positive_examples(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    brand, day = p
    window = one_day(day)
    return [
        Turn(say("count", brand=brand, day=day), "count", lab.plain("count", brand, window)),
        Turn(say("positive"), "positive", lab.plain("count", brand, window, sentiment="positive")),
        Turn(
            say("examples"),
            "examples",
            lab.plain("examples", brand, window, sentiment="positive"),
        ),
    ]


def complaints_why_swap(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    b1, b2, day = p
    return [
        Turn(
            say("complaints_day", brand=b1, day=day),
            "complaints_day",
            lab.plain("complaints", b1, one_day(day)),
        ),
        Turn(say("why_bare"), "why_bare", lab.why(b1, day)),
        Turn(say("swap", brand=b2), "swap", lab.why(b2, day)),
    ]


def count_week(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    brand, day = p
    return [
        Turn(say("count", brand=brand, day=day), "count", lab.plain("count", brand, one_day(day))),
        Turn(say("week"), "week", lab.plain("count", brand, lab.last_week())),
    ]


def why_swap(lab: Labels, say: Phraser, p: tuple[Any, ...]) -> list[Turn]:
    b1, b2, day = p
    return [
        Turn(say("why", brand=b1, day=day), "why", lab.why(b1, day)),
        Turn(say("swap", brand=b2), "swap", lab.why(b2, day)),
    ]


def _candidates(lab: Labels) -> dict[str, tuple[Template, list[tuple[Any, ...]]]]:
    """Each template's parameters, those whose turns have a labelled answer first."""
    days = [lab.first + timedelta(days=i) for i in range((lab.last - lab.first).days + 1)]
    # Whole days with the day before (and the one before that) in the data: not the first
    # and not the last (the data stops at noon).
    full = days[2:-1]
    pairs = [(a, b) for a in AIRLINES for b in AIRLINES if a != b]

    def has_data(brand: str, day: date) -> bool:
        return lab.count(brand, "negative", one_day(day)) >= MIN_RISE

    def rising(brand: str, day: date) -> bool:
        return lab.rise(brand, day) >= MIN_RISE

    aspects = list(ASPECT_REASONS)
    return {
        "why_swap_examples": (
            why_swap_examples,
            [
                (a, b, d, asp)
                for a, b in pairs
                for d in full
                if rising(a, d) and has_data(b, d)
                for asp in aspects
                if lab.aspect_count(b, d, asp) >= MIN_ASPECT
            ],
        ),
        "count_prev_why": (
            count_prev_why,
            [(a, d) for a in AIRLINES for d in full[1:] if rising(a, d - timedelta(days=1))],
        ),
        "complaints_swap_week": (complaints_swap_week, pairs),
        "count_swap_examples": (
            count_swap_examples,
            [(a, b, d) for a, b in pairs for d in full if has_data(a, d) and has_data(b, d)],
        ),
        "examples_more_why": (
            examples_more_why,
            [(a, d) for a in AIRLINES for d in full if rising(a, d)],
        ),
        "why_day_examples": (
            why_day_examples,
            [
                (a, d, o)
                for a in AIRLINES
                for d in full
                for o in full
                if o != d and rising(a, d) and has_data(a, o)
            ],
        ),
        "count_positive_examples": (
            count_positive_examples,
            [
                (a, d)
                for a in AIRLINES
                for d in full
                if lab.count(a, "positive", one_day(d)) >= MIN_ASPECT
            ],
        ),
        "complaints_why_swap": (
            complaints_why_swap,
            [(a, b, d) for a, b in pairs for d in full if rising(a, d) and has_data(b, d)],
        ),
        "count_week": (count_week, [(a, d) for a in AIRLINES for d in full if has_data(a, d)]),
        "why_swap": (
            why_swap,
            [(a, b, d) for a, b in pairs for d in full if rising(a, d) and has_data(b, d)],
        ),
    }


def generate(
    lab: Labels, languages: Sequence[str], per_template: int = PER_TEMPLATE
) -> list[Conversation]:
    """``per_template`` conversations of each template in each language, parameters drawn
    without replacement (seeded; the same in every language), airlines spread as evenly as
    the template allows."""
    out: list[Conversation] = []
    for language in languages:
        # The same draws in every language: the languages differ in phrasing only.
        rng = random.Random(SEED)
        say = Phraser(language)
        for name, (template, params) in _candidates(lab).items():
            pool = list(params)
            rng.shuffle(pool)
            chosen: list[tuple[Any, ...]] = []
            seen: collections.Counter[str] = collections.Counter()
            while pool and len(chosen) < per_template:
                # The least used first airline next, so no airline fills a template.
                pool.sort(key=lambda p: seen[p[0]])
                pick = pool.pop(0)
                seen[pick[0]] += 1
                chosen.append(pick)
            for p in chosen:
                turns = template(lab, say, p)
                out.append(Conversation(f"{language}-{len(out) + 1}", language, name, turns))
    return out


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


class Scorer:
    def __init__(self, rt: Container, lab: Labels, detector: LanguageDetector) -> None:
        self.rt = rt
        self.lab = lab
        self.detector = detector
        with rt.engine.connect() as conn:
            self.taxonomy = conn.execute(
                select(func.max(catalogs.c.version)).where(
                    catalogs.c.workspace == WORKSPACE, catalogs.c.kind == "taxonomy"
                )
            ).scalar()

    # An independent count: plain SQL over the store, not the analytics code. It is
    # evals.ask.sql_count with the rest of a plan's scope: topics (active taxonomy), catalog
    # entities, words read from the texts, and no window for "all the data".
    def count(
        self,
        plan: dict[str, Any],
        window: dict[str, Any] | None,
        sentiment: str | None,
        *,
        topic: str | None = None,
        clause: bool = False,
        **override: Any,
    ) -> int:
        plan = {**plan, **override}
        m = mentions.c
        cond = [m.workspace == WORKSPACE, m.duplicate_of.is_(None), m.noise.is_(None)]
        if not plan.get("include_brand_authors"):
            cond.append(or_(m.author_type.is_(None), m.author_type != "brand"))
        if window is not None:
            cond += [m.created_at >= _utc(window["start"]), m.created_at < _utc(window["end"])]
        for column, values in (
            (m.brand, plan["brands"]),
            (m.source, plan.get("sources")),
            (m.location, plan.get("locations")),
            (m.language, plan.get("languages")),
        ):
            if values:
                cond.append(column.in_(values))
        if topic is not None:
            # One topic's count: mentions with the topic (a breakdown: of the asked sentiment;
            # a driver: whose clause about the topic has it, whatever the mention's own).
            t = mention_topics.c
            cond.append(
                exists().where(
                    t.mention_id == m.id,
                    t.taxonomy_version == self.taxonomy,
                    t.topic == topic,
                    t.sentiment == sentiment if sentiment and clause else true(),
                )
            )
        if sentiment and not (topic is not None and clause):
            cond.append(m.sentiment == sentiment)
        if plan.get("topics"):
            t = mention_topics.c
            cond.append(
                exists().where(
                    t.mention_id == m.id,
                    t.taxonomy_version == self.taxonomy,
                    t.topic.in_(plan["topics"]),
                )
            )
        if plan.get("entities"):
            e = mention_entities.c
            cond.append(exists().where(e.mention_id == m.id, e.entity.in_(plan["entities"])))
        for name in plan.get("names", []):
            lowered = func.lower(m.text)
            cond.append(or_(*(func.instr(lowered, p.lower()) > 0 for p in name["patterns"])))
        with self.rt.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(and_(*cond))).scalar_one())

    def fidelity(self, body: dict[str, Any], facts: list[Any], cited: list[int]) -> float:
        """Numbers of the answer are fact numbers; count facts equal independent counts."""
        plan = body["plan"]
        with self.rt.engine.connect() as conn:
            texts = dict(
                conn.execute(
                    select(mentions.c.id, mentions.c.text).where(mentions.c.id.in_(cited))
                ).all()
            )
        evidence = Evidence(
            facts=facts, quotes=[Quote(id=i, text=texts[i], source="") for i in cited if i in texts]
        )
        problems = verify(body["answer"], evidence, citable=set(cited))
        ok = not [p for p in problems if p.kind == "unsupported_number"]
        window, baseline, sentiment = plan.get("window"), plan.get("baseline"), plan["sentiment"]
        for f in facts:
            if isinstance(f, CountFact) and f.series is None and f.side is None:
                ok &= f.total == self.count(plan, window, f.sentiment)
            elif isinstance(f, ChangeFact) and baseline is not None:
                ok &= f.current == self.count(plan, window, f.sentiment)
                ok &= f.baseline == self.count(plan, baseline, f.sentiment)
            elif isinstance(f, BreakdownFact):
                ok &= f.count == self.count(plan, window, sentiment, topic=f.topic)
            elif isinstance(f, DriverFact) and baseline is not None and f.dimension == "topic":
                for n, w in ((f.current, window), (f.baseline, baseline)):
                    ok &= n == self.count(plan, w, sentiment, topic=f.value, clause=True)
            elif isinstance(f, DriverFact) and baseline is not None and f.dimension == "brand":
                for n, w in ((f.current, window), (f.baseline, baseline)):
                    ok &= n == self.count(plan, w, sentiment, brands=[f.value])
        return float(ok)

    def slots(self, plan: dict[str, Any], truth: Truth) -> dict[str, float]:
        named = set(plan["brands"]) | {ENTITY_AIRLINE.get(e, e) for e in plan["entities"]}
        named |= {n["name"] for n in plan.get("names", []) if not n.get("term")}
        period = self._days(plan.get("window")) == truth.window
        if truth.family == "why":
            period &= self._days(plan.get("baseline")) == truth.baseline
        out = {
            "brand": float(named == {truth.brand}),
            "period": float(period),
            "sentiment": float(plan.get("sentiment") == truth.sentiment),
            "intent": float(plan["intent"] in FAMILIES[truth.family]),
        }
        if truth.family == "complaints" and plan["intent"] == "rank":
            out["intent"] = float(plan.get("group_by") == "topic")
        if truth.aspect is None:  # nothing narrows the scope the truth does not
            narrowing = [plan["topics"], plan.get("sources"), plan.get("locations")]
            narrowing += [[n for n in plan.get("names", []) if n.get("term")]]
            out["filters"] = float(not any(narrowing))
        out["slots"] = float(all(out.values()))
        return out

    def _days(self, window: dict[str, Any] | None) -> tuple[str, str] | None:
        if window is None:
            return None
        start, end = (_utc(window[k]).astimezone(self.lab.tz) for k in ("start", "end"))
        if start.time() == end.time() == time(0):  # whole local days
            return (start.date().isoformat(), end.date().isoformat())
        return (start.isoformat(), end.isoformat())

    def turn(
        self, body: dict[str, Any], truth: Truth, language: str, earlier: set[int]
    ) -> dict[str, Any]:
        plan = body["plan"]
        facts = FACTS.validate_python(body["facts"])
        cited = [c["id"] for c in body["citations"]]
        named = [(f, d) for f in facts if (d := _driver(f)) is not None]
        drivers = [value for _, (value, topic) in named if topic]
        quote_driver = {i: value for f, (value, _) in named for i in f.citations}
        # The ask eval's scores: hit@3 and overlap@3 of the drivers, quote relevance, language.
        shared = ask_score(
            self.rt,
            {"truth": {"drivers": truth.drivers}, "language": language},
            body["answer"],
            facts,
            plan,
            cited,
            quote_driver,
            drivers,
            self.detector,
        )
        out: dict[str, Any] = self.slots(plan, truth)
        for key in ("hit3", "overlap3", "language"):
            if key in shared:
                out[key] = shared[key]
        out["fidelity"] = self.fidelity(body, facts, cited)
        out["gap"] = self._gap(facts, truth)
        out["citations"] = self._citations(cited, truth)
        if truth.family == "examples":
            if truth.aspect is not None:
                labels = labels_of(self.rt, cited)
                reasons = ASPECT_REASONS[truth.aspect]
                carrying = [labels.get(i, {}).get("negative_reason") in reasons for i in cited]
                out["aspect"] = float(np.mean(carrying)) if carrying else 0.0
            if earlier:
                out["fresh"] = sum(i not in earlier for i in cited) / len(cited) if cited else 0.0
        out["quotes"] = len(cited)
        return out

    def _gap(self, facts: list[Any], truth: Truth) -> float | None:
        if truth.aspect is not None:
            return None  # the answer may count the aspect's mentions or all: either is right
        ours: int | None = None
        for f in facts:
            if isinstance(f, CountFact) and f.series is None and f.side is None:
                if f.sentiment == truth.sentiment:
                    ours = f.total
                    break
            if isinstance(f, ChangeFact) and f.sentiment == truth.sentiment:
                ours = f.current
                break
        if ours is None:
            return 1.0
        return min(1.0, abs(ours - truth.crowd) / max(truth.crowd, 1))

    def _citations(self, cited: list[int], truth: Truth) -> float | None:
        if not cited:
            return None
        rows = rows_of(self.rt, cited)
        span = self.lab.span(truth.window)
        valid = []
        for i in cited:
            r = rows.get(i)
            if r is None:
                valid.append(False)
                continue
            ok = r.workspace == WORKSPACE and r.brand == truth.brand
            valid.append(ok and _utc(r.created_at) in span)
        return float(np.mean(valid))


def _utc(value: str | datetime) -> datetime:
    d = datetime.fromisoformat(value) if isinstance(value, str) else value
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------


def _plan_summary(plan: dict[str, Any], scorer: Scorer) -> dict[str, Any]:
    return {
        "intent": plan["intent"],
        "brands": plan["brands"],
        "entities": plan["entities"],
        "names": [n["name"] for n in plan.get("names", [])],
        "sentiment": plan["sentiment"],
        "topics": plan["topics"],
        "window": scorer._days(plan.get("window")),
        "baseline": scorer._days(plan.get("baseline")),
        "language": plan["language"],
    }


def run(
    rt: Container, conversations: Sequence[Conversation], scorer: Scorer
) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    with rt.engine.begin() as conn:
        key, secret = api_keys.create_key(conn, workspace=WORKSPACE, name="eval-conversations")
    auth = {"Authorization": f"Bearer {secret}"}
    records: list[dict[str, Any]] = []
    latency: dict[str, list[float]] = {"conversation": [], "stateless": []}
    try:
        with TestClient(create_app(rt.settings, rt)) as client:

            def post(url: str, payload: dict[str, Any], arm: str) -> dict[str, Any]:
                t0 = clock.perf_counter()
                r = client.post(url, json=payload, headers=auth)
                latency[arm].append((clock.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{url} {payload}: {r.status_code} {r.text[:500]}")
                body: dict[str, Any] = r.json()
                return body

            # Warm-up: models and mirrors load on the first question.
            post("/v1/ask", {"question": "how many tweets?", "use_llm": False}, "stateless")
            latency["stateless"].clear()
            for n, conv in enumerate(conversations, 1):
                created = client.post("/v1/conversations", json={}, headers=auth)
                created.raise_for_status()
                cid = created.json()["id"]
                shown: dict[str, set[int]] = {"hark": set(), "stateless": set()}
                for k, turn in enumerate(conv.turns, 1):
                    message = {"message": turn.message, "use_llm": False}
                    hark = post(f"/v1/conversations/{cid}/messages", message, "conversation")
                    alone = post(
                        "/v1/ask", {"question": turn.message, "use_llm": False}, "stateless"
                    )
                    for arm, body in (("hark", hark), ("stateless", alone)):
                        scores = scorer.turn(body, turn.truth, conv.language, shown[arm])
                        shown[arm] |= {c["id"] for c in body["citations"]}
                        records.append(
                            {
                                "conversation": conv.id,
                                "template": conv.template,
                                "language": conv.language,
                                "turn": k,
                                "arm": arm,
                                "message": turn.message,
                                "phrasing": turn.key,
                                "truth": asdict(turn.truth),
                                "plan": _plan_summary(body["plan"], scorer),
                                "warnings": body["warnings"],
                                "scores": scores,
                            }
                        )
                client.delete(f"/v1/conversations/{cid}", headers=auth).raise_for_status()
                if n % 10 == 0:
                    print(f"  {n}/{len(conversations)} conversations", flush=True)
    finally:
        with rt.engine.begin() as conn:
            api_keys.revoke_key(conn, key_id=key.id)
    return records, latency


METRICS = [
    ("slots", "slots all right"),
    ("brand", "  airline"),
    ("period", "  period"),
    ("sentiment", "  sentiment"),
    ("intent", "  intent family"),
    ("filters", "  no extra filter"),
    ("hit3", "drivers hit@3"),
    ("fidelity", "count fidelity"),
    ("gap", "count gap vs crowd"),
    ("citations", "citations valid"),
    ("aspect", "aspect of quotes"),
    ("fresh", "fresh quotes"),
    ("language", "language"),
]


def _mean(values: Iterable[float | None]) -> tuple[float | None, int]:
    kept = [v for v in values if v is not None]
    return (float(np.mean(kept)) if kept else None, len(kept))


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Means per language, turn index (and "follow-ups": turns 2 and 3) and arm."""
    out: dict[str, Any] = {}
    for language in sorted({r["language"] for r in records}):
        mine = [r for r in records if r["language"] == language]
        groups: dict[str, Callable[[dict[str, Any]], bool]] = {
            "turn 1": lambda r: r["turn"] == 1,
            "turn 2": lambda r: r["turn"] == 2,
            "turn 3": lambda r: r["turn"] == 3,
            "follow-ups": lambda r: r["turn"] > 1,
        }
        table: dict[str, Any] = {}
        for group, keep in groups.items():
            for arm in ("hark", "stateless"):
                rows = [r for r in mine if keep(r) and r["arm"] == arm]
                table[f"{group}/{arm}"] = {
                    m: dict(
                        zip(("mean", "n"), _mean(r["scores"].get(m) for r in rows), strict=True)
                    )
                    for m, _ in METRICS
                } | {"turns": len(rows)}
        out[language] = table
    return out


def by_phrasing(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Slots right per follow-up phrasing list and language (Hark only): where reading fails."""
    out: dict[str, Any] = {}
    for r in records:
        if r["arm"] != "hark":
            continue
        key = f"{r['language']}/{r['turn']}/{r['phrasing']}"
        entry = out.setdefault(key, {"turns": 0, "slots": 0.0})
        entry["turns"] += 1
        entry["slots"] += r["scores"]["slots"]
    for entry in out.values():
        entry["slots"] = round(entry["slots"] / entry["turns"], 3)
    return dict(sorted(out.items()))


def print_tables(summary: dict[str, Any], conversations: Sequence[Conversation]) -> None:
    for language, table in summary.items():
        convs = [c for c in conversations if c.language == language]
        print(
            f"\n{language}: {len(convs)} conversations, "
            f"{sum(len(c.turns) for c in convs)} turns (hark = conversation, "
            "base = each turn alone to /v1/ask)"
        )
        groups = ["turn 1", "turn 2", "turn 3", "follow-ups"]
        print(f"{'metric':22}" + "".join(f"{g:>20}" for g in groups))
        print(f"{'':22}" + "".join(f"{'hark':>11}{'base':>9}" for _ in groups))
        for m, label in METRICS:
            cells = []
            for g in groups:
                for arm, width in (("hark", 11), ("stateless", 9)):
                    v = table[f"{g}/{arm}"][m]["mean"]
                    cells.append(f"{'–' if v is None else f'{v:.3f}':>{width}}")
            print(f"{label:22}" + "".join(cells))
        ns = [table[f"{g}/hark"]["turns"] for g in groups]
        print(f"{'turns':22}" + "".join(f"{n:>11}{n:>9}" for n in ns))


def open_airline() -> Container:
    """The airline workspace as evals.enrichment.prepare_airline() leaves it."""
    rt = Container(Settings(home=OUT / "airline", _env_file=None))
    with rt.engine.connect() as conn:
        n = conn.execute(select(func.count()).where(mentions.c.workspace == WORKSPACE)).scalar_one()
    if n < 14_000:
        rt.close()
        from evals.enrichment import prepare_airline

        rt = prepare_airline()
    return rt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--languages", nargs="+", default=["en", "ru"], choices=["en", "ru"])
    parser.add_argument("--per-template", type=int, default=PER_TEMPLATE)
    args = parser.parse_args()
    rt = open_airline()
    tz = ZoneInfo(rt.workspace_settings.timezone_setting(WORKSPACE).timezone)
    lab = Labels(airline_tweets(), tz)
    conversations = generate(lab, args.languages, args.per_template)
    print(
        f"{len(conversations)} conversations "
        f"({dict(collections.Counter(c.language for c in conversations))}), "
        f"{sum(len(c.turns) for c in conversations)} turns; days cut in {tz.key}"
    )
    scorer = Scorer(rt, lab, LanguageDetector(rt.settings.languages))
    t0 = clock.perf_counter()
    records, latency = run(rt, conversations, scorer)
    seconds = clock.perf_counter() - t0
    summary = summarise(records)
    print_tables(summary, conversations)
    lat = {
        arm: {
            "p50": float(np.percentile(v, 50)),
            "p95": float(np.percentile(v, 95)),
            "n": len(v),
        }
        for arm, v in latency.items()
        if v
    }
    print(
        "\nlatency per turn (ms): "
        + ", ".join(f"{arm} p50 {v['p50']:.0f} p95 {v['p95']:.0f}" for arm, v in lat.items())
        + f"; {seconds:.0f} s in all"
    )
    phrasing = by_phrasing(records)
    weak = {k: v for k, v in phrasing.items() if v["slots"] < 0.5}
    if weak:
        print("follow-up phrasings Hark mostly misreads (slots right < 0.5):")
        for k, v in weak.items():
            print(f"  {k:40} {v['slots']:.2f} of {v['turns']}")
    report = {
        "workspace": WORKSPACE,
        "timezone": tz.key,
        "conversations": len(conversations),
        "by_language": dict(collections.Counter(c.language for c in conversations)),
        "summary": summary,
        "by_phrasing": phrasing,
        "latency_ms": lat,
        "seconds": round(seconds, 1),
        "turns": records,
    }
    (OUT / "conversations.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
    )
    print(f"wrote {OUT / 'conversations.json'}")
    rt.close()


if __name__ == "__main__":
    main()
