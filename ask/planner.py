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
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from ask import intent_lexicon as lex
from ask.names import is_common, read_names, spellings, subject_noun
from ask.phrasing import has_phrases
from ask.plan import GroupBy, Intent, Measure, NameTerm, Plan, PlanWindow
from ask.timewindows import Window, read_time
from ask.topic_match import match_topics
from ask.vocabulary import Vocabulary
from enrichment.language import LanguageDetector
from enrichment.transliteration import skeleton
from hark.dates import RANGE_TEXT, clamp, shift
from hark.domain import Sentiment
from hark.errors import ErrorCode, HarkError
from hark.protocols import Embedder

UTC_ZONE = ZoneInfo("UTC")
# Counts the workspace's mentions whose text contains any of the spellings (store/name_search).
NameCounter = Callable[[list[str]], int]
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


# "с оценкой 5", "оценки 1-2", "rated 4", "4-star", "ниже 3 звёзд", "below 3", "выше 4".
_SCORE_WORD = (
    r"(?:оценк\w*|балл\w*|звезд\w*|звёзд\w*|рейтинг\w*|star\w*|rat(?:ed|ing)\w*"
    r"|жұлдыз\w*|баға\w*)"
)
_RATED = re.compile(
    rf"{_SCORE_WORD}\s*(?:в\s+|of\s+)?([1-5])(?:\s*[-–]\s*([1-5]))?(?!\d)"
    r"(\s*(?:\+|or\s+(?:more|higher|above)|и\s+(?:выше|более)|или\s+(?:выше|больше)))?"
    r"(\s*(?:or\s+(?:less|lower|below)|и\s+ниже|или\s+(?:ниже|меньше)))?",
    re.I,
)
_BELOW = re.compile(
    rf"(?:ниже|меньше|менее|below|under|less\s+than|lower\s+than|төмен)\s+([1-5])(?!\d)"
    rf"(?=[^.?!]*{_SCORE_WORD})|{_SCORE_WORD}[^.?!]{{0,20}}(?:ниже|меньше|менее|below|under|"
    rf"less\s+than|lower\s+than)\s+([1-5])(?!\d)",
    re.I,
)
_ABOVE = re.compile(
    rf"(?:выше|больше|более|above|over|more\s+than|higher\s+than|жоғары)\s+([1-5])(?!\d)"
    rf"(?=[^.?!]*{_SCORE_WORD})|{_SCORE_WORD}[^.?!]{{0,20}}(?:выше|больше|более|above|over|"
    rf"more\s+than|higher\s+than)\s+([1-5])(?!\d)",
    re.I,
)


_HALF_YEAR = re.compile(
    r"полгода|полугоди\w*|половин\w* года|half\s+a\s+year|half-year|жарты\s+жыл\w*|півроку",
    re.IGNORECASE,
)
_HALF_YEAR_AS = {"ru": "6 месяцев", "en": "6 months", "kk": "6 ай", "uk": "6 місяців"}
_WEEKEND = re.compile(
    r"weekend|выходны[хемй]\w*|демалыс\s+күн\w*|вихідн\w*|нядзел\w* і субот\w*"
    r"|عطلة نهاية الأسبوع|آخر هفته",
    re.IGNORECASE,
)


def _lang_of(text: str) -> str:
    if re.search(r"[әғқңөұүһ]|жыл", text, re.IGNORECASE):
        return "kk"
    if re.search(r"[іїє]", text, re.IGNORECASE):
        return "uk"
    return "ru" if re.search(r"[а-яё]", text, re.IGNORECASE) else "en"


def _last_weekend(reference: datetime, tz: tzinfo) -> PlanWindow:
    """The last Saturday and Sunday up to the reference day, at local midnights."""
    day = reference.astimezone(tz).date()
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    saturday = sunday - timedelta(days=1)
    return PlanWindow(
        start=datetime.combine(saturday, time(), tz).astimezone(UTC),
        end=datetime.combine(sunday + timedelta(days=1), time(), tz).astimezone(UTC),
        label=f"the weekend of {saturday:%d} – {sunday:%d %B %Y}",
    )


def rating_range(question: str) -> tuple[float | None, float | None, list[str]]:
    """The star range a question filters on, and the words that said so."""
    if m := _RATING.search(question):
        return float(m.group(1)), float(m.group(2) or m.group(1)), [m.group()]
    if m := _BELOW.search(question):
        n = int(m.group(1) or m.group(2))
        return 1.0, float(n - 1) if n > 1 else 1.0, [m.group()]
    if m := _ABOVE.search(question):
        n = int(m.group(1) or m.group(2))
        return float(min(n + 1, 5)), 5.0, [m.group()]
    if m := _RATED.search(question):
        low, high = float(m.group(1)), float(m.group(2) or m.group(1))
        if m.group(3):
            high = 5.0  # "4 or more"
        if m.group(4):
            low = 1.0  # "2 or less"
        return low, high, [m.group()]
    return None, None, []


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


