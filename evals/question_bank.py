"""The ask question bank: questions in en/ru/kk over three labelled data sets, each with its
truth computed from the labels (never from Hark's code) and what "answered as asked" means.

    python -m evals.question_bank      # writes evals/question_bank.jsonl (checked in)

Data sets (labels are truth only; Hark reads texts, dates and review stars):
- airline: US airline tweets, Feb 2015, crowd sentiment + negative reason (UTC-08:00); a fixed
  15 % hash sample (plus every tweet naming Lufthansa, the out-of-catalog name asked about).
- ru-telecom / ru-banks / ru-brands: SentiRuEval-2015 tweets of Jul–Aug 2014 (really
  2014-07-24 .. 2014-08-13), per-brand sentiment columns (UTC); a fixed 20 % sample (plus
  every tweet naming Tinkoff).
- domrf: banki.ru reviews of DOM.RF's mortgage, all 2,709 (stars are review data; Moscow
  time). Only dates and stars are read here; no review text enters the bank.

Evals.ask_bank ingests exactly these rows, so truth and workspace hold the same mentions.
Calendar days, weeks (Monday first) and months are the data's own time zone. A SentiRuEval
tweet is about a brand when its column is set; its sentiment toward that brand is the column.
Question ids, expectations and truth are documented per field in ``questions``/``_expect``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evals.ask_bank_phrasings import TEMPLATES

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).parent / "question_bank.jsonl"
PST = timezone(timedelta(hours=-8))
MSK = ZoneInfo("Europe/Moscow")
LANGS = ("en", "ru", "kk")
# Embedding on two shared cores runs at a few texts/s, so the tweet sets are fixed hash
# samples (the same rows for truth and ingestion): 15 % of the airline tweets, 20 % of the
# Jul–Aug 2014 SentiRuEval tweets. The reviews are all ingested (2,709).
AIRLINE_SHARE = 0.15
RU_SHARE = 0.20
CLEAR_LEAD = 1.15  # a labelled top counts as clear when it leads the runner-up by 15 %
POLARITY = {"-1": "negative", "0": "neutral", "1": "positive"}


@dataclass(frozen=True)
class Row:
    """One labelled mention: when, where from, and the labelled sentiment per brand."""

    ts: datetime  # aware, in the data's own time zone
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # brand -> sentiment
    rating: int | None = None
    reason: str | None = None
    text: str = ""


# ---------------------------------------------------------------------------------------------
# truth
# ---------------------------------------------------------------------------------------------


def mention_sentiment(labels: dict[str, str]) -> str | None:
    """One sentiment for a whole mention: negative if any brand's is, else positive if any
    is, else neutral (None when it has no label)."""
    values = set(labels.values())
    if not values:
        return None
    return "negative" if "negative" in values else "positive" if "positive" in values else "neutral"


def within(rows: Iterable[Row], start: date, end: date) -> list[Row]:
    """Rows whose local day lies in [start, end] (both inclusive)."""
    return [r for r in rows if start <= r.ts.date() <= end]


def count(
    rows: Iterable[Row],
    *,
    brand: str | None = None,
    sentiment: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> int:
    n = 0
    for r in rows:
        if start is not None and r.ts.date() < start:
            continue
        if end is not None and r.ts.date() > end:
            continue
        if brand is not None:
            if brand not in r.labels:
                continue
            s: str | None = r.labels[brand]
        else:
            s = mention_sentiment(r.labels) if r.labels else None
        if sentiment is None or s == sentiment:
            n += 1
    return n


def share(
    rows: Sequence[Row],
    *,
    brand: str | None,
    sentiment: str,
    start: date | None = None,
    end: date | None = None,
) -> float | None:
    """Percent of the brand's mentions with ``sentiment`` (None when it has none)."""
    total = count(rows, brand=brand, start=start, end=end)
    if not total:
        return None
    return 100.0 * count(rows, brand=brand, sentiment=sentiment, start=start, end=end) / total


def ranking(
    rows: Sequence[Row],
    *,
    by: str,
    sentiment: str | None = None,
    measure: str = "count",
    start: date | None = None,
    end: date | None = None,
    order: str = "desc",
    keys: Sequence[str] | None = None,
    min_total: int = 0,
) -> list[tuple[str, float, int]]:
    """(key, value, total) per brand / source / reason, sorted as asked. ``measure`` count: the
    mentions of ``sentiment``; share: their percent of the key's mentions. ``keys`` fixes the
    candidates (so a catalog brand with no mention ranks with 0)."""
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for r in rows:
        if start is not None and r.ts.date() < start:
            continue
        if end is not None and r.ts.date() > end:
            continue
        if by == "brand":
            pairs = list(r.labels.items())
        elif by == "source":
            pairs = [(r.source, mention_sentiment(r.labels) or "")]
        elif by == "reason":
            pairs = [(r.reason, "negative")] if r.reason else []
        else:
            raise ValueError(by)
        for key, s in pairs:
            totals[key] += 1
            if sentiment is None or s == sentiment:
                hits[key] += 1
    candidates = list(keys) if keys is not None else list(totals)
    items = []
    for key in candidates:
        if totals[key] < min_total or (measure == "share" and not totals[key]):
            continue
        value = float(hits[key]) if measure == "count" else 100.0 * hits[key] / totals[key]
        items.append((key, value, totals[key]))
    items.sort(key=lambda it: (-it[1] if order == "desc" else it[1], it[0]))
    return items


def clear_top(items: Sequence[tuple[str, float, int]], order: str = "desc") -> bool:
    """The first item leads the second by CLEAR_LEAD (desc), or trails it by as much (asc)."""
    if len(items) < 2:
        return len(items) == 1
    first, second = items[0][1], items[1][1]
    if order == "desc":
        return first > 0 and first >= CLEAR_LEAD * second
    return second > 0 and second >= CLEAR_LEAD * first


def bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def series(
    rows: Iterable[Row],
    *,
    granularity: str,
    start: date,
    end: date,
    brand: str | None = None,
    sentiment: str | None = None,
) -> list[tuple[date, int]]:
    """Counts per local day / Monday-first week / month over [start, end], empty buckets
    included; a bucket is named by its first day (the first of a partial one: its own)."""
    counts: Counter[date] = Counter()
    for r in rows:
        d = r.ts.date()
        if not start <= d <= end:
            continue
        if count([r], brand=brand, sentiment=sentiment):
            counts[bucket(d, granularity)] += 1
    out = []
    b = bucket(start, granularity)
    while b <= end:
        out.append((b, counts[b]))
        if granularity == "day":
            b += timedelta(days=1)
        elif granularity == "week":
            b += timedelta(days=7)
        else:
            b = (b.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def rating_stats(
    rows: Iterable[Row], start: date | None = None, end: date | None = None
) -> tuple[float | None, int, float | None]:
    """(average stars, rated reviews, percent of 1–2 star reviews) in [start, end]."""
    stars = [
        r.rating
        for r in rows
        if r.rating is not None
        and (start is None or r.ts.date() >= start)
        and (end is None or r.ts.date() <= end)
    ]
    if not stars:
        return None, 0, None
    low = 100.0 * sum(1 for s in stars if s <= 2) / len(stars)
    return sum(stars) / len(stars), len(stars), low


def reason_growth(
    rows: Sequence[Row], *, brand: str, current: tuple[date, date], baseline: tuple[date, date]
) -> list[tuple[str, int]]:
    """Labelled negative reasons of ``brand`` by growth from baseline to current (Can't Tell
    left out: it names no reason)."""
    cur: Counter[str] = Counter()
    base: Counter[str] = Counter()
    for r in rows:
        if brand not in r.labels or not r.reason or r.reason == "Can't Tell":
            continue
        d = r.ts.date()
        if current[0] <= d <= current[1]:
            cur[r.reason] += 1
        elif baseline[0] <= d <= baseline[1]:
            base[r.reason] += 1
    growth = [(k, cur[k] - base[k]) for k in set(cur) | set(base)]
    return sorted(growth, key=lambda kv: (-kv[1], kv[0]))


def slug(text: str) -> str:
    """Topic ids of the airline taxonomy are slugs of the labelled reasons."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------


def _csv(rel: str) -> Iterable[dict[str, str]]:
    with (DATA / rel).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def kept(key: str, share: float) -> bool:
    """Whether the row keyed ``key`` is in the fixed ``share`` sample."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


# Names outside the entity catalogs that the bank asks about: their rows are always kept.
OUTSIDE_CATALOG = {"airline": r"lufthansa", "sentirueval": r"тинько|tinkoff"}


def airline_kept(r: dict[str, str]) -> bool:
    if re.search(OUTSIDE_CATALOG["airline"], r["text"], re.I):
        return True
    return kept(f"airline:{r['tweet_id']}", AIRLINE_SHARE)


def ru_kept(r: dict[str, str]) -> bool:
    if r["date_utc_iso"][:7] not in ("2014-07", "2014-08"):
        return False
    if re.search(OUTSIDE_CATALOG["sentirueval"], r["text"], re.I):
        return True
    return kept(f"sentirueval:{r['split']}-{r['id']}", RU_SHARE)


def airline_rows() -> list[Row]:
    seen: set[str] = set()
    out = []
    for r in _csv("twitter-us-airline-sentiment/tweets.csv"):
        if not airline_kept(r):
            continue
        if r["tweet_id"] in seen:  # repeated tweets: Hark keeps one
            continue
        seen.add(r["tweet_id"])
        ts = datetime.strptime(r["tweet_created"], "%m/%d/%Y %H:%M").replace(tzinfo=PST)
        out.append(
            Row(
                ts=ts,
                source="twitter-us-airline-sentiment",
                labels={r["airline"]: r["airline_sentiment"]},
                reason=r["negativereason"] or None,
                text=r["text"],
            )
        )
    return out


RU_COLUMNS = {
    "telecom": {
        "beeline": "beeline",
        "mts": "mts",
        "megafon": "megafon",
        "tele2": "tele2",
        "rostelecom": "rostelecom",
        "komstar": "komstar",
        "skylink": "skylink",
    },
    "banks": {
        "sberbank": "sberbank",
        "vtb": "vtb",
        "gazprom": "gazprombank",
        "alfabank": "alfa-bank",
        "bankmoskvy": "bank-of-moscow",
        "raiffeisen": "raiffeisen",
        "uralsib": "uralsib",
        "rshb": "rosselkhozbank",
    },
}
RU_SOURCES = {"telecom": "sentirueval-telecom-tweets", "banks": "sentirueval-bank-tweets"}


def ru_rows(which: str) -> list[Row]:
    """Jul–Aug 2014 SentiRuEval tweets of ``which`` (telecom | banks), labels by catalog id."""
    out = []
    for r in _csv(f"sentirueval-ru-brand-tweets/{which}.csv"):
        if not ru_kept(r):
            continue
        labels = {
            entity: POLARITY[r[col]]
            for col, entity in RU_COLUMNS[which].items()
            if r.get(col) in POLARITY
        }
        ts = datetime.fromtimestamp(int(r["date"]), UTC)
        out.append(Row(ts=ts, source=RU_SOURCES[which], labels=labels, text=r["text"]))
    return out


def domrf_rows() -> list[Row]:
    """Stars and dates only: the texts stay in ../shared."""
    out = []
    for r in _csv("banki-ru-domrf-reviews/reviews.csv"):
        ts = datetime.strptime(r["Date"], "%d.%m.%Y %H:%M").replace(tzinfo=MSK)
        stars = int(r["Rating"])
        sentiment = "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
        out.append(Row(ts=ts, source="banki-ru-domrf", labels={"domrf": sentiment}, rating=stars))
    return out


def text_count(rows: Iterable[Row], pattern: str, start: date, end: date) -> int:
    rx = re.compile(pattern, re.I)
    return sum(1 for r in rows if start <= r.ts.date() <= end and rx.search(r.text))


# ---------------------------------------------------------------------------------------------
# names and periods, per language
# ---------------------------------------------------------------------------------------------

# Forms per language: en {b}; ru {b, b_gen, b_dat, b_prep, b_acc}; kk {b, b_gen, b_dat, b_acc}.
BRANDS: dict[str, dict[str, dict[str, str]]] = {
    "United": {
        "en": {"b": "United"},
        "ru": {"b": "United", "b_gen": "United", "b_dat": "United", "b_prep": "United"},
        "kk": {"b": "United", "b_gen": "United-тың", "b_dat": "United-қа", "b_acc": "United-ты"},
    },
    "US Airways": {
        "en": {"b": "US Airways"},
        "ru": {"b": "US Airways", "b_gen": "US Airways", "b_dat": "US Airways"},
        "kk": {
            "b": "US Airways",
            "b_gen": "US Airways-тің",
            "b_dat": "US Airways-ке",
            "b_acc": "US Airways-ті",
        },
    },
    "American": {
        "en": {"b": "American Airlines"},
        "ru": {
            "b": "American Airlines",
            "b_gen": "American Airlines",
            "b_dat": "American Airlines",
        },
        "kk": {
            "b": "American Airlines",
            "b_gen": "American Airlines-тің",
            "b_dat": "American Airlines-ке",
            "b_acc": "American Airlines-ті",
        },
    },
    "Delta": {
        "en": {"b": "Delta"},
        "ru": {"b": "Delta", "b_gen": "Delta", "b_dat": "Delta", "b_prep": "Delta"},
        "kk": {"b": "Delta", "b_gen": "Delta-ның", "b_dat": "Delta-ға", "b_acc": "Delta-ны"},
    },
    "Southwest": {
        "en": {"b": "Southwest"},
        "ru": {"b": "Southwest", "b_gen": "Southwest", "b_dat": "Southwest", "b_prep": "Southwest"},
        "kk": {
            "b": "Southwest",
            "b_gen": "Southwest-тің",
            "b_dat": "Southwest-ке",
            "b_acc": "Southwest-ті",
        },
    },
    "Virgin America": {
        "en": {"b": "Virgin America"},
        "ru": {"b": "Virgin America", "b_gen": "Virgin America", "b_dat": "Virgin America"},
        "kk": {
            "b": "Virgin America",
            "b_gen": "Virgin America-ның",
            "b_dat": "Virgin America-ға",
            "b_acc": "Virgin America-ны",
        },
    },
    "Lufthansa": {
        "en": {"b": "Lufthansa"},
        "ru": {"b": "Lufthansa", "b_gen": "Lufthansa"},
        "kk": {"b": "Lufthansa"},
    },
    "mts": {
        "en": {"b": "MTS"},
        "ru": {"b": "МТС", "b_gen": "МТС", "b_dat": "МТС", "b_prep": "МТС", "b_acc": "МТС"},
        "kk": {"b": "МТС", "b_gen": "МТС-тің", "b_dat": "МТС-ке", "b_acc": "МТС-ті"},
    },
    "beeline": {
        "en": {"b": "Beeline"},
        "ru": {
            "b": "Билайн",
            "b_gen": "Билайна",
            "b_dat": "Билайну",
            "b_prep": "Билайне",
            "b_acc": "Билайн",
        },
        "kk": {"b": "Билайн", "b_gen": "Билайнның", "b_dat": "Билайнға", "b_acc": "Билайнды"},
    },
    "megafon": {
        "en": {"b": "MegaFon"},
        "ru": {
            "b": "МегаФон",
            "b_gen": "МегаФона",
            "b_dat": "МегаФону",
            "b_prep": "МегаФоне",
            "b_acc": "МегаФон",
        },
        "kk": {"b": "МегаФон", "b_gen": "МегаФонның", "b_dat": "МегаФонға", "b_acc": "МегаФонды"},
    },
    "rostelecom": {
        "en": {"b": "Rostelecom"},
        "ru": {
            "b": "Ростелеком",
            "b_gen": "Ростелекома",
            "b_dat": "Ростелекому",
            "b_prep": "Ростелекоме",
            "b_acc": "Ростелеком",
        },
        "kk": {
            "b": "Ростелеком",
            "b_gen": "Ростелекомның",
            "b_dat": "Ростелекомға",
            "b_acc": "Ростелекомды",
        },
    },
    "tele2": {
        "en": {"b": "Tele2"},
        "ru": {
            "b": "Теле2",
            "b_gen": "Теле2",
            "b_dat": "Теле2",
            "b_prep": "Теле2",
            "b_acc": "Теле2",
        },
        "kk": {"b": "Tele2", "b_gen": "Tele2-нің", "b_dat": "Tele2-ге", "b_acc": "Tele2-ні"},
    },
    "sberbank": {
        "en": {"b": "Sberbank"},
        "ru": {
            "b": "Сбербанк",
            "b_gen": "Сбербанка",
            "b_dat": "Сбербанку",
            "b_prep": "Сбербанке",
            "b_acc": "Сбербанк",
        },
        "kk": {
            "b": "Сбербанк",
            "b_gen": "Сбербанктің",
            "b_dat": "Сбербанкке",
            "b_acc": "Сбербанкті",
        },
    },
    "vtb": {
        "en": {"b": "VTB"},
        "ru": {"b": "ВТБ", "b_gen": "ВТБ", "b_dat": "ВТБ", "b_prep": "ВТБ", "b_acc": "ВТБ"},
        "kk": {"b": "ВТБ", "b_gen": "ВТБ-ның", "b_dat": "ВТБ-ға", "b_acc": "ВТБ-ны"},
    },
    "rosselkhozbank": {
        "en": {"b": "Rosselkhozbank"},
        "ru": {
            "b": "Россельхозбанк",
            "b_gen": "Россельхозбанка",
            "b_dat": "Россельхозбанку",
            "b_prep": "Россельхозбанке",
            "b_acc": "Россельхозбанк",
        },
        "kk": {
            "b": "Россельхозбанк",
            "b_gen": "Россельхозбанктің",
            "b_dat": "Россельхозбанкке",
            "b_acc": "Россельхозбанкті",
        },
    },
    "tinkoff": {
        "en": {"b": "Tinkoff"},
        "ru": {"b": "Тинькофф", "b_gen": "Тинькофф"},
        "kk": {"b": "Тинькофф"},
    },
}
# The names a ranking item or a plan may carry for a brand (lower-cased).
ALIASES: dict[str, list[str]] = {
    "United": ["united", "united airlines"],
    "US Airways": ["us airways", "us-airways", "usairways"],
    "American": ["american", "american airlines"],
    "Delta": ["delta", "delta air lines"],
    "Southwest": ["southwest", "southwest airlines"],
    "Virgin America": ["virgin america", "virgin-america"],
    "mts": ["mts", "мтс"],
    "beeline": ["beeline", "билайн"],
    "megafon": ["megafon", "мегафон"],
    "tele2": ["tele2", "теле2"],
    "rostelecom": ["rostelecom", "ростелеком"],
    "komstar": ["komstar", "комстар"],
    "skylink": ["skylink", "скайлинк"],
    "sberbank": ["sberbank", "сбербанк"],
    "vtb": ["vtb", "втб"],
    "gazprombank": ["gazprombank", "газпромбанк"],
    "alfa-bank": ["alfa-bank", "альфа-банк"],
    "bank-of-moscow": ["bank-of-moscow", "bank of moscow", "банк москвы"],
    "raiffeisen": ["raiffeisen", "raiffeisenbank"],
    "uralsib": ["uralsib", "уралсиб"],
    "rosselkhozbank": ["rosselkhozbank", "россельхозбанк"],
    "sentirueval-telecom-tweets": ["sentirueval-telecom-tweets"],
    "sentirueval-bank-tweets": ["sentirueval-bank-tweets"],
    "Lufthansa": ["lufthansa"],
    "tinkoff": ["tinkoff", "тинькофф"],
}

# What a ranked thing is called: {kind}, {kinds}, ru cases, kk forms.
KINDS: dict[str, dict[str, dict[str, str]]] = {
    "airline": {
        "en": {"kind": "airline", "kinds": "airlines"},
        "ru": {
            "kind": "авиакомпанию",
            "kind_acc": "авиакомпанию",
            "kinds_gen": "авиакомпаний",
            "kind_gen_sg": "авиакомпании",
            "kind_gen_sg_only": "авиакомпании",
            "kind_prep": "перевозчике",
        },
        "kk": {
            "kind_kk": "әуе компаниясына",
            "kind_kk_nom": "әуе компаниясы",
            "kind_kk_gen": "әуе компаниясының",
            "kinds_kk_gen": "әуе компанияларының",
        },
    },
    "operator": {
        "en": {"kind": "operator", "kinds": "operators"},
        "ru": {
            "kind": "оператор",
            "kind_acc": "оператора",
            "kinds_gen": "операторов",
            "kind_gen_sg": "оператора",
            "kind_gen_sg_only": "оператора",
            "kind_prep": "операторе",
        },
        "kk": {
            "kind_kk": "операторға",
            "kind_kk_nom": "оператор",
            "kind_kk_gen": "оператордың",
            "kinds_kk_gen": "операторлардың",
        },
    },
    "bank": {
        "en": {"kind": "bank", "kinds": "banks"},
        "ru": {
            "kind": "банк",
            "kind_acc": "банк",
            "kinds_gen": "банков",
            "kind_gen_sg": "банка",
            "kind_gen_sg_only": "банка",
            "kind_prep": "банке",
        },
        "kk": {
            "kind_kk": "банкке",
            "kind_kk_nom": "банк",
            "kind_kk_gen": "банктің",
            "kinds_kk_gen": "банктердің",
        },
    },
}
# "Какой авиакомпанию" is wrong: the airline kind in ru reads as feminine in {kind}.
RU_FEMININE = {
    "Какой авиакомпанию": "Какую авиакомпанию",
    "какой авиакомпанию": "какую авиакомпанию",
    "какого авиакомпании": "какой авиакомпании",
    "каком перевозчике": "какой авиакомпании",
}


@dataclass(frozen=True)
class Period:
    """A span of local days with its wording per language ({in}, {p}, {from_to}, {p1}...)."""

    start: date
    end: date
    forms: dict[str, dict[str, str]]


def _p(start: str, end: str, **forms: dict[str, str]) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end), dict(forms))


