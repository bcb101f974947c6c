"""Words that signal what a question asks, in our users' languages (en, ru, kk, be, uk, ar,
fa, ka), read through lemmas rather than regex stems.

Why lemmas: a stem regex either misses forms ("жалоб" never matches "жаловались", "ругали"
never matches "ругают") or, made short enough to catch them, matches unrelated words. Each
question word is expanded by ask/morphology.py into the forms it may stand for (pymorphy3,
simplemma, Arabic clitic and Persian suffix stripping, Kazakh/Belarusian/Georgian stemmers)
and signals are sets of dictionary forms, phrases of them, and stems only where no analyser
helps (Georgian verbs, Kazakh and Belarusian stems).

Entry syntax, per language: "word" matches a word any of whose forms is that word (lemmas
included, so "жаловаться" catches "жаловались"); "stem*" matches a form starting with it;
spaces make a phrase of consecutive words; "~" inside a phrase skips up to three words
("қай ~ ең көп"). Everything is compared folded (lowercase, ё as е, Arabic/Persian letter
variants merged), so entries are written in ordinary spelling.

The planner (ask/planner.py) only tests truthiness: `lex.X.search(question)`. A signal
returns the Hit that fired it, or None, so callers can also say which words they read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ask import morphology
from ask.morphology import Word, fold

Superlative = Literal["most", "least"]
Granularity = Literal["day", "week", "month"]
Dimension = Literal["brand", "topic", "source", "location", "language"]

_GAP = 3  # words a "~" may skip


@dataclass(frozen=True, slots=True)
class Hit:
    """What fired a signal: the entry, and the word span it matched (end exclusive)."""

    cue: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Reading:
    words: tuple[Word, ...]
    text: str  # folded, for the few residual regexes
    # Hits per Cues object: signals share sub-signals (RANK, group_by and top_n all read
    # the superlatives), so each is matched once per question.
    memo: dict[int, list[Hit]] = field(default_factory=dict, compare=False)


@lru_cache(maxsize=512)
def _read(question: str) -> _Reading:
    # The planner asks a dozen signals of the same question; analyse it once.
    return _Reading(tuple(morphology.words(question)), fold(question))


# An element of a compiled entry: ("w", word) | ("p", prefix) | ("~", "")
_Elem = tuple[str, str]


def _compile(entry: str) -> tuple[_Elem, ...]:
    elems: list[_Elem] = []
    for part in entry.split():
        if part == "~":
            elems.append(("~", ""))
        elif part.endswith("*"):
            elems.append(("p", fold(part[:-1]).replace("\u200c", "")))
        else:
            elems.extend(("w", t) for t in morphology.tokens(part))
    return tuple(elems)


def _elem_matches(elem: _Elem, word: Word) -> bool:
    kind, value = elem
    if kind == "w":
        return value in word.forms
    return any(f.startswith(value) for f in word.forms)


def _match_at(elems: Sequence[_Elem], words: Sequence[Word], i: int) -> int | None:
    """End of a match of elems starting at word i, or None."""
    if not elems:
        return i
    head, rest = elems[0], elems[1:]
    if head[0] == "~":
        for skip in range(_GAP + 1):
            end = _match_at(rest, words, i + skip)
            if end is not None:
                return end
            if i + skip >= len(words):
                break
        return None
    if i < len(words) and _elem_matches(head, words[i]):
        return _match_at(rest, words, i + 1)
    return None


class Cues:
    """A set of entries in several languages, matched against a question's words."""

    def __init__(
        self,
        entries: Iterable[str],
        *,
        patterns: Iterable[str] = (),
        unless: Iterable[str] = (),
    ) -> None:
        """entries: see the module docstring. patterns: regexes over the folded question,
        for what is not words ("%", "top5"). unless: entries whose match over a hit vetoes
        it ("больше всего" is a superlative, not a change)."""
        self.entries = tuple(dict.fromkeys(e for e in entries if e.strip()))
        self._single: dict[str, str] = {}
        # Phrases indexed by their first word, so a question word only tries the phrases
        # that can start with it; phrases starting with a stem or a gap are tried everywhere.
        self._phrases: dict[str, list[tuple[str, tuple[_Elem, ...]]]] = {}
        self._anywhere: list[tuple[str, tuple[_Elem, ...]]] = []
        for entry in self.entries:
            elems = _compile(entry)
            if len(elems) == 1 and elems[0][0] == "w":
                self._single.setdefault(elems[0][1], entry)
            elif elems and elems[0][0] == "w":
                self._phrases.setdefault(elems[0][1], []).append((entry, elems))
            elif elems:
                self._anywhere.append((entry, elems))
        self._patterns = [re.compile(p) for p in patterns]
        self._unless = Cues(unless) if unless else None

    def words(self) -> set[str]:
        """Single-word entries, folded: forms the morphology should treat as known."""
        return set(self._single)

    def hits(self, reading: _Reading) -> list[Hit]:
        """Every hit in the reading, in word order (memoised per reading)."""
        cached = reading.memo.get(id(self))
        if cached is None:
            cached = reading.memo[id(self)] = self._hits(reading)
        return list(cached)

    def _hits(self, reading: _Reading) -> list[Hit]:
        words = reading.words
        found: list[Hit] = []
        for i, word in enumerate(words):
            for form in word.forms & self._single.keys():
                found.append(Hit(self._single[form], i, i + 1))
                break
            tried = [p for form in word.forms for p in self._phrases.get(form, ())]
            for entry, elems in tried + self._anywhere:
                end = _match_at(elems, words, i)
                if end is not None and end > i:
                    found.append(Hit(entry, i, end))
        for pattern in self._patterns:
            for m in pattern.finditer(reading.text):
                at = len(morphology.tokens(reading.text[: m.start()]))
                found.append(Hit(pattern.pattern, at, at + 1))
        if self._unless is not None and found:
            vetoes = self._unless.hits(reading)
            found = [
                h for h in found if not any(v.start < h.end and h.start < v.end for v in vetoes)
            ]
        return sorted(found, key=lambda h: (h.start, -h.end))

    def search(self, text: str) -> Hit | None:
        """The first hit in the text, or None."""
        hits = self.hits(_read(text))
        return hits[0] if hits else None


def _langs(**by_language: Sequence[str]) -> list[str]:
    """Entries of all languages, flattened; keyword names only document the language."""
    return [entry for entries in by_language.values() for entry in entries]


class _Signal:
    """A signal computed by a function of the reading rather than one entry list."""

    def __init__(self, fn: Callable[[_Reading], Hit | None]) -> None:
        self._fn = fn

    def search(self, text: str) -> Hit | None:
        """The hit that fired the signal, or None."""
        return self._fn(_read(text))


