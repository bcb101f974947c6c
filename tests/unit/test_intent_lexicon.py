"""Question signals read through lemmas, in the eight languages the rules planner serves.

Each row is a question as a brand manager might type it, the signals that must fire, the
signals that must not, and what the structured readers (superlative, top_n, group_by,
granularity) return. Inflected forms are the point: "ругали", "жаловались", "ұнамайды",
"والشكاوى", "شکایت‌ها", "ბანკმა"."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from ask import intent_lexicon as lex
from ask import morphology

SIGNALS = (
    "WHY",
    "CHANGE",
    "COMPARE",
    "COUNT",
    "TREND",
    "EXAMPLES",
    "NEGATIVE",
    "POSITIVE",
    "RANK",
    "SHARE",
    "RATING",
    "NPS",
)


# A reader a row leaves unchecked; None in a row is a claim ("at least" is no superlative).
FREE = "free"


@dataclass(frozen=True)
class Case:
    question: str
    fires: set[str]
    silent: set[str] = field(default_factory=set)
    superlative: str | None = FREE
    top_n: int | str | None = FREE
    group_by: str | None = FREE
    granularity: str | None = FREE


CASES = [
    # --- en
    Case(
        "Which airline got the most complaints last week?",
        {"RANK", "NEGATIVE"},
        {"POSITIVE", "CHANGE"},
        superlative="most",
        group_by="brand",
    ),
    Case(
        "Who had the fewest negative mentions in March?",
        {"RANK", "NEGATIVE"},
        superlative="least",
    ),
    Case(
        "Show me the top 5 brands by complaints",
        {"RANK", "EXAMPLES", "NEGATIVE"},
        top_n=5,
        group_by="brand",
        superlative="most",
    ),
    Case(
        "What do people complain about most?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="topic",
    ),
    Case(
        "What do Kaspi Bank customers complain about most?",
        {"RANK", "NEGATIVE"},
        group_by="topic",
    ),
    Case("What share of mentions were negative?", {"SHARE", "NEGATIVE"}, {"RANK", "COUNT"}),
    Case("What percent of reviews mention refunds?", {"SHARE"}),
    Case("Show complaints by week for Delta", {"TREND", "NEGATIVE"}, granularity="week"),
    Case("Monthly trend of mentions for Kaspi", {"TREND"}, granularity="month"),
    Case(
        "What is the average rating of United in the app store?",
        {"RATING"},
        {"RANK", "NEGATIVE", "POSITIVE"},
    ),
    Case("What's our NPS this month?", {"NPS"}, {"RATING"}),
    Case("Customers are not happy with the app — why?", {"WHY", "NEGATIVE"}, {"POSITIVE"}),
    Case("Which city had the most complaints?", {"RANK"}, group_by="location"),
    Case("Which channel do complaints come from most?", {"RANK"}, group_by="source"),
    Case("Rank the operators by number of complaints", {"RANK", "COUNT"}, group_by="brand"),
    Case("Which language are the reviews written in?", set(), group_by="language"),
    # An ordering of mentions, not a ranking of brands or topics.
    Case("Show me the most negative tweets about Delta", {"EXAMPLES", "NEGATIVE"}, {"RANK"}),
    Case("Show me the top 5 negative tweets about Delta", {"EXAMPLES"}, {"RANK"}, top_n=5),
    Case("At least how many tweets mention Delta?", {"COUNT"}, {"RANK"}, superlative=None),
    Case("Show 5-1 star reviews of Delta", set(), {"RANK", "RATING"}, top_n=None),
    Case("Why is Delta worse than United?", {"WHY", "COMPARE"}, {"NEGATIVE", "POSITIVE"}),
    # Questions the planner's tests ask: read as before.
    Case("How many negative tweets about Delta were there on Feb 23?", {"COUNT", "NEGATIVE"}),
    Case(
        "Why did negative tweets about American rise on Feb 24 vs Feb 22?",
        {"WHY", "CHANGE", "COMPARE", "NEGATIVE"},
        {"RANK"},
    ),
    # --- ru
    Case(
        "Какой оператор больше всего ругали в марте?",
        {"RANK", "NEGATIVE"},
        {"CHANGE", "POSITIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case(
        "У кого больше всего жалоб среди банков?",
        {"RANK", "NEGATIVE"},
        {"CHANGE"},
        superlative="most",
        group_by="brand",
    ),
    Case(
        "Почему клиенты жаловались на приложение?",
        {"WHY", "NEGATIVE"},
        {"RANK", "POSITIVE"},
    ),
    Case(
        "На что жалуются больше всего?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="topic",
    ),
    Case("Какая доля отрицательных отзывов у Beeline?", {"SHARE", "NEGATIVE"}, {"RANK"}),
    Case("Покажи динамику упоминаний по неделям", {"TREND", "EXAMPLES"}, granularity="week"),
    Case("Клиенты недовольны доставкой?", {"NEGATIVE"}, {"POSITIVE"}),
    Case("Клиенты не довольны Kaspi", {"NEGATIVE"}, {"POSITIVE"}),
    Case("За что хвалят Kaspi?", {"POSITIVE"}, {"NEGATIVE"}),
    Case("Топ-3 банков по числу жалоб", {"RANK"}, top_n=3, group_by="brand"),
    Case("5 самых обсуждаемых тем", {"RANK"}, top_n=5, group_by="topic", superlative="most"),
    # "рейтинг" alone ranks; with stars or "средний" it is a rating.
    Case("Какой рейтинг у операторов?", {"RANK"}, {"RATING"}, group_by="brand"),
    Case("Какой средний рейтинг в звездах у Kaspi?", {"RATING"}, {"RANK"}),
    Case("Средняя оценка приложения за месяц", {"RATING"}, {"RANK"}),
    Case("Жалобы по городам за март", {"NEGATIVE"}, group_by="location"),
    Case("Отзывы по банку Kaspi за неделю", set(), {"RANK"}, group_by=None),
    Case(
        "Какие темы вызывают меньше всего жалоб?",
        {"RANK"},
        {"CHANGE"},
        superlative="least",
        group_by="topic",
    ),
    Case("Количество упоминаний по языкам", {"COUNT"}, group_by="language"),
    Case("Как менялось число жалоб ежемесячно?", {"TREND", "COUNT"}, granularity="month"),
    Case("Сколько было негативных твитов о Delta 23 февраля?", {"COUNT", "NEGATIVE"}),
    # --- kk
    Case(
        "Қай банк ең көп шағым алды?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case(
        "Қай операторлар ең аз шағым алды?",
        {"RANK"},
        superlative="least",
        group_by="brand",
    ),
    Case("Клиенттерге Kaspi қосымшасы ұнамайды", {"NEGATIVE"}, {"POSITIVE"}),
    Case("Клиенттерге Kaspi қосымшасы ұнайды", {"POSITIVE"}, {"NEGATIVE"}),
    Case("Адамдар Beeline-ды мақтайды ма?", {"POSITIVE"}, {"NEGATIVE"}),
    Case("Қызмет жақсы емес пе?", {"NEGATIVE"}, {"POSITIVE"}),
    Case("Шағымдар апта сайын қалай өзгерді?", {"TREND", "NEGATIVE"}, granularity="week"),
    Case("Теріс пікірлердің үлесі қанша?", {"SHARE", "NEGATIVE"}),
    Case("Банктер бойынша шағымдар саны", {"COUNT", "NEGATIVE"}, group_by="brand"),
    Case("Орташа баға қандай?", {"RATING"}, {"RANK"}),
    Case("Қай қалада шағымдар көп?", {"NEGATIVE"}, group_by="location"),
    Case("Ең көп 3 бренд", {"RANK"}, top_n=3, superlative="most", group_by="brand"),
    # --- uk
    Case(
        "Який оператор отримав найбільше скарг?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case("Чому клієнти скаржаться на застосунок?", {"WHY", "NEGATIVE"}, group_by=None),
    Case("Яка частка негативних відгуків?", {"SHARE", "NEGATIVE"}),
    Case("Динаміка згадок по тижнях", {"TREND"}, granularity="week"),
    Case("Які банки найменше критикують?", {"RANK"}, superlative="least", group_by="brand"),
    # --- be
    Case(
        "Якія аператары атрымалі найбольш скаргаў?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case("Чаму кліенты незадаволены?", {"WHY", "NEGATIVE"}, {"POSITIVE"}),
    Case("Якая доля станоўчых водгукаў?", {"SHARE", "POSITIVE"}, {"NEGATIVE"}),
    Case("Колькі скаргаў па тыднях?", {"COUNT", "TREND"}, granularity="week"),
    # --- ar
    Case(
        "أي شركة طيران حصلت على أكثر الشكاوى؟",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case("لماذا زادت الشكاوى السلبية هذا الأسبوع؟", {"WHY", "CHANGE", "NEGATIVE"}),
    Case("ما نسبة التعليقات الإيجابية؟", {"SHARE", "POSITIVE"}, {"NEGATIVE"}),
    Case(
        "عدد الشكاوى أسبوعيا حسب المدينة",
        {"COUNT", "TREND"},
        granularity="week",
        group_by="location",
    ),
    Case("ما هو متوسط التقييم للتطبيق؟", {"RATING"}),
    Case("العملاء غير راضين عن الخدمة", {"NEGATIVE"}, {"POSITIVE"}),
    Case("بالنسبة لشركة دلتا كم عدد التغريدات؟", {"COUNT"}, {"SHARE"}),
    Case("ما أقل شركة من حيث الشكاوى؟", {"RANK"}, superlative="least"),
    # --- fa
    Case(
        "کدام برند بیشترین شکایت را داشت؟",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case("چرا نظرات منفی افزایش یافت؟", {"WHY", "CHANGE", "NEGATIVE"}),
    Case("چند درصد نظرات مثبت است؟", {"SHARE", "POSITIVE"}, {"NEGATIVE"}),
    Case("روند هفتگی شکایت‌ها", {"TREND", "NEGATIVE"}, granularity="week"),
    Case("میانگین امتیاز اپلیکیشن چقدر است؟", {"RATING"}),
    Case("مشتریان خدمات را نمی‌پسندند", {"NEGATIVE"}, {"POSITIVE"}),
    Case(
        "نارضایتی مشتریان در کدام شهر بیشتر است؟",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="location",
    ),
    Case("کمترین شکایت مربوط به کدام اپراتور است؟", {"RANK"}, superlative="least"),
    # --- ka
    Case(
        "რომელმა ბანკმა მიიღო ყველაზე მეტი საჩივარი?",
        {"RANK", "NEGATIVE"},
        superlative="most",
        group_by="brand",
    ),
    Case("რატომ გაიზარდა უარყოფითი კომენტარები?", {"WHY", "CHANGE", "NEGATIVE"}),
    Case("რა წილი აქვს დადებით კომენტარებს?", {"SHARE", "POSITIVE"}, {"RATING"}),
    Case("საჩივრების რაოდენობა კვირების მიხედვით", {"COUNT", "TREND"}, granularity="week"),
    Case("მომხმარებლებს არ მოსწონთ აპლიკაცია", {"NEGATIVE"}, {"POSITIVE"}),
    Case("მომხმარებლებს მოსწონთ აპლიკაცია", {"POSITIVE"}, {"NEGATIVE"}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.question[:48])
def test_signals(case: Case) -> None:
    fired = {name for name in SIGNALS if getattr(lex, name).search(case.question)}
    assert case.fires <= fired, f"missing {case.fires - fired}; fired {fired}"
    assert not case.silent & fired, f"should not fire {case.silent & fired}"
    readers = {
        "superlative": (case.superlative, lex.superlative),
        "top_n": (case.top_n, lex.top_n),
        "group_by": (case.group_by, lex.group_by),
        "granularity": (case.granularity, lex.granularity),
    }
    for name, (expected, read) in readers.items():
        if expected != FREE:
            assert read(case.question) == expected, name


def test_every_language_has_rows() -> None:
    scripts = [morphology.script(c.question.replace("Kaspi", "")) for c in CASES]
    assert {"latin", "cyrillic", "arabic", "georgian"} <= set(scripts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("top 10 complaints", 10),
        ("top5 brands", 5),
        ("top three airlines", 3),
        ("топ-3 оператора", 3),
        ("5 самых частых жалоб", 5),
        ("ең көп 3 банк", 3),
        ("3 most complained about airlines", 3),
        ("1-2 star reviews", None),
        ("complaints on Feb 23", None),
    ],
)
def test_top_n(text: str, expected: int | None) -> None:
    assert lex.top_n(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("complaints per day", "day"),
        ("daily mentions", "day"),
        ("week by week", "week"),
        ("по дням", "day"),
        ("каждую неделю", "week"),
        ("понедельно", "week"),
        ("ежемесячно", "month"),
        ("ай сайын", "month"),
        ("күн сайын", "day"),
        ("аптасына", "week"),
        ("щотижня", "week"),
        ("по місяцях", "month"),
        ("حسب الأسبوع", "week"),
        ("شهريا", "month"),
        ("روزانه", "day"),
        ("ماهانه", "month"),
        ("ყოველკვირეული", "week"),
        ("complaints last week", None),
        ("за неделю", None),
    ],
)
def test_granularity(text: str, expected: str | None) -> None:
    assert lex.granularity(text) == expected


def test_lemmas_cover_inflected_forms() -> None:
    forms = morphology.lemmas("Ругали, жаловались; скарги والشكاوى شکایت‌ها ბანკმა банктер")
    assert {"ругать", "жаловаться", "скарга", "شکوی", "شکایت", "ბანკი", "банк"} <= forms
    assert morphology.tokens("Топ-3 шағым‌ها") == ["топ", "3", "шағымها"]


def test_kazakh_negation_is_marked() -> None:
    (negated,) = morphology.words("ұнамайды")
    (plain,) = morphology.words("ұнайды")
    assert negated.negated and "ұна" in negated.forms
    assert not plain.negated and "ұна" in plain.forms


def test_analysis_is_cached_and_fast() -> None:
    question = "Какой оператор больше всего ругали за последнюю неделю?"
    morphology.lemmas(question)  # analysers loaded
    morphology.analyse.cache_clear()
    start = time.perf_counter()
    morphology.lemmas(question)
    assert time.perf_counter() - start < 0.05