AIR = {
    "feb17": _p(
        "2015-02-17",
        "2015-02-17",
        en={"in": "on Feb 17", "p": "on Feb 17", "p_bare": "Feb 17"},
        ru={"in": "17 февраля", "p": "17 февраля", "p_gen": "17 февраля"},
        kk={"in": "17 ақпанда", "p": "17 ақпанда", "p_abl": "17 ақпаннан"},
    ),
    "feb21": _p(
        "2015-02-21",
        "2015-02-21",
        en={"in": "on February 21", "p": "on Feb 21", "p_bare": "Feb 21"},
        ru={"in": "21 февраля", "p": "21 февраля", "p_gen": "21 февраля"},
        kk={"in": "21 ақпанда", "p": "21 ақпанда", "p_abl": "21 ақпаннан"},
    ),
    "feb22": _p(
        "2015-02-22",
        "2015-02-22",
        en={"in": "on Feb 22", "p": "on Feb 22", "p_bare": "Feb 22"},
        ru={"in": "22 февраля", "p": "22 февраля", "p_gen": "22 февраля"},
        kk={"in": "22 ақпанда", "p": "22 ақпанда", "p_abl": "22 ақпаннан"},
    ),
    "feb23": _p(
        "2015-02-23",
        "2015-02-23",
        en={"in": "on Feb 23", "p": "on Feb 23", "p_bare": "Feb 23"},
        ru={"in": "23 февраля", "p": "23 февраля", "p_gen": "23 февраля"},
        kk={"in": "23 ақпанда", "p": "23 ақпанда", "p_abl": "23 ақпаннан"},
    ),
    "wk": _p(
        "2015-02-17",
        "2015-02-23",
        en={"in": "from Feb 17 to Feb 23", "from_to": "from Feb 17 to Feb 23"},
        ru={"in": "с 17 по 23 февраля", "from_to": "с 17 по 23 февраля"},
        kk={"in": "17-23 ақпан аралығында", "from_to": "17-23 ақпан аралығында"},
    ),
    "all": _p(
        "2015-02-16",
        "2015-02-24",
        en={"in": "in February 2015", "from_to": "in February 2015"},
        ru={"in": "в феврале 2015", "from_to": "за февраль 2015"},
        kk={"in": "2015 жылғы ақпанда", "from_to": "2015 жылғы ақпан бойы"},
    ),
}
RU = {
    "jul": _p(
        "2014-07-01",
        "2014-07-31",
        en={"in": "in July 2014", "p": "in July", "p_bare": "July"},
        ru={"in": "в июле 2014", "p": "в июле", "p_gen": "июлем"},
        kk={"in": "2014 жылғы шілдеде", "p": "шілдеде", "p_abl": "шілдеден"},
    ),
    "aug": _p(
        "2014-08-01",
        "2014-08-31",
        en={"in": "in August 2014", "p": "in August", "p_bare": "August"},
        ru={"in": "за август 2014", "p": "в августе"},
        kk={"in": "2014 жылғы тамызда", "p": "тамызда", "p_abl": "тамыздан"},
    ),
    "jun": _p(
        "2014-06-01",
        "2014-06-30",
        en={"in": "in June 2014", "p": "in June", "p_bare": "June"},
        ru={"in": "в июне 2014 года", "p": "в июне"},
        kk={"in": "2014 жылғы маусымда", "p": "маусымда"},
    ),
    "julaug": _p(
        "2014-07-01",
        "2014-08-31",
        en={"in": "in July and August 2014", "from_to": "from July to August 2014"},
        ru={"in": "за июль–август 2014", "from_to": "с июля по август 2014"},
        kk={"in": "2014 жылғы шілде-тамызда", "from_to": "2014 жылғы шілде-тамыз аралығында"},
    ),
    "wk31": _p(
        "2014-07-28",
        "2014-08-03",
        en={"in": "from Jul 28 to Aug 3", "from_to": "from Jul 28 to Aug 3, 2014"},
        ru={"in": "с 28 июля по 3 августа", "from_to": "с 28 июля по 3 августа 2014"},
        kk={
            "in": "28 шілде мен 3 тамыз аралығында",
            "from_to": "2014 жылғы 28 шілде – 3 тамыз аралығында",
        },
    ),
}
DOM = {
    "y2023": _p(
        "2023-01-01",
        "2023-12-31",
        en={"in": "in 2023", "p": "in 2023", "p_bare": "2023"},
        ru={"in": "в 2023 году", "p": "в 2023 году", "p_gen": "2023 годом"},
        kk={"in": "2023 жылы", "p": "2023 жылы", "p_abl": "2023 жылдан"},
    ),
    "y2024": _p(
        "2024-01-01",
        "2024-12-31",
        en={"in": "in 2024", "p": "in 2024", "p_bare": "2024"},
        ru={"in": "в 2024 году", "p": "в 2024 году", "p_gen": "2024 годом"},
        kk={"in": "2024 жылы", "p": "2024 жылы", "p_abl": "2024 жылдан"},
    ),
    "y2021": _p(
        "2021-01-01",
        "2021-12-31",
        en={"in": "in 2021", "p": "in 2021", "p_bare": "2021"},
        ru={"in": "за 2021 год", "p": "в 2021-м"},
        kk={"in": "2021 жылы", "p": "2021 жылы", "p_abl": "2021 жылдан"},
    ),
    "h1_2024": _p(
        "2024-01-01",
        "2024-06-30",
        en={"in": "in the first half of 2024", "from_to": "from January to June 2024"},
        ru={"in": "в первом полугодии 2024", "from_to": "с января по июнь 2024"},
        kk={
            "in": "2024 жылдың бірінші жартысында",
            "from_to": "2024 жылғы қаңтар-маусым айларында",
        },
    ),
    "mar2024": _p(
        "2024-03-01",
        "2024-03-31",
        en={"in": "in March 2024", "p": "in March 2024"},
        ru={"in": "в марте 2024", "p": "в марте 2024"},
        kk={"in": "2024 жылғы наурызда", "p": "2024 жылғы наурызда"},
    ),
}