# --- what the question asks --------------------------------------------------------------

WHY = Cues(
    _langs(
        en=[
            "why",
            "reason",
            "cause",
            "caused",
            "explain",
            "how come",
            "what drove",
            "what drives",
            "what is behind",
            "what was behind",
            "what's behind",
            "due to what",
            "what changed",
            "what has changed",
            "what happened",
        ],
        ru=[
            "почему",
            "отчего",
            "из-за чего",
            "причина",
            "что стало причиной",
            "с чем связан*",
            "что изменилось",
            "что поменялось",
            "что произошло",
            "что случилось",
            "чем объясн*",
        ],
        kk=["неге", "неліктен", "себеп*", "не себепті", "не өзгер*", "не болды"],
        uk=["чому", "через що", "причина", "з чим пов'язан*"],
        be=["чаму", "праз што", "прычын*"],
        ar=["لماذا", "سبب", "أسباب", "ما الذي أدى"],
        fa=["چرا", "دلیل", "علت", "به چه دلیل"],
        ka=["რატომ", "მიზეზ*", "რამ გამოიწვია"],
    )
)

CHANGE = Cues(
    _langs(
        en=[
            "rise",
            "rose",
            "risen",
            "rising",
            "grow*",
            "grew",
            "increase",
            "jump",
            "spike",
            "surge",
            "climb",
            "soar",
            "drop",
            "fall",
            "decline",
            "decrease",
            "dip",
            "plunge",
            "change",
            "up",
            "down",
            "more",
            "fewer",
        ],
        ru=[
            "вырасти",
            "расти",
            "рост",
            "прирост",
            "увелич*",
            "больше",
            "упасть",
            "падение",
            "снизиться",
            "снижение",
            "сократиться",
            "уменьшиться",
            "стало",
            "меньше",
            "всплеск",
            "подскочить",
            "измениться",
            "изменение",
        ],
        kk=["өсті", "өскен", "өсу", "көбей*", "азай*", "төмендеді", "төмендеген", "артты", "кеми*"],
        uk=[
            "зрости",
            "зростання",
            "збільш*",
            "більше",
            "менше",
            "впасти",
            "знизитися",
            "зниження",
            "зменш*",
            "змінитися",
            "сплеск",
        ],
        be=["вырас*", "павялічы*", "больш", "менш", "упал*", "зніз*", "змяніл*"],
        ar=["زاد", "ازداد", "ارتفع", "انخفض", "تراجع", "زيادة", "ارتفاع", "انخفاض", "تغير"],
        fa=["افزایش", "کاهش", "زیاد", "بیشتر", "کمتر", "رشد", "تغییر"],
        ka=["გაიზარდ*", "გაზრდ*", "ზრდ*", "შემცირ*", "მოიმატ*", "დაიკლ*", "შეიცვალ*", "ცვლილებ*"],
    ),
    # "больше всего" asks for a maximum, not a change; "more than" still compares.
    unless=[
        "больше всего",
        "больше всех",
        "меньше всего",
        "меньше всех",
        "більше всього",
        "більше за всіх",
        "менше всього",
        "up to",
    ],
)

COMPARE = Cues(
    _langs(
        en=["compare", "comparison", "vs", "versus", "against", "better than", "worse than"],
        ru=["сравн*", "против", "лучше чем", "хуже чем", "по сравнению"],
        kk=["салыстыр*"],
        uk=["порівн*"],
        be=["параўн*"],
        ar=["قارن", "مقارنة", "مقابل"],
        fa=["مقایسه", "در مقابل"],
        ka=["შედარ*"],
    )
)

COUNT = Cues(
    _langs(
        en=["how many", "number of", "count"],
        ru=["сколько", "количество", "число"],
        kk=["қанша", "саны"],
        uk=["скільки", "кількість"],
        be=["колькі", "колькасць"],
        ar=["كم", "عدد"],
        fa=["چند", "تعداد"],
        ka=["რამდენ*", "რაოდენობ*"],
    )
)

EXAMPLES = Cues(
    _langs(
        en=[
            "example",
            "show me",
            "quote",
            "find",
            "which tweets",
            "which reviews",
            "which posts",
            "which comments",
            "give me a few",
            "give me some",
            "a few tweets",
            "a few reviews",
            "some tweets",
            "some reviews",
        ],
        ru=[
            "пример",
            "покажи",
            "покажите",
            "найди",
            "найдите",
            "цитата",
            "приведи",
            "приведите",
            "дай цитаты",
            "несколько твитов",
            "несколько отзывов",
        ],
        kk=["мысал*", "көрсет*", "келтір*", "үзінді*"],
        uk=["приклад", "покажи", "покажіть", "знайди", "знайдіть", "цитата"],
        be=["прыклад*", "пакажы", "пакажыце", "знайдзі"],
        ar=["مثال", "أمثلة", "أرني", "اقتباس"],
        fa=["نمونه", "مثال", "نشان بده"],
        ka=["მაგალით*", "მაჩვენე"],
    )
)

# --- sentiment ---------------------------------------------------------------------------

_NEGATIVE_CUES = Cues(
    _langs(
        en=[
            "negative",
            "negativity",
            "complain",
            "complaint",
            "problem",
            "issue",
            "angry",
            "unhappy",
            "bad",
            "hate",
            "frustrat*",
            "dislike",
            "disappoint*",
            "dissatisf*",
            "upset",
            "annoyed",
            "criticize",
            "criticise",
            "criticism",
            "terrible",
            "awful",
            "horrible",
        ],
        ru=[
            "негатив",
            "негативный",
            "жалоба",
            "жаловаться",
            "претензия",
            "проблема",
            "плохой",
            "недовольный",
            "недовольство",
            "ругать",
            "отрицательный",
            "критиковать",
            "критика",
            "возмущаться",
            "возмущение",
            "возмутить",
            "возмущённый",
            "разочарование",
            "разочарованный",
            "злой",
        ],
        kk=["шағым*", "нашар", "теріс", "жаман", "наразы*", "жағымсыз", "ұнама", "сынға", "сына*"],
        uk=[
            "негатив",
            "негативний",
            "скарга",
            "скаржитися",
            "проблема",
            "поганий",
            "незадоволений",
            "лаяти",
            "критикувати",
            "претензія",
        ],
        be=["негатыў*", "скарг*", "скардз*", "праблем*", "дрэнн*", "незадаволен*", "крытык*"],
        ar=["سلبي", "شكوى", "اشتكى", "يشتكي", "مشكلة", "سيئ", "سيء", "غاضب", "انتقاد", "استياء"],
        fa=["منفی", "شکایت", "مشکل", "بد", "نارضایتی", "ناراضی", "انتقاد", "عصبانی"],
        ka=["უარყოფით*", "ჩივ*", "უჩივ*", "საჩივ*", "პრობლემ*", "ცუდ*", "უკმაყოფილ*", "კრიტიკ*"],
    ),
    # Comparatives compare; "worse than" is not a request for negative mentions.
    unless=["worse", "хуже", "гірше"],
)