# Where detection names a language without phrases (short questions are often read as
# Bulgarian or Urdu), the question's script picks the closest one that has them.
_SCRIPT_LANGUAGE = (
    (re.compile(r"[әғқңөұүһ]", re.IGNORECASE), "kk"),
    (re.compile(r"[ўі]", re.IGNORECASE), "be"),
    (re.compile(r"[їєґ]", re.IGNORECASE), "uk"),
    (re.compile(r"[а-яё]", re.IGNORECASE), "ru"),
    (re.compile(r"[پچژگکی]"), "fa"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"),
)


_SIGNALS = (
    lex.WHY,
    lex.CHANGE,
    lex.COMPARE,
    lex.COUNT,
    lex.TREND,
    lex.EXAMPLES,
    lex.NEGATIVE,
    lex.POSITIVE,
    lex.RANK,
    lex.SHARE,
    lex.RATING,
    lex.NPS,
)


def _signal_word(word: str) -> bool:
    """A word the question's other readings use ("Топ-3", "NPS", "Negative"): no name."""
    return (
        lex.known_word(word)
        or any(s.search(word) for s in _SIGNALS)
        or lex.top_n(word) is not None
        or lex.granularity(word) is not None
        or lex.group_by(word) is not None
    )


# "MTS-ს", "United-қа", "ВТБ-ның", "VTB's": a name with a case ending or a possessive.
_DETACHED_ENDING = re.compile(
    r"([A-Za-z0-9])[-‐‑’'][^\sA-Za-z0-9.,;:!?()«»\"'’-]+"
    r"|([A-ZА-ЯЁ0-9])[-‐‑][a-zа-яёәғқңөұүһі\u10d0-\u10ff]{1,5}\b"
    r"|(\w)['’]s\b"
)

# "17 февраля и 23 февраля", "Feb 21 or Feb 22", "17 ақпанда және 23 ақпанда": days (or any
# periods) listed side by side are periods to compare, not the span between them.
_LIST_JOINS = re.compile(
    r"\s*(?:,|;|\band\b|\bor\b|\bvs\.?|\bversus\b|\bи\b|\bили\b|\bлибо\b|"
    r"\bпротив\b|\bжәне\b|\bмен\b|\bпен\b|\bбен\b|\bәлде\b|\bнемесе\b|\bме\b|"
    r"\bі\b|\bта\b|\bабо\b|\bو\b|\bأو\b|\bیا\b)\s*",
    re.IGNORECASE,
)


def _listed(matched: list[str], reference: datetime, tz: tzinfo) -> list[PlanWindow]:
    pieces = [p for m in matched for p in _LIST_JOINS.split(m) if p and p.strip()]
    if len(pieces) < 2:
        return []
    found: list[PlanWindow] = []
    for piece in pieces:
        try:
            window = _window(read_time(piece, reference, tz=tz).window)
        except (OverflowError, ValueError):
            return []
        if window is None:
            return []
        found.append(window)
    found.sort(key=lambda w: w.start)
    if any(b.start < a.end for a, b in pairwise(found)):
        return []
    return found


def names_period(question: str, reference: datetime, tz: tzinfo = UTC_ZONE) -> bool:
    """Whether the question itself names a period (a day, a range, "last month", "the
    weekend", a baseline), as ``RulesPlanner.plan`` reads it. A plan's window alone cannot
    say so: a why- or trend-question without one gets a default. A conversation's follow-up
    keeps the previous turn's period unless this is true (ask/followup.py)."""
    if _HALF_YEAR.search(question) or _WEEKEND.search(question):
        return True
    try:
        timing = read_time(question, clamp(reference), tz=tz)
    except (OverflowError, ValueError):
        return True  # a period plan() refuses: named, and wrong
    return bool(timing.window or timing.baseline or timing.periods)


def _answer_language(detected: str | None, question: str) -> str:
    if detected and has_phrases(detected):
        return detected
    for pattern, language in _SCRIPT_LANGUAGE:
        if pattern.search(question):
            return language
    return "en"


class RulesPlanner:
    def __init__(self, embedder: Embedder, languages: LanguageDetector) -> None:
        self.embedder = embedder
        self.languages = languages

    def plan(
        self,
        question: str,
        vocab: Vocabulary,
        *,
        reference: datetime,
        tz: tzinfo = UTC_ZONE,
        count_names: NameCounter | None = None,
    ) -> Plan:
        notes: list[str] = []
        intent = self._intent(question)
        reference = clamp(reference)
        # "полгода", "half a year": six months, in words the time reader knows.
        time_words = [m.group() for m in _HALF_YEAR.finditer(question)]
        time_question = _HALF_YEAR.sub(lambda m: _HALF_YEAR_AS[_lang_of(m.group())], question)
        try:
            timing = read_time(time_question, reference, compare=intent is Intent.WHY_CHANGE, tz=tz)
        except (OverflowError, ValueError):
            # "the last 100000 years", "February 30": refused rather than read as something else.
            raise HarkError(
                ErrorCode.VALIDATION,
                f"the question names a period that is not a date Hark handles ({RANGE_TEXT})",
            ) from None
        tz = getattr(timing, "tz", None) or tz
        window, baseline = _window(timing.window), _window(timing.baseline)
        if window is None and (weekend := _WEEKEND.search(question)):
            window = _last_weekend(reference, tz)
            time_words.append(weekend.group())
        periods = [p for w in getattr(timing, "periods", []) if (p := _window(w)) is not None]
        if not periods:
            periods = _listed(timing.matched, reference, tz)
        # "This week" / "this month" end in the future: counting days that have not happened
        # would read as a fall. Periods stop at the end of the reference day.
        cap = shift(reference, timedelta(seconds=1))
        if window is not None and window.end > cap and window.start < cap:
            window = window.model_copy(update={"end": cap, "named_end": window.end})
        periods = [
            p.model_copy(update={"end": cap, "named_end": p.end})
            if p.end > cap and p.start < cap
            else p
            for p in periods
            if p.start < cap
        ]
        measure = self._measure(question)
        group_by: GroupBy | None = lex.group_by(question)
        granularity = lex.granularity(question) or getattr(timing, "granularity", None)
        rating_min, rating_max, rating_words = rating_range(question)
        rank_hit = lex.RANK.search(question)
        if rank_hit is not None and any(rank_hit.cue in w.lower() for w in rating_words):
            rank_hit = None  # "рейтингом ниже 3" is a star filter, not a ranking
        ranked = (
            rank_hit is not None
            or (group_by is not None and lex.superlative(question) is not None)
            # "by source", "из каждого источника": a breakdown by a dimension is a ranking
            # (topics keep the summary, whose topics or themes come with quotes).
            or (group_by not in (None, "topic") and intent in (Intent.SUMMARISE, Intent.COUNT))
        )
        if ranked and intent is not Intent.WHY_CHANGE:
            intent = Intent.RANK
        elif lex.SHARE.search(question) and intent in (
            Intent.SUMMARISE,
            Intent.COUNT,
            Intent.COMPARE,
        ):
            intent = Intent.SHARE
        elif granularity is not None and intent in (Intent.SUMMARISE, Intent.COUNT):
            intent = Intent.TREND
        if len(periods) >= 2 and intent is not Intent.TREND:
            if intent is Intent.WHY_CHANGE or lex.WHY.search(question):
                intent = Intent.WHY_CHANGE
                window, baseline = periods[-1], periods[0]
                periods = []
            elif intent in (Intent.SUMMARISE, Intent.COUNT, Intent.COMPARE):
                # "June vs July", "from June to July": each period counted, then compared.
                # Examples, rankings, shares and series take the periods' span as one window.
                intent = Intent.COMPARE
                baseline = None
        elif baseline is not None and intent in (Intent.SUMMARISE, Intent.COUNT, Intent.TREND):
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
            start = end - timedelta(days=DEFAULT_TREND_DAYS)
            label = f"last {DEFAULT_TREND_DAYS} days (no period named)"
            if vocab.earliest is not None and vocab.earliest > start:
                # A collection shorter than the default: its own days, not empty ones before.
                first = vocab.earliest.astimezone(tz).date()
                start = datetime.combine(first, time(), tz).astimezone(UTC)
                label = f"{first:%d %B %Y} – {reference:%d %B %Y} (no period named)"
            window = PlanWindow(start=start, end=end, label=label)

        detected = self.languages.detect(question)
        language = _answer_language(detected, question)
        if detected and language == "en" and detected != "en":
            notes.append(f"question in {detected}; the template answer is in English")

        # "MTS-ს", "United-қа": a Latin name with a case ending of another script is the name.
        named = _DETACHED_ENDING.sub(lambda m: next(g for g in m.groups() if g), question)
        entities, brands = self._entities(named, vocab)
        if (
            intent in (Intent.SUMMARISE, Intent.SHARE, Intent.COUNT)
            and len(entities) + len(brands) >= 2
            and not periods
        ):
            # Two or more brands named: each is a side ("United or Delta: who has more
            # negative?", "compare MTS and Beeline by negative share"), not one pooled number.
            intent = Intent.COMPARE
        if intent is Intent.RANK or (intent is Intent.SHARE and group_by is not None):
            group_by = self._rank_dimension(group_by, vocab)
        sources = _names_in(named, vocab.sources)
        locations = _names_in(named, vocab.locations)
        taken = [*timing.matched, *time_words, *brands, *sources, *locations]
        taken += rating_words
        if vocab.entities is not None:
            taken += [m.surface for m in vocab.entities.match(named)]
            taken += [vocab.entities.entity(e).name for e in entities]
        if vocab.topics is not None:
            taken += [t.name for t in vocab.topics.taxonomy.topics]
        # What no reading took: it may name a topic by meaning, or something Hark does not
        # read (then the answer says so rather than answer a broader question in silence).
        leftover = lex.unread(named, taken, is_common)
        # "What do they complain about most": topics are what the answer lists, not a filter;
        # and a question with nothing left to mean a topic is matched to none.
        topics = self._topics(
            question, vocab, notes, by_meaning=group_by != "topic" and bool(leftover)
        )
        # Matched by name against stored values: say so, since a value can be an ordinary
        # word of the question.
        notes += [f"read as about source {v!r}" for v in sources]
        notes += [f"read as about location {v!r}" for v in locations]
        search_text = question
        for part in timing.matched:
            search_text = search_text.replace(part, " ")
        names: list[NameTerm] = []
        if count_names is not None:
            for name, patterns, n in read_names(named, taken, count_names, _signal_word):
                names.append(NameTerm(name=name, patterns=patterns, mentions=n))
                notes.append(
                    f"{name!r} is not in the brand catalog: read from the texts "
                    f"({n} mentions name it)"
                )
        found_names = [n for n in names if n.mentions]
        if (
            intent in (Intent.SUMMARISE, Intent.SHARE, Intent.COUNT)
            and len(entities) + len(brands) + len(found_names) >= 2
            and found_names
            and not periods
        ):
            intent = Intent.COMPARE  # "Райф vs Альфа": names read from the texts are sides too
        read_as_name = {w.lower() for n in names for w in re.findall(r"\w+", n.name)}
        unread = [w for w in leftover if w.lower() not in read_as_name]
        if count_names is not None and not topics and intent is not Intent.EXAMPLES:
            # "жалобы на банкоматы": a subject no taxonomy names is looked up in the texts
            # like a name, so the answer is about it rather than about everything.
            for word in [w for w in unread if subject_noun(w)]:
                forms = spellings(word)
                n = count_names(forms)
                if n:
                    names.append(NameTerm(name=word, patterns=forms, mentions=n, term=True))
                    notes.append(f"{word!r} read as a word in the texts ({n} mentions have it)")
                    unread.remove(word)
        if topics or intent is Intent.EXAMPLES:
            unread = []  # read as a topic, or the words an example search looks for
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
            measure=measure,
            group_by=group_by if intent in (Intent.RANK, Intent.SHARE) else None,
            order=lex.superlative(question) or "most",
            top_n=lex.top_n(question),
            granularity=granularity if intent is Intent.TREND else None,
            periods=periods if intent is Intent.COMPARE else [],
            timezone=str(getattr(tz, "key", "UTC")),
            names=names,
            unread=[" ".join(unread)] if unread else [],
            include_brand_authors=lex.brand_posts(question) is True,
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
    def _measure(question: str) -> Measure:
        if lex.NPS.search(question):
            return "nps"
        if lex.RATING.search(question):
            return "rating"
        if lex.SHARE.search(question):
            return "share"
        return "count"

    @staticmethod
    def _rank_dimension(group_by: GroupBy | None, vocab: Vocabulary) -> GroupBy:
        """ "Which operator/brand…": the source's own brand field where the data has one,
        else the catalog's brands and competitors as matched in the texts."""
        if group_by in (None, "brand", "entity"):
            return "brand" if vocab.brands else "entity"
        return group_by

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

    def _topics(
        self, question: str, vocab: Vocabulary, notes: list[str], *, by_meaning: bool = True
    ) -> list[str]:
        model = vocab.topics
        if model is None:
            return []
        named = [t.id for t in model.taxonomy.topics if _names_in(question, [t.name])]
        if named or not by_meaning:
            return named
        # By meaning, in any language: the question against each topic's names and example
        # phrases (ask/topic_match.py); nothing rather than a topic that is not clearly meant.
        found = match_topics(question, model, self.embedder)
        notes.extend(
            f"read as about topic {m.topic!r} ({m.how}, score {m.score:.2f})" for m in found
        )
        return [m.topic for m in found]