# ---------------------------------------------------------------------------------------------
# the bank
# ---------------------------------------------------------------------------------------------

REFERENCE = {
    "airline": "2015-02-24T12:00:00-08:00",
    "ru": "2014-08-13T12:00:00+00:00",
    "domrf": "2024-12-31T12:00:00+03:00",
}


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format_map(_Slots(slots))
    for wrong, right in RU_FEMININE.items():
        text = text.replace(wrong, right)
    text = " ".join(text.split())
    return text[0].upper() + text[1:] if text[0].islower() and template[0] == "{" else text


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        # A case form not written for a brand falls back to its nominative ({b_gen} -> {b}).
        base = key.split("_")[0]
        if base in self:
            return self[base]
        raise KeyError(key)


def _brand_slots(brand: str, lang: str, prefix: str = "b") -> dict[str, str]:
    forms = BRANDS[brand][lang]
    return {k.replace("b", prefix, 1): v for k, v in forms.items()}


def _period_slots(p: Period, lang: str, prefix: str = "") -> dict[str, str]:
    forms = p.forms[lang]
    out = {f"{prefix}{k}" if prefix else k: v for k, v in forms.items()}
    if not prefix and "in" in forms:
        out["in_cap"] = forms["in"][0].upper() + forms["in"][1:]
    return out