_POSITIVE_CUES = Cues(
    _langs(
        en=[
            "positive",
            "praise",
            "like",
            "love",
            "happy",
            "good",
            "thank",
            "thanks",
            "satisfied",
            "pleased",
            "glad",
            "great",
            "excellent",
            "recommend",
            "enjoy",
            "appreciate",
        ],
        ru=[
            "позитив",
            "позитивный",
            "хвалить",
            "похвала",
            "нравиться",
            "понравиться",
            "довольный",
            "благодарить",
            "благодарность",
            "положительный",
            "хороший",
            "любить",
            "рекомендовать",
        ],
        kk=["мақта*", "ұна", "ұнай", "оң", "жақсы", "риза*", "жағымды", "алғыс*"],
        uk=[
            "позитив",
            "позитивний",
            "хвалити",
            "похвала",
            "подобатися",
            "сподобатися",
            "задоволений",
            "дякувати",
            "вдячність",
            "хороший",
            "добрий",
            "гарний",
        ],
        be=["пазітыў*", "хвал*", "пахвал*", "падаба*", "задаволен*", "дзяку*", "станоўч*"],
        ar=["إيجابي", "مدح", "يمدح", "يحب", "يحبون", "أحب", "راض", "رضا", "شكر", "ممتاز", "جيد"],
        fa=["مثبت", "تعریف", "راضی", "رضایت", "خوب", "پسندیدن", "تشکر", "عالی", "دوست دارند"],
        ka=["დადებით*", "აქებ*", "ქებ*", "მოსწონ*", "კმაყოფილ*", "მადლობ*", "კარგ*"],
    ),
    unless=["better", "лучше", "краще", "like this", "like that", "looks like", "such as"],
)

# Words that turn a following praise word into a complaint: "not happy", "не нравится",
# "غير راضين", "არ მოსწონთ". Up to two words may sit between ("не очень довольны").
_NEGATORS_BEFORE = Cues(
    _langs(
        en=[
            "not",
            "no",
            "never",
            "don't",
            "doesn't",
            "didn't",
            "isn't",
            "aren't",
            "wasn't",
            "weren't",
            "dont",
            "doesnt",
            "didnt",
            "hardly",
        ],
        ru=["не", "ни", "нет"],
        uk=["ні"],
        be=["ня"],
        ar=["لا", "لم", "لن", "ليس", "ليست", "ليسوا", "غير"],
        fa=["نه", "نا"],
        ka=["არ", "ვერ", "არა"],
    )
)
# Kazakh and Persian negate after the word: "жақсы емес", "ұнаған жоқ", "راضی نیستند".
_NEGATORS_AFTER = Cues(_langs(kk=["емес", "жоқ"], fa=["نیست", "نیستند", "نبود", "نبودند", "نیستن"]))


def _negated(hit: Hit, reading: _Reading, before: list[Hit], after: list[Hit]) -> bool:
    if any(reading.words[i].negated for i in range(hit.start, hit.end)):
        return True
    if any(hit.start - 3 <= n.start < hit.start for n in before):
        return True
    return any(hit.end <= n.start <= hit.end + 1 for n in after)


def _polarity(reading: _Reading) -> tuple[Hit | None, Hit | None]:
    """(first negative hit, first positive hit), a negated praise word counting as
    negative and never as positive."""
    negative = _NEGATIVE_CUES.hits(reading)
    before, after = _NEGATORS_BEFORE.hits(reading), _NEGATORS_AFTER.hits(reading)
    positive: list[Hit] = []
    for hit in _POSITIVE_CUES.hits(reading):
        (negative if _negated(hit, reading, before, after) else positive).append(hit)
    negative.sort(key=lambda h: h.start)
    return (negative[0] if negative else None), (positive[0] if positive else None)


class _Polarity:
    def __init__(self, negative: bool) -> None:
        self._negative = negative

    def search(self, text: str) -> Hit | None:
        """The first word that reads as this polarity, or None."""
        neg, pos = _polarity(_read(text))
        return neg if self._negative else pos


NEGATIVE = _Polarity(negative=True)
POSITIVE = _Polarity(negative=False)

# --- series ------------------------------------------------------------------------------

_GRANULARITY: dict[Granularity, Cues] = {
    "day": Cues(
        _langs(
            en=[
                "by day",
                "per day",
                "daily",
                "each day",
                "every day",
                "day by day",
                "day over day",
            ],
            ru=[
                "по дням",
                "ежедневно",
                "ежедневный",
                "каждый день",
                "посуточно",
                "подневн*",
                "день за день",
                "изо дня в день",
            ],
            kk=["күн сайын*", "күнделікті", "күндер бойынша", "күнге", "күндік", "әр күн*"],
            uk=["по днях", "щодня", "щоденно", "щоденний", "кожний день", "за днями"],
            be=["па днях", "штодня", "штодзённ*"],
            ar=["يومي", "يوميا", "حسب اليوم", "كل يوم"],
            fa=["روزانه", "هر روز", "به تفکیک روز"],
            ka=["დღეების მიხედვით", "ყოველდღ*", "დღიურ*"],
        )
    ),
    "week": Cues(
        _langs(
            en=[
                "by week",
                "per week",
                "weekly",
                "each week",
                "every week",
                "week by week",
                "week over week",
                "week-on-week",
            ],
            ru=[
                "по неделям",
                "понедельн*",
                "еженедельно",
                "еженедельный",
                "каждый неделя",
                "неделя за неделя",
            ],
            kk=[
                "апта сайын*",
                "аптасына",
                "апталар бойынша",
                "апта бойынша",
                "апталық*",
                "әр апта*",
            ],
            uk=["по тижнях", "щотижня", "щотижнево", "щотижневий", "кожний тиждень", "за тижнями"],
            be=["па тыднях", "штотыдзень", "штотыднёв*", "кожны тыдзень"],
            ar=["أسبوعي", "أسبوعيا", "حسب الأسبوع", "كل أسبوع"],
            fa=["هفتگی", "هر هفته", "به تفکیک هفته"],
            ka=["კვირების მიხედვით", "ყოველკვირ*", "კვირეულ*"],
        )
    ),
    "month": Cues(
        _langs(
            en=[
                "by month",
                "per month",
                "monthly",
                "each month",
                "every month",
                "month by month",
                "month over month",
            ],
            ru=["по месяцам", "помесячн*", "ежемесячно", "ежемесячный", "каждый месяц"],
            kk=["ай сайын*", "айына", "айлар бойынша", "ай бойынша", "айлық*", "әр ай*"],
            uk=["по місяцях", "щомісяця", "щомісячно", "щомісячний", "кожний місяць"],
            be=["па месяцах", "штомесяц", "штомесячн*"],
            ar=["شهري", "شهريا", "حسب الشهر", "كل شهر"],
            fa=["ماهانه", "هر ماه", "به تفکیک ماه"],
            ka=["თვეების მიხედვით", "ყოველთვი*"],
        )
    ),
}


