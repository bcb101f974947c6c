"""The rules planner, the embedded default: a question becomes a Plan with no model.

Intent from signal words (ask/intent_lexicon.py), periods from ask/timewindows.py, brands,
locations and sources by name as stored (case- and script-insensitively), brands and
competitors through the workspace's entity catalog, topics by name or by embedding
similarity to the taxonomy, and the answer language from the question's language (English
or Russian for the template composer; others are understood and answered in English unless
a model phrases the answer).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import numpy as np

from ask import intent_lexicon as lex
from ask.plan import Intent, Plan, PlanWindow
from ask.timewindows import Window, read_time
from ask.vocabulary import Vocabulary
from enrichment.language import LanguageDetector
from enrichment.transliteration import skeleton
from hark.dates import RANGE_TEXT, clamp, shift
from hark.domain import Sentiment
from hark.errors import ErrorCode, HarkError
from hark.protocols import Embedder

TEMPLATE_LANGUAGES = ("en", "ru")
# Question-to-topic similarity (centred, as taxonomy.py scores mentions) above which a topic
# the question does not name is still read as meant; high, since a wrong topic filter
# silently narrows every number in the answer.
TOPIC_SIMILARITY = 0.5
DEFAULT_CHANGE_DAYS = 7
DEFAULT_TREND_DAYS = 28
_RATING = re.compile(
    r"(?<!\d)([1-5])(?:\s*[-–]\s*([1-5]))?[\s-]*(?:star|звезд|звёзд|балл|жұлдыз|ستار|نجم|ستاره)",
    re.IGNORECASE,
)


def _window(w: Window | None) -> PlanWindow | None:
    return None if w is None else PlanWindow(start=w.start, end=w.end, label=w.label)


def _key(text: str) -> str:
    """Words compared case-, accent- and script-insensitively ("Алматы" ~ "Almaty")."""
    return " ".join(k for w in re.findall(r"\w+", text) if (k := skeleton(w)))


def _names_in(question: str, values: list[str]) -> list[str]:
    """Stored values the question names as whole words, in any script."""
    q = f" {_key(question)} "
    found = []
    for v in values:
        key = _key(v)
        if len(key) >= 3 and f" {key} " in q:
            found.append(v)
    return found


def reference_time(vocab: Vocabulary, setting: str | None) -> datetime:
    """End of the reference day: the setting, else the day of the latest mention, else now."""
    if setting:
        try:
            day = datetime.fromisoformat(setting).date()
        except ValueError as exc:
            raise HarkError(
                ErrorCode.VALIDATION, f"HARK_ASK_REFERENCE_DATE is not an ISO date: {setting!r}"
            ) from exc
    elif vocab.latest is not None:
        # clamp: a store written before dates were bounded may hold a year-9999 mention.
        day = clamp(vocab.latest).date()
    else:
        day = datetime.now(UTC).date()
    return datetime.combine(day, time(23, 59, 59), UTC)


class RulesPlanner:
    def __init__(self, embedder: Embedder, languages: LanguageDetector) -> None:
        self.embedder = embedder
        self.languages = languages

    def plan(self, question: str, vocab: Vocabulary, *, reference: datetime) -> Plan:
        notes: list[str] = []
        intent = self._intent(question)
        reference = clamp(reference)
        try:
            timing = read_time(question, reference, compare=intent is Intent.WHY_CHANGE)
        except (OverflowError, ValueError):
            # "the last 100000 years", "February 30": refused rather than read as something else.
            raise HarkError(
                ErrorCode.VALIDATION,
                f"the question names a period that is not a date Hark handles ({RANGE_TEXT})",
            ) from None
        window, baseline = _window(timing.window), _window(timing.baseline)
        # "This week" / "this month" end in the future: counting days that have not happened
        # would read as a fall. Periods stop at the end of the reference day.
        cap = shift(reference, timedelta(seconds=1))
        if window is not None and window.end > cap and window.start < cap:
            window = window.model_copy(update={"end": cap})
        if baseline is not None and intent in (Intent.SUMMARISE, Intent.COUNT, Intent.TREND):
            intent = Intent.WHY_CHANGE if lex.WHY.search(question) else Intent.COMPARE
        if intent is Intent.WHY_CHANGE and window is None:
            end = shift(reference, timedelta(seconds=1))
            window = PlanWindow(
                start=end - timedelta(days=DEFAULT_CHANGE_DAYS),
                end=end,
                label=f"last {DEFAULT_CHANGE_DAYS} days (no period named)",
            )
            baseline = PlanWindow(
                start=window.start - timedelta(days=DEFAULT_CHANGE_DAYS),
                end=window.start,
                label=f"the {DEFAULT_CHANGE_DAYS} days before",
            )
            notes.append("no period named: compared the last 7 days with the 7 days before")
        if intent is Intent.TREND and window is None:
            end = shift(reference, timedelta(seconds=1))
            window = PlanWindow(
                start=end - timedelta(days=DEFAULT_TREND_DAYS),
                end=end,
                label=f"last {DEFAULT_TREND_DAYS} days (no period named)",
            )

        detected = self.languages.detect(question)
        language = detected if detected in TEMPLATE_LANGUAGES else "en"
        if detected and detected not in TEMPLATE_LANGUAGES:
            notes.append(f"question in {detected}; the template answer is in English")

        entities, brands = self._entities(question, vocab)
        if intent is Intent.SUMMARISE and len(entities) + len(brands) >= 2:
            intent = Intent.COMPARE if lex.COMPARE.search(question) else intent
        rating_min = rating_max = None
        if m := _RATING.search(question):
            rating_min = float(m.group(1))
            rating_max = float(m.group(2) or m.group(1))
        topics = self._topics(question, vocab, notes)
        sources = _names_in(question, vocab.sources)
        locations = _names_in(question, vocab.locations)
        # Matched by name against stored values: say so, since a value can be an ordinary
        # word of the question.
        notes += [f"read as about source {v!r}" for v in sources]
        notes += [f"read as about location {v!r}" for v in locations]
        search_text = question
        for part in timing.matched:
            search_text = search_text.replace(part, " ")
        return Plan(
            question=question,
            intent=intent,
            language=language,
            question_language=detected,
            reference=reference,
            window=window,
            baseline=baseline if intent in (Intent.WHY_CHANGE, Intent.COMPARE) else None,
            sentiment=self._sentiment(question),
            topics=topics,
            entities=entities,
            brands=brands,
            sources=sources,
            locations=locations,
            rating_min=rating_min,
            rating_max=rating_max,
            search_text=" ".join(search_text.split()),
            planner="rules",
            notes=notes,
        )

    @staticmethod
    def _intent(question: str) -> Intent:
        if lex.WHY.search(question) and lex.CHANGE.search(question):
            return Intent.WHY_CHANGE
        if lex.COUNT.search(question):
            return Intent.COUNT
        if lex.TREND.search(question):
            return Intent.TREND
        if lex.EXAMPLES.search(question):
            return Intent.EXAMPLES
        if lex.COMPARE.search(question):
            return Intent.COMPARE
        return Intent.SUMMARISE

    @staticmethod
    def _sentiment(question: str) -> Sentiment | None:
        neg, pos = bool(lex.NEGATIVE.search(question)), bool(lex.POSITIVE.search(question))
        if neg and not pos:
            return Sentiment.NEGATIVE
        if pos and not neg:
            return Sentiment.POSITIVE
        return None

    @staticmethod
    def _entities(question: str, vocab: Vocabulary) -> tuple[list[str], list[str]]:
        """(entity ids, brand-field values). A name that is a stored brand value filters on
        that field (what the source said); other catalog entities filter on the matches."""
        brands = _names_in(question, vocab.brands)
        entities: list[str] = []
        if vocab.entities is not None:
            for m in vocab.entities.match(question):
                entity = vocab.entities.entity(m.entity)
                by_brand = [
                    b for b in vocab.brands if _key(b) in {_key(entity.name), _key(entity.id)}
                ]
                if by_brand:
                    brands.extend(b for b in by_brand if b not in brands)
                else:
                    entities.append(m.entity)
        return entities, brands

    def _topics(self, question: str, vocab: Vocabulary, notes: list[str]) -> list[str]:
        model = vocab.topics
        if model is None:
            return []
        named = [t.id for t in model.taxonomy.topics if _names_in(question, [t.name])]
        if named:
            return named
        scores = model.scores(self.embedder.embed_query(question)[None, :])[0]
        best = int(np.argmax(scores))
        if scores[best] >= TOPIC_SIMILARITY:
            notes.append(f"read as about topic {model.ids[best]!r} (similarity {scores[best]:.2f})")
            return [model.ids[best]]
        return []