def _two_periods(p1: Period, p2: Period, lang: str) -> dict[str, str]:
    s: dict[str, str] = {}
    for name, p in (("p1", p1), ("p2", p2)):
        f = p.forms[lang]
        s[name] = f.get("p", f["in"])
        s[f"{name}_gen"] = f.get("p_gen", s[name])
        s[f"{name}_abl"] = f.get("p_abl", s[name])
        s[f"{name}_bare"] = f.get("p_bare", s[name])
    return s


@dataclass
class Spec:
    """One template instantiated on one dataset: slots per language, expectation, truth."""

    template: str
    dataset: str
    workspace: str
    slots: dict[str, dict[str, str]]
    expect: dict[str, Any]
    truth: dict[str, Any]
    edge: str | None = None


def _iso(d: date) -> str:
    return d.isoformat()


def _lang_slots(*parts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {lang: {k: v for part in parts for k, v in part.get(lang, {}).items()} for lang in LANGS}


def _brand(brand: str, prefix: str = "b") -> dict[str, dict[str, str]]:
    return {lang: _brand_slots(brand, lang, prefix) for lang in LANGS}


def _period(p: Period) -> dict[str, dict[str, str]]:
    return {lang: _period_slots(p, lang) for lang in LANGS}


def _kind(kind: str) -> dict[str, dict[str, str]]:
    return KINDS[kind]


def _top_truth(items: list[tuple[str, float, int]], order: str) -> dict[str, Any]:
    return {
        "items": [[k, round(v, 2), t] for k, v, t in items],
        "top": items[0][0] if items else None,
        "clear": clear_top(items, order),
    }


def specs_airline(rows: list[Row]) -> list[Spec]:
    ws, ds = "airline", "airline"
    airlines = sorted({b for r in rows for b in r.labels})
    out: list[Spec] = []
    for brand, p in (("United", AIR["feb22"]), ("Delta", AIR["feb23"])):
        n = count(rows, brand=brand, sentiment="negative", start=p.start, end=p.end)
        out.append(
            Spec(
                "count_neg_brand",
                ds,
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("count", brand=brand, sentiment="negative", span=p),
                {"value": n},
            )
        )
    p = AIR["feb21"]
    out.append(
        Spec(
            "count_all_brand",
            ds,
            ws,
            _lang_slots(_brand("Southwest"), _period(p)),
            _expect("count", brand="Southwest", span=p),
            {"value": count(rows, brand="Southwest", start=p.start, end=p.end)},
        )
    )
    p = AIR["feb22"]
    out.append(
        Spec(
            "count_customers_only",
            ds,
            ws,
            _lang_slots(_brand("US Airways"), _period(p)),
            _expect("count", brand="US Airways", sentiment="negative", span=p),
            {
                "value": count(
                    rows, brand="US Airways", sentiment="negative", start=p.start, end=p.end
                )
            },
            edge="customers_only",
        )
    )
    p = AIR["all"]
    out.append(
        Spec(
            "count_outside_catalog",
            ds,
            ws,
            _lang_slots(_brand("Lufthansa"), _period(p)),
            _expect("name_match", name=ALIASES["Lufthansa"], span=p),
            {"value": text_count(rows, OUTSIDE_CATALOG["airline"], p.start, p.end)},
            edge="outside_catalog",
        )
    )
    for brand, sentiment, p in (
        ("United", "negative", AIR["wk"]),
        ("Virgin America", "negative", AIR["all"]),
        ("Southwest", "positive", AIR["all"]),
    ):
        t = "share_neg_brand" if sentiment == "negative" else "share_pos_brand"
        out.append(
            Spec(
                t,
                ds,
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("share", brand=brand, sentiment=sentiment, span=p),
                {"value": share(rows, brand=brand, sentiment=sentiment, start=p.start, end=p.end)},
            )
        )
    rank_specs: list[tuple[str, Period, str, str, int | None, str | None]] = [
        ("rank_neg_most", AIR["feb23"], "desc", "count", None, "negative"),
        ("rank_neg_most", AIR["feb17"], "desc", "count", None, "negative"),
        ("rank_neg_top3", AIR["wk"], "desc", "count", 3, "negative"),
        ("rank_neg_least", AIR["feb22"], "asc", "count", None, "negative"),
        ("rank_neg_share", AIR["all"], "desc", "share", None, "negative"),
        ("rank_volume", AIR["feb22"], "desc", "count", None, None),
    ]
    for t, p, order, measure, top_n, want in rank_specs:
        items = ranking(
            rows,
            by="brand",
            sentiment=want,
            measure=measure,
            start=p.start,
            end=p.end,
            order=order,
            keys=airlines,
        )
        # "fewest": a brand with no mention that day is not a candidate anyone means.
        if order == "asc":
            items = [it for it in items if it[2] > 0]
        out.append(
            Spec(
                t,
                ds,
                ws,
                _lang_slots(_kind("airline"), _period(p)),
                _expect(
                    "rank",
                    group_by="brand",
                    sentiment=want,
                    order=order,
                    measure=measure,
                    top_n=top_n,
                    span=p,
                ),
                _top_truth(items, order),
            )
        )
    for brand, p in (("American", AIR["feb23"]), ("United", AIR["wk"])):
        items = ranking(
            [r for r in rows if brand in r.labels and r.reason != "Can't Tell"],
            by="reason",
            start=p.start,
            end=p.end,
        )
        items = [(slug(k), v, t) for k, v, t in items]
        out.append(
            Spec(
                "rank_topic",
                ds,
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("rank", brand=brand, group_by="topic", sentiment="negative", span=p),
                _top_truth(items, "desc"),
            )
        )
    for brand in ("United", "Delta"):
        p = AIR["wk"]
        s = series(
            rows, granularity="day", start=p.start, end=p.end, brand=brand, sentiment="negative"
        )
        out.append(
            Spec(
                "series_day_neg",
                ds,
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("series", brand=brand, sentiment="negative", granularity="day", span=p),
                {"series": [[_iso(d), n] for d, n in s]},
            )
        )
    for brand, p1, p2 in (
        ("US Airways", AIR["feb21"], AIR["feb22"]),
        ("United", AIR["feb17"], AIR["feb23"]),
    ):
        out.append(
            Spec(
                "periods_neg_brand",
                ds,
                ws,
                _lang_slots(_brand(brand), {lang: _two_periods(p1, p2, lang) for lang in LANGS}),
                _expect("periods", brand=brand, sentiment="negative", periods=[p1, p2]),
                {
                    "periods": [
                        count(rows, brand=brand, sentiment="negative", start=p.start, end=p.end)
                        for p in (p1, p2)
                    ]
                },
            )
        )
    for brand, p1, p2 in (
        ("United", AIR["feb21"], AIR["feb22"]),
        ("Delta", AIR["feb21"], AIR["feb22"]),
    ):
        growth = reason_growth(
            rows, brand=brand, current=(p2.start, p2.end), baseline=(p1.start, p1.end)
        )
        cur = count(rows, brand=brand, sentiment="negative", start=p2.start, end=p2.end)
        base = count(rows, brand=brand, sentiment="negative", start=p1.start, end=p1.end)
        out.append(
            Spec(
                "why_rise",
                ds,
                ws,
                _lang_slots(_brand(brand), {lang: _two_periods(p1, p2, lang) for lang in LANGS}),
                _expect("why", brand=brand, sentiment="negative", periods=[p1, p2]),
                {
                    "drivers": [slug(k) for k, d in growth if d > 0][:3],
                    "current": cur,
                    "baseline": base,
                    "direction": "up" if cur > base else "down",
                },
            )
        )
    p = AIR["feb23"]
    out.append(
        Spec(
            "examples_neg",
            ds,
            ws,
            _lang_slots(_brand("Southwest"), _period(p)),
            _expect("examples", brand="Southwest", sentiment="negative", span=p),
            {
                "available": count(
                    rows, brand="Southwest", sentiment="negative", start=p.start, end=p.end
                )
            },
        )
    )
    for b1, b2, p in (("United", "Delta", AIR["all"]), ("Southwest", "US Airways", AIR["feb22"])):
        out.append(
            Spec(
                "compare_brands",
                ds,
                ws,
                _lang_slots(_brand(b1), _brand(b2, "b2"), _period(p)),
                _expect("compare", brands=[b1, b2], sentiment="negative", span=p),
                {
                    "sides": {
                        b: share(rows, brand=b, sentiment="negative", start=p.start, end=p.end)
                        for b in (b1, b2)
                    }
                },
            )
        )
    return out


def specs_ru(telecom: list[Row], banks: list[Row]) -> list[Spec]:
    out: list[Spec] = []
    both = telecom + banks
    ops = list(RU_COLUMNS["telecom"].values())
    bks = list(RU_COLUMNS["banks"].values())
    for ws, rows, brand, p, t, sentiment in (
        ("ru-telecom", telecom, "beeline", RU["jul"], "count_neg_brand", "negative"),
        ("ru-banks", banks, "sberbank", RU["aug"], "count_neg_brand", "negative"),
        ("ru-telecom", telecom, "megafon", RU["aug"], "count_all_brand", None),
    ):
        edge = "partial_period"  # Jul 24–Aug 13 only: both months are partly covered
        out.append(
            Spec(
                t,
                "sentirueval",
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("count", brand=brand, sentiment=sentiment, span=p),
                {"value": count(rows, brand=brand, sentiment=sentiment, start=p.start, end=p.end)},
                edge=edge,
            )
        )
    p = RU["jun"]
    out.append(
        Spec(
            "count_all_brand",
            "sentirueval",
            "ru-telecom",
            _lang_slots(_brand("mts"), _period(p)),
            _expect("count", brand="mts", span=p),
            {"value": 0},
            edge="no_data",
        )
    )
    p = RU["julaug"]
    out.append(
        Spec(
            "count_outside_catalog",
            "sentirueval",
            "ru-banks",
            _lang_slots(_brand("tinkoff"), _period(p)),
            _expect("name_match", name=ALIASES["tinkoff"], span=p),
            {"value": text_count(banks, OUTSIDE_CATALOG["sentirueval"], p.start, p.end)},
            edge="outside_catalog",
        )
    )
    for ws, rows, brand, sentiment, p in (
        ("ru-telecom", telecom, "mts", "negative", RU["aug"]),
        ("ru-banks", banks, "vtb", "negative", RU["julaug"]),
        ("ru-telecom", telecom, "tele2", "positive", RU["julaug"]),
    ):
        t = "share_neg_brand" if sentiment == "negative" else "share_pos_brand"
        out.append(
            Spec(
                t,
                "sentirueval",
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("share", brand=brand, sentiment=sentiment, span=p),
                {"value": share(rows, brand=brand, sentiment=sentiment, start=p.start, end=p.end)},
            )
        )
    for ws, rows, keys, kind in (
        ("ru-telecom", telecom, ops, "operator"),
        ("ru-banks", banks, bks, "bank"),
    ):
        for t, p, order, measure, top_n, sentiment in (
            ("rank_neg_most", RU["jul"], "desc", "count", None, "negative"),
            ("rank_neg_most", RU["aug"], "desc", "count", None, "negative"),
            ("rank_neg_top3", RU["julaug"], "desc", "count", 3, "negative"),
            ("rank_neg_least", RU["julaug"], "asc", "count", None, "negative"),
            ("rank_neg_share", RU["julaug"], "desc", "share", None, "negative"),
            ("rank_volume", RU["aug"], "desc", "count", None, None),
        ):
            items = ranking(
                rows,
                by="brand",
                sentiment=sentiment,
                measure=measure,
                start=p.start,
                end=p.end,
                order=order,
                keys=keys,
                min_total=20 if measure == "share" else 0,
            )
            if order == "asc":
                items = [it for it in items if it[2] > 0]
            out.append(
                Spec(
                    t,
                    "sentirueval",
                    ws,
                    _lang_slots(_kind(kind), _period(p)),
                    _expect(
                        "rank",
                        group_by="brand",
                        sentiment=sentiment,
                        order=order,
                        measure=measure,
                        top_n=top_n,
                        span=p,
                    ),
                    _top_truth(items, order),
                )
            )
    p = RU["jul"]
    items = ranking(both, by="source", start=p.start, end=p.end)
    out.append(
        Spec(
            "rank_source",
            "sentirueval",
            "ru-brands",
            _lang_slots(_period(p)),
            _expect("rank", group_by="source", order="desc", span=p),
            _top_truth(items, "desc"),
        )
    )
    for ws, rows, brand in (("ru-telecom", telecom, "mts"), ("ru-banks", banks, "sberbank")):
        p = RU["julaug"]
        days = [r.ts.date() for r in rows]
        s = series(rows, granularity="week", start=min(days), end=max(days), brand=brand)
        out.append(
            Spec(
                "series_week_all",
                "sentirueval",
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("series", brand=brand, granularity="week", span=p),
                {"series": [[_iso(d), n] for d, n in s]},
            )
        )
    p = RU["wk31"]
    s = series(
        telecom, granularity="day", start=p.start, end=p.end, brand="beeline", sentiment="negative"
    )
    out.append(
        Spec(
            "series_day_neg",
            "sentirueval",
            "ru-telecom",
            _lang_slots(_brand("beeline"), _period(p)),
            _expect("series", brand="beeline", sentiment="negative", granularity="day", span=p),
            {"series": [[_iso(d), n] for d, n in s]},
        )
    )
    for ws, rows, brand in (("ru-telecom", telecom, "mts"), ("ru-banks", banks, "vtb")):
        p1, p2 = RU["jul"], RU["aug"]
        out.append(
            Spec(
                "periods_neg_brand",
                "sentirueval",
                ws,
                _lang_slots(_brand(brand), {lang: _two_periods(p1, p2, lang) for lang in LANGS}),
                _expect("periods", brand=brand, sentiment="negative", periods=[p1, p2]),
                {
                    "periods": [
                        count(rows, brand=brand, sentiment="negative", start=p.start, end=p.end)
                        for p in (p1, p2)
                    ]
                },
                edge="partial_period",
            )
        )
    p1, p2 = RU["jul"], RU["aug"]
    cur = count(telecom, brand="mts", sentiment="negative", start=p2.start, end=p2.end)
    base = count(telecom, brand="mts", sentiment="negative", start=p1.start, end=p1.end)
    out.append(
        Spec(
            "why_rise",
            "sentirueval",
            "ru-telecom",
            _lang_slots(_brand("mts"), {lang: _two_periods(p1, p2, lang) for lang in LANGS}),
            _expect("why", brand="mts", sentiment="negative", periods=[p1, p2]),
            {
                "drivers": [],
                "current": cur,
                "baseline": base,
                "direction": "up" if cur > base else "down",
            },
        )
    )
    for ws, rows, brand in (
        ("ru-telecom", telecom, "rostelecom"),
        ("ru-banks", banks, "rosselkhozbank"),
    ):
        p = RU["julaug"]
        out.append(
            Spec(
                "examples_neg",
                "sentirueval",
                ws,
                _lang_slots(_brand(brand), _period(p)),
                _expect("examples", brand=brand, sentiment="negative", span=p),
                {
                    "available": count(
                        rows, brand=brand, sentiment="negative", start=p.start, end=p.end
                    )
                },
            )
        )
    for ws, rows, b1, b2, p in (
        ("ru-telecom", telecom, "mts", "beeline", RU["aug"]),
        ("ru-banks", banks, "sberbank", "vtb", RU["jul"]),
    ):
        out.append(
            Spec(
                "compare_brands",
                "sentirueval",
                ws,
                _lang_slots(_brand(b1), _brand(b2, "b2"), _period(p)),
                _expect("compare", brands=[b1, b2], sentiment="negative", span=p),
                {
                    "sides": {
                        b: share(rows, brand=b, sentiment="negative", start=p.start, end=p.end)
                        for b in (b1, b2)
                    }
                },
            )
        )
    return out


def specs_domrf(rows: list[Row]) -> list[Spec]:
    out: list[Spec] = []
    ws, ds = "domrf", "domrf"
    for p in (DOM["y2024"], DOM["y2021"], DOM["mar2024"]):
        avg, n, low = rating_stats(rows, p.start, p.end)
        out.append(
            Spec(
                "rating_avg",
                ds,
                ws,
                _lang_slots(_period(p)),
                _expect("rating", span=p),
                {"value": avg, "rated": n},
            )
        )
        out.append(
            Spec(
                "rating_low_share",
                ds,
                ws,
                _lang_slots(_period(p)),
                _expect("share", sentiment="negative", measure="rating_low", span=p),
                {"value": low, "rated": n},
            )
        )
    p = DOM["h1_2024"]
    s = series(rows, granularity="month", start=p.start, end=p.end)
    out.append(
        Spec(
            "series_month_all",
            ds,
            ws,
            _lang_slots(_period(p)),
            _expect("series", granularity="month", span=p),
            {"series": [[_iso(d), n] for d, n in s]},
        )
    )
    p1, p2 = DOM["y2023"], DOM["y2024"]
    out.append(
        Spec(
            "periods_all",
            ds,
            ws,
            _lang_slots({lang: _two_periods(p1, p2, lang) for lang in LANGS}),
            _expect("periods", periods=[p1, p2]),
            {"periods": [count(rows, start=p.start, end=p.end) for p in (p1, p2)]},
        )
    )
    return out


def _expect(
    intent: str,
    *,
    brand: str | None = None,
    brands: list[str] | None = None,
    name: list[str] | None = None,
    sentiment: str | None = None,
    group_by: str | None = None,
    order: str | None = None,
    measure: str = "count",
    top_n: int | None = None,
    granularity: str | None = None,
    span: Period | None = None,
    periods: list[Period] | None = None,
) -> dict[str, Any]:
    """What "answered as asked" checks: ``intent`` (count, share, rank, series, periods, why,
    examples, rating, compare, name_match); ``brands`` (per asked brand, the names a plan or a
    fact may give it); ``name`` (spellings of an out-of-catalog name); ``sentiment``;
    ``group_by`` (brand, topic, source); ``order`` (desc, asc); ``measure`` (count, share,
    rating_low); ``top_n``; ``granularity`` (day, week, month); ``span`` and ``periods`` as
    [first day, last day] in the data's zone."""
    chosen = brands if brands is not None else ([brand] if brand else [])
    return {
        "intent": intent,
        "brands": [ALIASES.get(b, [b.lower()]) for b in chosen],
        "name": name,
        "sentiment": sentiment,
        "group_by": group_by,
        "order": order,
        "measure": measure,
        "top_n": top_n,
        "granularity": granularity,
        "span": [_iso(span.start), _iso(span.end)] if span else None,
        "periods": [[_iso(p.start), _iso(p.end)] for p in periods or []],
    }


def questions(specs: Iterable[Spec]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for spec in specs:
        ref = REFERENCE["ru" if spec.dataset == "sentirueval" else spec.dataset]
        for lang in LANGS:
            for i, template in enumerate(TEMPLATES[spec.template][lang]):
                text = _fill(template, spec.slots[lang])
                out.append(
                    {
                        "id": f"{spec.workspace}-{spec.template}-{len(out):04d}-{lang}{i}",
                        "dataset": spec.dataset,
                        "workspace": spec.workspace,
                        "language": lang,
                        "intent": spec.expect["intent"],
                        "template": spec.template,
                        "paraphrase": i,
                        "question": text,
                        "reference": ref,
                        "edge": spec.edge,
                        "expect": spec.expect,
                        "truth": spec.truth,
                    }
                )
    return out


def build() -> list[dict[str, Any]]:
    specs = specs_airline(airline_rows()) + specs_ru(ru_rows("telecom"), ru_rows("banks"))
    specs += specs_domrf(domrf_rows())
    return questions(specs)


def main() -> None:
    bank = build()
    OUT.write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in bank), encoding="utf-8"
    )
    table = Counter((q["dataset"], q["intent"], q["language"]) for q in bank)
    print(f"wrote {len(bank)} questions to {OUT}")
    for (ds, intent, lang), n in sorted(table.items()):
        print(f"  {ds:12} {intent:11} {lang}  {n}")


if __name__ == "__main__":
    main()