def granularity(text: str) -> Granularity | None:
    """The step of a series the question asks for ("by week", "по месяцам", "روزانه"), the
    first named if several, or None."""
    reading = _read(text)
    best: tuple[int, Granularity] | None = None
    for unit, cues in _GRANULARITY.items():
        hits = cues.hits(reading)
        if hits and (best is None or hits[0].start < best[0]):
            best = (hits[0].start, unit)
    return best[1] if best else None


_TREND_CUES = Cues(
    _langs(
        en=["trend", "over time", "dynamics", "dynamic"],
        ru=["динамика", "тренд", "тенденция", "как меняться", "как менялся", "как менялось"],
        kk=["серпін*", "динамика*", "үрдіс*"],
        uk=["динаміка", "тенденція", "тренд"],
        be=["дынамік*", "тэндэнцы*", "трэнд*"],
        ar=["اتجاه", "تطور", "على مر الوقت"],
        fa=["روند", "در طول زمان"],
        ka=["ტენდენცი*", "დინამიკ*", "ტრენდ*"],
    )
)


def _trend(reading: _Reading) -> Hit | None:
    hits = _TREND_CUES.hits(reading)
    for cues in _GRANULARITY.values():
        hits += cues.hits(reading)
    return min(hits, key=lambda h: h.start) if hits else None


# --- ranking -----------------------------------------------------------------------------

_MOST = Cues(
    _langs(
        en=["most", "highest", "biggest", "largest", "greatest", "top"],
        ru=[
            "больше всего",
            "больше всех",
            "наибольший",
            "наиболее",
            "максимальный",
            "чаще всего",
            "чаще всех",
            "самый",
        ],
        kk=["ең көп", "ең жоғары", "ең үлкен", "ең жиі"],
        uk=["найбільше", "найбільший", "найбільш", "найчастіше"],
        be=["найбольш*", "найчасцей"],
        ar=["أكثر", "الأكثر", "أعلى", "الأعلى", "أكبر"],
        fa=["بیشترین", "بالاترین", "بزرگترین"],
        ka=["ყველაზე მეტ*", "ყველაზე ბევრ*", "ყველაზე ხშირ*", "ყველაზე"],
    ),
    # "most of them" is a quantity, "at most"/"at least" are bounds, "more than" compares.
    unless=["most of", "at most", "أكثر من", "top of"],
)
_LEAST = Cues(
    _langs(
        en=["least", "fewest", "lowest", "smallest", "bottom"],
        ru=[
            "меньше всего",
            "меньше всех",
            "наименьший",
            "наименее",
            "минимальный",
            "реже всего",
            "реже всех",
        ],
        kk=["ең аз", "ең төмен", "ең кіші", "ең сирек"],
        uk=["найменше", "найменший", "найменш", "найрідше"],
        be=["найменш*", "найрадзей"],
        ar=["أقل", "الأقل", "أدنى"],
        fa=["کمترین", "پایینترین"],
        ka=["ყველაზე ნაკლებ*", "ყველაზე ცოტა"],
    ),
    unless=["at least", "أقل من", "least of"],
)

# After "most", a quality makes it "the most negative tweets": an ordering of mentions, not
# a ranking of brands or topics.
_QUALITY = Cues(
    _langs(
        en=[
            "negative",
            "positive",
            "recent",
            "angry",
            "upset",
            "helpful",
            "relevant",
            "viral",
            "retweeted",
            "emotional",
            "critical",
            "harsh",
            "toxic",
            "enthusiastic",
            "useful",
            "interesting",
            "typical",
            "representative",
            "detailed",
            "funny",
            "extreme",
        ],
        ru=[
            "негативный",
            "позитивный",
            "отрицательный",
            "положительный",
            "свежий",
            "последний",
            "злой",
            "резкий",
            "полезный",
            "интересный",
            "типичный",
            "показательный",
            "эмоциональный",
        ],
        kk=["теріс", "оң", "жағымсыз", "жағымды", "соңғы"],
        uk=["негативний", "позитивний", "останній", "свіжий"],
        be=["негатыўн*", "пазітыўн*"],
        ar=["سلبي", "إيجابي", "سلبية", "إيجابية"],
        fa=["منفی", "مثبت"],
        ka=["უარყოფით*", "დადებით*"],
    )
)

_RANK_WORDS = Cues(
    _langs(
        en=["rank", "ranking", "leaderboard", "leader", "who leads", "top"],
        ru=["рейтинг", "лидер", "лидировать", "топ", "на первом месте"],
        kk=["рейтинг*", "көшбасшы*", "топ"],
        uk=["рейтинг", "лідер", "топ"],
        be=["рэйтынг*", "лідар*", "топ"],
        ar=["ترتيب", "تصنيف"],
        fa=["رتبه", "رتبهبندی", "ردهبندی"],
        ka=["რეიტინგ*", "ლიდერ*", "ტოპ*"],
    ),
    # A star rating is a rating: "средний рейтинг", "рейтинг в звездах".
    unless=[
        "средний рейтинг",
        "рейтинг ~ звезда",
        "звездный рейтинг",
        "орташа рейтинг*",
        "середній рейтинг",
        "рейтинг ~ зірка",
        "сярэдн* рэйтынг*",
        "top of",
    ],
)

# "best"/"worst" rank only with "which"/"who" or a dimension; their direction depends on
# the measure, so superlative() leaves them out.
_BEST_WORST = Cues(
    _langs(
        en=["best", "worst"],
        ru=["лучший", "худший"],
        kk=["ең жақсы", "ең нашар"],
        uk=["найкращий", "найгірший"],
        be=["найлепш*", "найгорш*"],
        ar=["أفضل", "أسوأ"],
        fa=["بهترین", "بدترین"],
        ka=["საუკეთესო", "ყველაზე ცუდ*"],
    )
)

