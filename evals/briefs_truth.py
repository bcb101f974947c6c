"""Truth for the brief eval (python -m evals.briefs), read from the data sets' label columns
only: never from Hark's store, never through product code.

- Airline (../shared/data/twitter-us-airline-sentiment/tweets.csv): one row per distinct
  ``tweet_id`` (the file repeats ~155; the first row is kept), its time read as the file says
  (local time at UTC-08:00, which is America/Los_Angeles in February 2015), its crowd
  sentiment, ``negativereason`` and ``airline``.
- SentiRuEval (../shared/data/sentirueval-ru-brand-tweets/{banks,telecom}.csv): one row per
  tweet, its Unix time, and the annotators' polarity per organisation column (``1``, ``0``,
  ``-1``; ``NULL`` and the rare artefacts ``+-``/``--`` are "not labelled"), columns named by
  the catalog ids Hark's entity catalogs use.

Windows are half-open [start, end) in UTC, cut at midnight in the zone the eval chooses.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AIRLINE_CSV = DATA / "twitter-us-airline-sentiment" / "tweets.csv"
RU_DIR = DATA / "sentirueval-ru-brand-tweets"
AIRLINE_OFFSET = timezone(timedelta(hours=-8))
# The crowd's "I can't tell why" is not an issue anyone could act on: it is left out of the
# rising-issue truth (it has no taxonomy topic either).
NOT_AN_ISSUE = "Can't Tell"
# Label column -> catalog entity id (the ids of enrichment/catalogs/ru-*.entities.yaml).
RU_COLUMNS: dict[str, dict[str, str]] = {
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
_POLARITY = {"1": 1, "0": 0, "-1": -1}


@dataclass(frozen=True)
class Span:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, ts: datetime) -> bool:
        return self.start <= ts < self.end


def day_span(first: date, days: int, tz: tzinfo) -> Span:
    """``days`` whole days from ``first``, midnight to midnight in ``tz``."""

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)

    return Span(midnight(first), midnight(first + timedelta(days=days)))


# ---------------------------------------------------------------------------------------------
# airline
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AirlineTweet:
    tweet_id: str
    ts: datetime  # UTC
    airline: str
    sentiment: str
    reason: str | None


def airline_tweets(path: Path = AIRLINE_CSV) -> list[AirlineTweet]:
    out: dict[str, AirlineTweet] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["tweet_id"] in out:
                continue
            local = datetime.strptime(r["tweet_created"], "%m/%d/%Y %H:%M")
            out[r["tweet_id"]] = AirlineTweet(
                tweet_id=r["tweet_id"],
                ts=local.replace(tzinfo=AIRLINE_OFFSET).astimezone(UTC),
                airline=r["airline"],
                sentiment=r["airline_sentiment"],
                reason=r["negativereason"] or None,
            )
    return list(out.values())


@dataclass
class RisingTruth:
    """One airline's labelled tweets in a period and the period before."""

    volume: int = 0
    volume_before: int = 0
    negative: int = 0
    negative_before: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    reasons_before: Counter[str] = field(default_factory=Counter)

    def growth(self) -> list[tuple[str, int, int]]:
        """(reason, growth, count now) of every reason that grew, most growth first (ties:
        more now first, then by name). "Can't Tell" is left out."""
        rows = [
            (r, self.reasons[r] - self.reasons_before[r], self.reasons[r])
            for r in set(self.reasons) | set(self.reasons_before)
            if r != NOT_AN_ISSUE
        ]
        grew = [row for row in rows if row[1] > 0]
        return sorted(grew, key=lambda row: (-row[1], -row[2], row[0]))

    def top(self) -> set[str]:
        """The reasons tied for the most growth (empty when none grew)."""
        g = self.growth()
        return {r for r, d, _ in g if d == g[0][1]} if g else set()

    def top3(self) -> list[str]:
        return [r for r, _, _ in self.growth()[:3]]

    def issue_negatives(self) -> int:
        """Labelled negatives with a reason other than "Can't Tell", now."""
        return sum(n for r, n in self.reasons.items() if r != NOT_AN_ISSUE)


def airline_truth(
    tweets: Iterable[AirlineTweet], airline: str | None, now: Span, before: Span
) -> RisingTruth:
    """Counts of ``airline``'s tweets (all airlines when None) in ``now`` and ``before``."""
    t = RisingTruth()
    for tw in tweets:
        if airline is not None and tw.airline != airline:
            continue
        if tw.ts in now:
            t.volume += 1
            if tw.sentiment == "negative":
                t.negative += 1
                t.reasons[tw.reason or NOT_AN_ISSUE] += 1
        elif tw.ts in before:
            t.volume_before += 1
            if tw.sentiment == "negative":
                t.negative_before += 1
                t.reasons_before[tw.reason or NOT_AN_ISSUE] += 1
    return t


def airline_negatives(
    tweets: Iterable[AirlineTweet], span: Span
) -> tuple[Counter[str], Counter[str]]:
    """(labelled negatives, all tweets) per airline in ``span``."""
    neg: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for tw in tweets:
        if tw.ts in span:
            total[tw.airline] += 1
            if tw.sentiment == "negative":
                neg[tw.airline] += 1
    return neg, total


# ---------------------------------------------------------------------------------------------
# SentiRuEval
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuTweet:
    ts: datetime  # UTC
    labels: dict[str, int]  # catalog entity id -> -1 / 0 / 1


def ru_tweets(which: str) -> list[RuTweet]:
    """``which``: "banks" or "telecom"."""
    out = []
    with (RU_DIR / f"{which}.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            labels = {
                entity: _POLARITY[r[col]]
                for col, entity in RU_COLUMNS[which].items()
                if r.get(col) in _POLARITY
            }
            out.append(RuTweet(ts=datetime.fromtimestamp(int(r["date"]), UTC), labels=labels))
    return out


def ru_brand_counts(tweets: Iterable[RuTweet], span: Span) -> tuple[Counter[str], Counter[str]]:
    """(labelled negative tweets, labelled tweets of any polarity) per brand in ``span``."""
    neg: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    for tw in tweets:
        if tw.ts not in span:
            continue
        for brand, polarity in tw.labels.items():
            labelled[brand] += 1
            if polarity < 0:
                neg[brand] += 1
    return neg, labelled


def ru_volume(tweets: Iterable[RuTweet], span: Span) -> int:
    return sum(1 for tw in tweets if tw.ts in span)