_WHICH = Cues(
    _langs(
        en=["which", "who", "whose", "whom"],
        ru=["какой", "который", "кто"],
        kk=["қай", "қайсы", "кім", "қандай"],
        uk=["який", "котрий", "хто"],
        be=["які", "якая", "якое", "якія", "якой", "якога", "якім", "каторы*", "хто", "каго"],
        ar=["أي", "أية", "من هو", "من هي"],
        fa=["کدام", "کدوم", "چه", "کی"],
        ka=["რომელ*", "ვინ", "ვის"],
    )
)

_DIMENSIONS: dict[Dimension, Cues] = {
    "brand": Cues(
        _langs(
            en=[
                "brand",
                "company",
                "operator",
                "airline",
                "carrier",
                "bank",
                "competitor",
                "provider",
                "retailer",
                "firm",
            ],
            ru=[
                "бренд",
                "компания",
                "оператор",
                "банк",
                "авиакомпания",
                "конкурент",
                "провайдер",
                "марка",
            ],
            kk=["бренд*", "компания*", "оператор*", "банк*", "әуекомпания*", "бәсекелес*"],
            uk=["бренд", "компанія", "оператор", "банк", "авіакомпанія", "конкурент", "провайдер"],
            be=["брэнд*", "кампані*", "аператар*", "банк*", "авіякампані*", "канкурэнт*"],
            ar=["علامة تجارية", "العلامة التجارية", "شركة", "مشغل", "بنك", "مصرف", "منافس"],
            fa=["برند", "شرکت", "اپراتور", "بانک", "ایرلاین", "هواپیمایی", "رقیب"],
            ka=["ბრენდ*", "კომპანი*", "ოპერატორ*", "ბანკ*", "ავიაკომპანი*", "კონკურენტ*"],
        )
    ),
    "topic": Cues(
        _langs(
            en=["topic", "issue", "problem", "reason", "aspect", "theme", "category", "subject"],
            ru=["тема", "проблема", "причина", "аспект", "категория"],
            kk=["тақырып*", "мәселе*", "себеп*", "аспект*", "санат*"],
            uk=["тема", "проблема", "причина", "аспект", "категорія"],
            be=["тэм*", "праблем*", "прычын*", "аспект*"],
            ar=["موضوع", "مشكلة", "سبب", "جانب", "فئة"],
            fa=["موضوع", "مشکل", "دلیل", "جنبه", "دسته"],
            ka=["თემ*", "პრობლემ*", "მიზეზ*", "ასპექტ*"],
        )
    ),
    "source": Cues(
        _langs(
            en=[
                "source",
                "channel",
                "platform",
                "app store",
                "site",
                "website",
                "network",
                "social network",
            ],
            ru=["источник", "канал", "платформа", "площадка", "соцсеть", "сайт"],
            kk=["дереккөз*", "арна*", "платформа*", "сайт*"],
            uk=["джерело", "канал", "платформа", "майданчик", "сайт"],
            be=["крыніц*", "канал*", "платформ*", "сайт*"],
            ar=["مصدر", "قناة", "منصة", "موقع"],
            fa=["منبع", "کانال", "پلتفرم", "سایت"],
            ka=["წყარო*", "არხ*", "პლატფორმ*", "საიტ*"],
        )
    ),
    "location": Cues(
        _langs(
            en=[
                "city",
                "region",
                "branch",
                "store",
                "location",
                "country",
                "office",
                "shop",
                "area",
            ],
            ru=["город", "регион", "филиал", "магазин", "отделение", "область", "страна"],
            kk=["қала*", "аймақ*", "өңір*", "филиал*", "дүкен*", "облыс*", "ел"],
            uk=["місто", "регіон", "філія", "відділення", "магазин", "область", "країна"],
            be=["горад*", "гарад*", "рэгіён*", "філіял*", "аддзяленн*", "краін*"],
            ar=["مدينة", "منطقة", "فرع", "متجر", "دولة", "بلد"],
            fa=["شهر", "منطقه", "شعبه", "فروشگاه", "کشور", "استان"],
            ka=["ქალაქ*", "რეგიონ*", "ფილიალ*", "მაღაზი*", "ქვეყან*"],
        ),
        # "app store" is a source, not a shop.
        unless=["app store"],
    ),
    "language": Cues(
        _langs(
            en=["language"],
            ru=["язык"],
            kk=["тіл", "тілде", "тілдер*"],
            uk=["мова"],
            be=["мов*"],
            ar=["لغة"],
            fa=["زبان"],
            ka=["ენა", "ენებ*", "ენაზე", "ენის"],
        )
    ),
}

# "by brand", "по городам", "банктер бойынша", "حسب المدينة", "به تفکیک شهر".
_BY_BEFORE = Cues(
    _langs(
        en=["by", "per", "each", "every", "across", "for each", "broken down by"],
        ru=["для каждого", "в разрезе", "в разбивке по", "каждый"],
        kk=["әр"],
        uk=["для кожного", "у розрізі", "за"],
        be=["для кожнага"],
        ar=["حسب", "بحسب", "لكل"],
        fa=["به تفکیک", "بر اساس", "براساس", "بر حسب", "هر"],
        ka=["თითოეულ*"],
    )
)
# Russian/Ukrainian/Belarusian "по" breaks down only before a plural ("по банкам", "по
# містах"); "по банку Kaspi" is "about Kaspi bank".
_BY_PLURAL = Cues(["по", "па"])
_PLURAL_ENDINGS = ("ам", "ям", "ах", "ях", "ами", "ями", "амі", "ямі")
_BY_AFTER = Cues(_langs(kk=["бойынша"], ka=["მიხედვით"]))

# "what do people complain about most": a ranking of topics without naming the dimension.
_WHAT = Cues(
    _langs(
        en=["what"],
        ru=["что", "на что", "чем"],
        kk=["не", "неге", "несі"],
        uk=["що", "на що"],
        be=["што", "на што"],
        ar=["ماذا", "ما", "عن ماذا"],
        fa=["چه", "چی", "از چه"],
        ka=["რა", "რაზე", "რით"],
    ),
    # "чому" reads as "що" to pymorphy and "неге" strips to "не": both ask why, not what.
    unless=["why", "почему", "чому", "чаму", "неге", "неліктен", "لماذا", "چرا", "რატომ"],
)
_COMPLAINT_OR_PRAISE = Cues(
    _langs(
        en=[
            "complain",
            "complaint",
            "praise",
            "like",
            "dislike",
            "love",
            "hate",
            "annoy",
            "bother",
        ],
        ru=["жаловаться", "жалоба", "хвалить", "ругать", "нравиться", "претензия", "раздражать"],
        kk=["шағым*", "мақта*", "ұна"],
        uk=["скаржитися", "скарга", "хвалити", "подобатися"],
        be=["скардз*", "скарг*", "хвал*"],
        ar=["اشتكى", "يشتكي", "شكوى", "يمدح"],
        fa=["شکایت", "تعریف", "پسندیدن"],
        ka=["ჩივ*", "უჩივ*", "საჩივ*", "აქებ*"],
    )
)
_MAIN = Cues(
    _langs(
        en=["main", "common", "frequent", "top", "biggest", "key"],
        ru=["главный", "основной", "частый", "типичный"],
        kk=["негізгі", "басты", "жиі"],
        uk=["головний", "основний", "частий"],
        be=["галоўн*", "асноўн*"],
        ar=["أبرز", "أهم", "الشائعة", "شائع"],
        fa=["مهمترین", "اصلی", "رایج"],
        ka=["მთავარ*", "ძირითად*", "ხშირ*"],
    )
)

_NUMBER_WORDS: dict[str, int] = {
    fold(w): n
    for n, ws in {
        1: "one один бір один",
        2: "two два екі два",
        3: "three три үш три ثلاثة ثلاث سه სამი",
        4: "four четыре төрт чотири أربعة چهار ოთხი",
        5: "five пять бес п'ять пяць خمسة خمس پنج ხუთი",
        6: "six шесть алты шість",
        7: "seven семь жеті сім",
        10: "ten десять он десять дзесяць عشرة ده ათი",
        20: "twenty двадцать жиырма",
    }.items()
    for w in ws.split()
}
_TOP_BEFORE = Cues(["top", "топ", "ტოპ", "تاپ", "first", "первые", "алғашқы", "перші", "أعلى"])
_TOP_TOPN = re.compile(r"(?<!\w)(?:top|топ)(\d{1,3})(?!\w)")


def _number(word: Word) -> int | None:
    s = word.surface
    if s.isdigit() and len(s) <= 3:
        return int(s)
    for form in word.forms:
        if form in _NUMBER_WORDS:
            return _NUMBER_WORDS[form]
    return None


def _top_n(reading: _Reading) -> tuple[int, int] | None:
    """(n, word index) of "top 5", "топ-3", "5 самых", "ең көп 3", or None."""
    if m := _TOP_TOPN.search(reading.text):
        return int(m.group(1)), len(morphology.tokens(reading.text[: m.start()]))
    words = reading.words
    top_before = {h.end for h in _TOP_BEFORE.hits(reading)}
    superlatives = _MOST.hits(reading) + _LEAST.hits(reading) + _BEST_WORST.hits(reading)
    sup_starts = {h.start for h in superlatives}
    sup_ends = {h.end for h in superlatives}
    dims = {h.start for c in _DIMENSIONS.values() for h in c.hits(reading)}
    for i, word in enumerate(words):
        n = _number(word)
        if n is None or not 0 < n <= 100:
            continue
        if i in top_before or i in sup_ends or i + 1 in sup_starts:
            return n, i
        # "5 banks with the most complaints", "۵ برند برتر"
        if i + 1 in dims and any(i + 1 < s <= i + 4 for s in sup_starts):
            return n, i
        if i + 2 < len(words) and i + 1 in dims and words[i + 2].surface == fold("برتر"):
            return n, i
    return None


def top_n(text: str) -> int | None:
    """How many places the question asks for ("top 5", "топ-3", "5 самых", "ең көп 3"),
    or None."""
    found = _top_n(_read(text))
    return found[0] if found else None


_FA_MORE = Cues(["بیشتر", "کمتر"])

# What is counted when the question is about messages themselves.
_MENTIONS = Cues(
    _langs(
        en=["tweet", "review", "post", "comment", "mention", "message", "quote", "example"],
        ru=["твит", "отзыв", "пост", "комментарий", "упоминание", "сообщение", "пример"],
        kk=["пікір*", "твит*", "пост*", "жазба*"],
        uk=["відгук", "твіт", "допис", "коментар", "згадка"],
        be=["водгук*", "твіт*", "каментар*"],
        ar=["تغريدة", "مراجعة", "تعليق", "منشور"],
        fa=["نظر", "توییت", "پست", "دیدگاه"],
        ka=["კომენტარ*", "ტვიტ*", "პოსტ*"],
    )
)


def _superlative(reading: _Reading) -> tuple[Superlative, Hit] | None:
    most, least = _MOST.hits(reading), _LEAST.hits(reading)
    if not most and not least:
        # Persian asks "در کدام شهر بیشتر است" (in which city is it more) for the most.
        if _WHICH.hits(reading) and (more := _FA_MORE.hits(reading)):
            return ("most" if more[0].cue == "بیشتر" else "least"), more[0]
        return None
    if most and (not least or most[0].start <= least[0].start):
        return "most", most[0]
    return "least", least[0]


def superlative(text: str) -> Superlative | None:
    """Whether the question asks for the most or the least ("больше всего", "ең аз",
    "أقل", "کمترین"), the first named if both, or None."""
    found = _superlative(_read(text))
    return found[0] if found else None


def _dimension_hits(reading: _Reading) -> list[tuple[Hit, Dimension]]:
    out = [(h, dim) for dim, cues in _DIMENSIONS.items() for h in cues.hits(reading)]
    return sorted(out, key=lambda x: (x[0].start, -x[0].end))


def _which_dimension(reading: _Reading) -> tuple[Dimension, Hit] | None:
    """A dimension right after "which"/"какой"/"қай"/"أي"/"کدام"/"რომელ": "which airline",
    "у каких банков", "в каком городе", "қай қалада"."""
    dims = _dimension_hits(reading)
    for which in _WHICH.hits(reading):
        for hit, dim in dims:
            if which.end <= hit.start <= which.end + 2:
                return dim, hit
    return None


def _orders_mentions(reading: _Reading, at: int) -> bool:
    """Whether "top"/"top 5" at word `at` orders messages ("top 5 negative tweets", an
    examples request) rather than brands or topics."""
    near = range(at + 1, at + 5)
    return any(h.start in near for h in _MENTIONS.hits(reading)) and not any(
        h.start in near for h, _ in _dimension_hits(reading)
    )


def _rank(reading: _Reading) -> Hit | None:
    for hit in _RANK_WORDS.hits(reading):
        if not _orders_mentions(reading, hit.start):
            return hit
    if (n := _top_n(reading)) is not None and not _orders_mentions(reading, n[1]):
        return Hit("top n", n[1], n[1] + 1)
    sup = _superlative(reading)
    which = _WHICH.hits(reading)
    dims = _dimension_hits(reading)
    if sup is not None:
        hit = sup[1]
        quality = bool(
            hit.end < len(reading.words) and any(q.start == hit.end for q in _QUALITY.hits(reading))
        )
        if which or dims or not (quality or _orders_mentions(reading, hit.start)):
            return hit
    if (best := _BEST_WORST.hits(reading)) and (which or dims):
        return best[0]
    if (found := _which_dimension(reading)) is not None:
        return found[1]
    return None


def _group_by(reading: _Reading) -> Dimension | None:
    if (found := _which_dimension(reading)) is not None:
        return found[0]
    dims = _dimension_hits(reading)
    words = reading.words
    by_before = {h.end for h in _BY_BEFORE.hits(reading)}
    by_plural = {h.end for h in _BY_PLURAL.hits(reading)}
    by_after = {h.start for h in _BY_AFTER.hits(reading)}
    for hit, dim in dims:
        if hit.start in by_before or hit.end in by_after:
            return dim
        if hit.start in by_plural and words[hit.start].surface.endswith(_PLURAL_ENDINGS):
            return dim
    # "top 5 brands", "топ-3 банков", "5 самых обсуждаемых тем": the ranked thing is named.
    if (n := _top_n(reading)) is not None or (tops := _TOP_BEFORE.hits(reading)):
        after = {n[1] + 1} if n is not None else {h.end for h in tops}
        for hit, dim in dims:
            if any(a <= hit.start <= a + 2 for a in after):
                return dim
    # "what do people complain about", "main complaints": topics, even where a brand word
    # sits between ("what do Kaspi Bank customers complain about").
    complaints = _COMPLAINT_OR_PRAISE.hits(reading)
    whats, mains = _WHAT.hits(reading), _MAIN.hits(reading)
    topics = complaints + _DIMENSIONS["topic"].hits(reading)
    if any(0 < c.start - w.start <= 5 for w in whats for c in complaints) or any(
        t.start - m.end in (0, 1) for m in mains for t in topics
    ):
        return "topic"
    if dims and _rank(reading) is not None:
        return dims[0][1]
    return None


def group_by(text: str) -> Dimension | None:
    """What a ranking or breakdown is by: "which operator" / "по банкам" -> "brand", "what
    do people complain about most" / "по темам" -> "topic", "which channel" -> "source",
    "по городам" -> "location", "по языкам" -> "language"; or None."""
    return _group_by(_read(text))


RANK = _Signal(_rank)
TREND = _Signal(_trend)

# --- measures ----------------------------------------------------------------------------

SHARE = Cues(
    _langs(
        en=[
            "what share",
            "the share",
            "share of",
            "negative share",
            "positive share",
            "neutral share",
            "market share",
            "percent",
            "percentage",
            "per cent",
            "proportion",
            "what portion",
            "what fraction",
            "what part",
            "how much of",
            "ratio",
        ],
        ru=["доля", "процент", "какая часть", "какую часть", "соотношение"],
        kk=["үлес*", "пайыз*", "қанша бөлігі"],
        uk=["частка", "відсоток", "яка частина", "співвідношення"],
        be=["дол*", "працэнт*", "якая частка", "частк*"],
        ar=["نسبة", "في المئة", "بالمئة", "حصة"],
        fa=["درصد", "سهم", "نسبت", "چه بخشی"],
        ka=["წილ*", "პროცენტ*", "რა ნაწილ*"],
    ),
    patterns=[r"[%٪]"],
    # "بالنسبة ل" is "as for", not a proportion; "долго" is not "доля".
    unless=["بالنسبة", "долг*", "доллар*"],
)

RATING = Cues(
    _langs(
        en=[
            "rating",
            "average rating",
            "star rating",
            "how many stars",
            "average stars",
            "average score",
            "review score",
            "satisfaction score",
            "csat",
        ],
        ru=[
            "средняя оценка",
            "средний балл",
            "средний рейтинг",
            "оценка",
            "рейтинг ~ звезда",
            "звездный рейтинг",
            "сколько звезд",
        ],
        kk=[
            "орташа баға",
            "орташа рейтинг*",
            "орташа балл",
            "жұлдыз рейтинг*",
            "орта есеппен ~ жұлдыз*",
            "неше жұлдыз*",
            "орташа жұлдыз*",
        ],
        uk=["середня оцінка", "середній бал", "середній рейтинг", "оцінка", "рейтинг ~ зірка"],
        be=["сярэдн* ацэнк*", "ацэнк*", "рэйтынг* ~ зорк*"],
        ar=["متوسط التقييم", "تقييم", "معدل التقييم", "كم نجمة"],
        fa=["میانگین امتیاز", "امتیاز", "میانگین نمره", "چند ستاره"],
        # Georgian "შეფასება" is as often "a review" as "a score": only with "average".
        ka=["საშუალო შეფასებ*", "საშუალო რეიტინგ*", "რეიტინგ* ~ ვარსკვლავ*"],
    ),
)

NPS = Cues(
    _langs(
        en=["nps", "net promoter", "promoter score", "promoters", "detractors"],
        ru=["нпс", "индекс лояльности", "индекс потребительской лояльности"],
        uk=["індекс лояльності"],
        ar=["صافي نقاط الترويج"],
    )
)

# Arabic one-letter proclitics are stripped only before known words; the lexicon's own
# words are known whatever simplemma's dictionary holds.
morphology.register_known(
    w
    for cues in (
        WHY,
        CHANGE,
        COMPARE,
        COUNT,
        EXAMPLES,
        _NEGATIVE_CUES,
        _POSITIVE_CUES,
        SHARE,
        RATING,
        _MOST,
        _LEAST,
        *_DIMENSIONS.values(),
    )
    for w in cues.words()
)

# --- what a question says that no reading takes ---------------------------------------------

# Words every question about mentions may use without narrowing it: who writes, what they
# write, and verbs of saying. Not intents: a question made of only these and the readings'
# words is fully read.
_GENERIC = Cues(
    _langs(
        en=[
            "tweet*",
            "mention*",
            "review*",
            "post*",
            "comment*",
            "message*",
            "feedback",
            "customer*",
            "client*",
            "user*",
            "people",
            "person",
            "passenger*",
            "subscriber*",
            "traveler*",
            "traveller*",
            "say*",
            "said",
            "write*",
            "wrote",
            "get",
            "got",
            "receive*",
            "leave",
            "left",
            "talk*",
            "tell",
            "give",
            "data",
            "overall",
            "total",
            "number",
            "amount",
            "period",
            "time",
            "sentiment",
            "tone",
            "please",
            "thing*",
            "kind",
            "list",
            "there",
            "happen*",
            # Words of measuring and comparing that the readings above imply.
            "average",
            "volume",
            "break*",
            "breakdown",
            "term*",
            "star*",
            "low*",
            "high*",
            "differ*",
            "between",
            "during",
            "across",
            "split",
            "distribution",
            "level",
            "rate",
            "score*",
            "stand*",
            "side",
            "raise*",
            "conversation*",
            "opinion*",
        ],
        ru=[
            "твит",
            "твиттер",
            "упоминание",
            "отзыв",
            "пост",
            "комментарий",
            "сообщение",
            "клиент",
            "пользователь",
            "абонент",
            "человек",
            "люди",
            "пассажир",
            "писать",
            "написать",
            "говорить",
            "сказать",
            "получить",
            "оставить",
            "данные",
            "всего",
            "итого",
            "число",
            "количество",
            "период",
            "время",
            "тональность",
            "пожалуйста",
            "пользователь",
            "было",
            "быть",
            "прийти",
            "приходить",
            "сильный",
            "высокий",
            "низкий",
            "большой",
            "маленький",
            "средний",
            "разбивка",
            "отличаться",
            "различаться",
            "звезда",
            "оценка",
            "уровень",
            "между",
            "объём",
            "объем",
            "раз",
            "упоминать",
            "назвать",
            "мнение",
            "основной",
        ],
        kk=[
            "пікір*",
            "твит*",
            "жазба*",
            "хабарлама*",
            "клиент*",
            "тұтынушы*",
            "адам*",
            "жолаушы*",
            "жаз*",
            "айт*",
            "ал*",
            "қалдыр*",
            "бол*",
            "сан*",
            "дерек*",
            "түс*",
            "кел*",
            "ұшыра*",
            "атал*",
            "қой*",
            "аралығ*",
            "көбірек",
            "азырақ",
            "төмен*",
            "жоғары*",
            "көңіл*",
            "күй*",
            "орта*",
            "жұлдыз*",
            "баға*",
            "рет",
            "айлар*",
            "әуе",
            "көбінесе",
            "көп",
            "жайлы",
            "туралы",
            "пікір*",
        ],
        uk=["твіт", "згадка", "відгук", "допис", "коментар", "клієнт", "користувач", "люди"],
        be=["твіт*", "згадк*", "водгук*", "кліент*", "людз*", "карыстальнік*"],
        ar=["تغريدة", "تغريدات", "إشارة", "مراجعة", "تعليق", "منشور", "عميل", "عملاء", "الناس"],
        fa=["توییت", "نظر", "نظرات", "پست", "دیدگاه", "مشتری", "مشتریان", "کاربر", "مردم"],
        ka=["ტვიტ*", "ხსენებ*", "მიმოხილვ*", "კომენტარ*", "კლიენტ*", "მომხმარებ*", "ხალხ*"],
    )
)
# The brands' own posts and replies, and whether the question brings them in or keeps them out
# (they are out of every count by default).
_BRAND_POSTS = Cues(
    _langs(
        en=["brand repl*", "repl*", "official account*", "brand account*", "support account*"],
        ru=[
            "ответ* ~ бренд*",
            "ответ* ~ оператор*",
            "ответ* ~ банк*",
            "официальн* аккаунт*",
            "ответ* ~ поддержк*",
            "ответ*",
        ],
        kk=["жауап*", "ресми аккаунт*"],
        uk=["відповід*", "офіційн* акаунт*"],
    )
)
_INCLUDING = Cues(
    _langs(
        en=["including", "include", "with", "also"],
        ru=["включая", "вместе с", "с учетом", "учитывая", "тоже"],
        kk=["қоса", "қосқанда"],
        uk=["включно з", "разом з"],
    )
)
_EXCLUDING = Cues(
    _langs(
        en=["exclude*", "excluding", "without", "except", "only customer*", "customers only"],
        ru=["без", "кроме", "исключая", "только клиент*", "только от клиент*"],
        kk=["қоспағанда", "тек клиент*"],
        uk=["без", "крім", "тільки клієнт*"],
    )
)


def brand_posts(text: str) -> bool | None:
    """True when the question brings the brands' own posts into the counts ("including the
    brand's replies"), False when it says to keep them out, None when it does not say."""
    reading = _read(text)
    if not _BRAND_POSTS.hits(reading) and not _EXCLUDING.hits(reading):
        return None
    if _EXCLUDING.hits(reading):
        return False
    return True if _INCLUDING.hits(reading) else None


_READINGS: tuple[Cues, ...] = (
    _BRAND_POSTS,
    _INCLUDING,
    _EXCLUDING,
    WHY,
    CHANGE,
    COMPARE,
    COUNT,
    EXAMPLES,
    _NEGATIVE_CUES,
    _POSITIVE_CUES,
    _NEGATORS_BEFORE,
    _NEGATORS_AFTER,
    _TREND_CUES,
    _MOST,
    _LEAST,
    _QUALITY,
    _RANK_WORDS,
    _BEST_WORST,
    _WHICH,
    _BY_BEFORE,
    _BY_PLURAL,
    _BY_AFTER,
    _WHAT,
    _COMPLAINT_OR_PRAISE,
    _MAIN,
    _TOP_BEFORE,
    _FA_MORE,
    _MENTIONS,
    SHARE,
    RATING,
    NPS,
    _GENERIC,
    *_GRANULARITY.values(),
    *_DIMENSIONS.values(),
)


def unread(
    text: str, taken: Sequence[str] = (), common: Callable[[str], bool] | None = None
) -> list[str]:
    """Words of the question that no reading uses: not a signal, a dimension or a generic
    word of questions about mentions, not among ``taken`` (periods, names, stored values the
    planner read), not a number and not ``common`` (stop words). A question with such words
    may ask for something Hark did not read, and the answer must say so."""
    reading = _read(text)
    covered: set[int] = set()
    for cues in _READINGS:
        for hit in cues.hits(reading):
            covered.update(range(hit.start, hit.end))
    taken_forms = {f for t in taken for w in morphology.words(t) for f in w.forms}
    out = []
    for i, word in enumerate(reading.words):
        if i in covered or any(ch.isdigit() for ch in word.surface) or len(word.surface) < 3:
            continue
        if word.forms & taken_forms or (common is not None and common(word.surface)):
            continue
        out.append(word.surface)
    return out


def known_word(word: str) -> bool:
    """A word some reading of questions uses ("орташа", "шағым", "рейтинг"): no name."""
    reading = _read(word)
    if any(cues.hits(reading) for cues in _READINGS):
        return True
    # The first word of a phrase ("орташа" of "орташа баға") is a reading's word too.
    forms = {f for w in reading.words for f in w.forms}
    return any(forms & cues._phrases.keys() for cues in _READINGS)
