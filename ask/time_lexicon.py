"""Time expressions in Hark's eight languages: word tables, the patterns built on them, and
the calendar arithmetic that turns a relative expression into dates. (ask.timewindows combines
the matches into periods.)

Patterns are matched against text folded by `hark.text.fold_keeping_offsets` and are folded
themselves, so the tables are written in ordinary spelling (ё, أ, ي, ZWNJ and Eastern Arabic
digits fold on both sides). That fold keeps the text's length, so match offsets are offsets in
the question as asked. A space in a pattern
means any run of whitespace, " ?" any or none.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from typing import Literal
from zoneinfo import available_timezones

from hark.text import fold_keeping_offsets

# ask.verifier imports the fold by this name; it is being rewritten separately and should import
# hark.text.fold_keeping_offsets itself, after which this alias can go.
fold = fold_keeping_offsets


def compile_(pattern: str, bounded: bool = True) -> re.Pattern[str]:
    # Folding lower-cases "(?P<" too; it is put back.
    p = fold_keeping_offsets(pattern).replace("(?p<", "(?P<")
    p = p.replace(" ?", r"\s*").replace(" ", r"\s+")
    return re.compile(rf"(?<!\w)(?:{p})(?!\w)" if bounded else p)


# One pattern per month (";"-separated, January first) with its inflected forms. Kazakh and
# Georgian endings are listed, not left open: "маусымдық" is "seasonal", "მარტო" "alone".
_KK_CASE = (
    r"(?:н?да|н?де|та|те|ында|інде|[нд]ың|[нд]ің|тың|тің|ға|ге|қа|ке|н?нан|н?нен|дан|ден|тан|"
    r"тен|ы|і|мен)?"
)
_KA_CASE = r"(?:ი|ში|ის|ს|ით|ზე|იდან|ამდე|დან|მდე|ისთვის|ა)?"
_R = "(?:ь|я|ю|е|ем)"  # not for May: Ukrainian "маю" is "I have"
_MONTHS = {
    "en": r"january|jan\.?;february|feb\.?;march|mar\.?;april|apr\.?;may;june|jun\.?;july|jul\.?;"
    r"august|aug\.?;september|sept?\.?;october|oct\.?;november|nov\.?;december|dec\.?",
    "ru": rf"январ{_R}|янв\.?;феврал{_R}|февр?\.?;март(?:а|е|у|ом)?;апрел{_R}|апр\.?;"
    rf"ма(?:й|я|е|ем);июн{_R};июл{_R};август(?:а|е|у|ом)?|авг\.?;сентябр{_R}|сент?\.?;"
    rf"октябр{_R}|окт\.?;ноябр{_R}|нояб?\.?;декабр{_R}|дек\.?",
    "uk": ";".join(
        f"{s}(?:ень|ня|ні|нем)" if s[-1] != "*" else s[:-1]
        for s in "січ;лют(?:ий|ого|ому|им)*;берез;квіт;трав;черв;лип;серп;верес;жовт;"
        "листопад(?:а|і|ом)?*;груд".split(";")
    ),
    "be": r"студз(?:ень|еня|ені|енем);лют(?:ы|ага|ым);сакавік(?:а|у|ом)?;красавік(?:а|у|ом)?;"
    r"ма(?:й|я|і|ем);чэрв(?:ень|еня|ені|енем);ліп(?:ень|еня|ені|енем);жні(?:вень|ўня|ўні|ўнем);"
    r"верас(?:ень|ня|ні|нем);кастрычнік(?:а|у|ом)?;лістапад(?:а|зе|ам)?;снеж(?:ань|ня|ні|нем)",
    "kk": ";".join(
        f"{m}{_KK_CASE}"
        for m in "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша "
        "желтоқсан".split()
    ),
    "ar": ";".join(
        f"[وب]?(?:{m})"
        for m in "يناير|كانون الثاني;فبراير|شباط;مارس|آذار;أبريل|إبريل|نيسان;مايو|أيار;"
        "يونيو|يونيه|حزيران;يوليو|يوليه|تموز;أغسطس|آب;سبتمبر|أيلول;أكتوبر|تشرين الأول;"
        "نوفمبر|تشرين الثاني;ديسمبر|كانون الأول".split(";")
    ),
    "fa": "ژانویه;فوریه;مارس;آوریل;مه|می;ژوئن;ژوئیه|جولای;اوت|آگوست;سپتامبر;اکتبر;نوامبر;دسامبر",
    "ka": ";".join(
        f"{m}{_KA_CASE}"
        for m in "იანვ(?:არ|რ);თებერვ(?:ალ|ლ);მარტ;აპრილ;მაის;ივნის;ივლის;აგვისტო;სექტემბ(?:ერ|რ);"
        "ოქტომბ(?:ერ|რ);ნოემბ(?:ერ|რ);დეკემბ(?:ერ|რ)".split(";")
    ),
}
MONTHS = {lang: s.split(";") for lang, s in _MONTHS.items()}
_MONTH_FULL = [
    (lang, i + 1, compile_(p, False)) for lang, ps in MONTHS.items() for i, p in enumerate(ps)
]


def month_of(word: str) -> tuple[int, str]:
    """Month number and language of a (folded) month word the MONTH pattern matched."""
    return next((m, lang) for lang, m, pattern in _MONTH_FULL if pattern.fullmatch(word))


# Month words that are also common words ("may I", "the March of", Persian "می", Kazakh
# "қазан" = cauldron, "маусым" = season, Arabic "مارس" = practised, "نيسان" = Nissan,
# Belarusian "мая" = my, "мае" = has): a month only with a day, a year, or a time preposition
# or comparison word next to them.
AMBIGUOUS = compile_(
    r"may|march|mar\.?|jan\.?|мая|мае|[وب]?(?:مارس|آب|نيسان)|مه|می|қазан|маусым", False
)

_NUMBERS = {
    1: "a an one один одну одного адзін бір",
    2: "two два две двух дві дзве екі دو ორი",
    3: "three три трех тры үш سه სამი ثلاثة",
    4: "four четыре чотири чатыры төрт چهار ოთხი",
    5: "five пять пяти п'ять пяць бес پنج ხუთი",
    6: "six шесть шість шэсць алты شش ექვსი",
    7: "seven семь семи сім сем жеті هفت შვიდი سبعة",
    10: "ten десять десяти дзесяць он ده ათი عشرة",
    14: "fourteen четырнадцать чотирнадцять چهارده თოთხმეტი",
    30: "thirty тридцать тридцяти тридцять трыццаць سی",
}
NUMBERS = {fold_keeping_offsets(w): n for n, words in _NUMBERS.items() for w in words.split()}
_NUM = r"(?P<n>\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + ")"

UNITS = {
    "day": r"days?|дн(?:ей|я|и|ів|і|яў)|день|дзень|дзён|сутки|суток|суткі|доби|добу|діб|күн\w*|"
    r"أيام|يوما?|يومين|روز|დღ\w*",
    "week": r"weeks?|недел\w*|тижн\w*|тиждень|тыдн\w*|тыдзень|апта\w*|أسابيع|أسبوعا?|أسبوعين|"
    r"هفته|კვირ\w*",
    "month": r"months?|месяц\w*|місяц\w*|ай\w{0,4}|أشهر|شهرا?|شهور|شهرين|ماه|თვ\w*",
    "year": r"years?|год\w*|лет|рок\w*|рік|гад\w*|жыл\w*|سنوات|سنة|سنين|أعوام|عاما?|سال|"
    r"წ(?:ელ|ლ)\w*",
}
_UNIT = r"(?P<u>" + "|".join(UNITS.values()) + ")"
_UNIT_FULL = [(unit, compile_(p, False)) for unit, p in UNITS.items()]
# Singular forms only, for "the past week": "последние дни" is not one day.
_UNIT1 = (
    r"(?P<u>day|день|дзень|сутки|доба|күн\w*|يوم|روز|დღე\w*|week|недел[юяие]|тиждень|тижня|"
    r"тыдзень|тыдня|апта\w*|أسبوع|هفته|კვირ\w*|month|месяц|месяца|місяць|місяця|ай\w{0,4}|شهر|"
    r"ماه|თვე\w*|year|год|года|рік|року|жыл\w*|سنة|عام|سال|წელ\w*)"
)


def amount(m: re.Match[str]) -> tuple[int, str]:
    """(N, unit) of a ROLLING or AGO match; no number means one."""
    n, word = m.groupdict().get("n"), m["u"]
    unit = next(u for u, pattern in _UNIT_FULL if pattern.fullmatch(word))
    return (1 if n is None else int(n) if n.isdigit() else NUMBERS[n]), unit


# Calendar periods, each read as (unit, offset): ("week", -1) is the previous ISO week.
_PREV = r"(?:прошл|предыдущ|минул|попередн|мінул|папярэдн)\w*"
_THIS = r"(?:эт|текущ|ць|цей|поточн|гэт)\w*"
_PREP = r"(?:(?:на|за|в|у|ў) )?"
_AR_PAST = r"(?:ال)?(?:ماضي|ماضية|سابق)"
_FA_PAST = r"(?:ی )?(?:گذشته|پیش|قبل)"
CALENDAR = {
    ("day", 0): r"today|tonight|this morning|сегодня\w*|сьогодні\w*|сёння\w*|бүгін\w*|"
    r"[وف]?اليوم|امروز|დღეს",
    ("day", -1): r"yesterday|вчера\w*|вчора\w*|учора\w*|ўчора\w*|кеше\w{0,3}|[وف]?(?:بال)?أمس|"
    r"البارحة|دیروز|გუშინ",
    ("day", -2): r"(?:the )?day before yesterday|позавчера|позавчора|пазаўчора|алдыңғы күні|"
    r"أول أمس|أمس الأول|پریروز|გუშინწინ",
    ("week", 0): rf"this week|{_PREP}{_THIS} (?:недел|тижн|тиждень|тыдн|тыдзень)\w*|"
    r"(?:осы|бұл) апта\w*|[وف]?(?:هذا الأسبوع|الأسبوع الحالي)|این هفته|ამ კვირ\w*",
    ("week", -1): rf"(?:last|previous) week|{_PREP}{_PREV} (?:недел|тижн|тиждень|тыдн|тыдзень)\w*|"
    rf"өткен апта\w*|[وفب]?(?:ال)?أسبوع {_AR_PAST}|هفته {_FA_PAST}|(?:გასულ|წინა)\w* კვირ\w*",
    ("month", 0): rf"this month|{_PREP}{_THIS} (?:месяц|місяц)\w*|(?:осы|бұл) ай\w{{0,4}}|"
    r"[وف]?(?:هذا الشهر|الشهر الحالي)|این ماه|ამ თვ\w*",
    ("month", -1): rf"(?:last|previous) month|{_PREP}{_PREV} (?:месяц|місяц)\w*|өткен ай\w{{0,4}}|"
    rf"[وفب]?(?:ال)?شهر {_AR_PAST}|ماه {_FA_PAST}|(?:გასულ|წინა)\w* თვ\w*",
    ("quarter", 0): rf"this quarter|{_PREP}{_THIS} квартал\w*",
    ("quarter", -1): rf"(?:last|previous) quarter|{_PREP}{_PREV} квартал\w*",
    ("year", 0): rf"this year|{_PREP}{_THIS} (?:год\w*|рок\w*|рік)|биыл\w*|осы жыл\w*|"
    r"[وف]?(?:هذا العام|هذه السنة|العام الحالي)|امسال|ამ წელ\w*|წელს",
    ("year", -1): rf"(?:last|previous) year|{_PREP}{_PREV} (?:год\w*|рок\w*|рік)|былтыр\w*|"
    rf"өткен жыл\w*|[وفب]?(?:ال)?(?:عام|سنة) {_AR_PAST}|پارسال|سال {_FA_PAST}|შარშან\w*|"
    r"(?:გასულ|წინა)\w* წელ\w*",
}
# "Recently" with no number: RECENT_DAYS rolling days.
RECENT = (
    r"(?<!most\s)recent(?:ly)?|lately|these days|недавн\w*|(?:в )?последнее время|нещодавн\w*|"
    r"останнім часом|нядаўн\w*|апошнім часам|жақында|соңғы кезде|مؤخرا|في الآونة الأخيرة|"
    r"اخیرا|این روزها|ბოლო დროს"
)
_LAST = r"last|past|previous|recent|последн\w*|прошедш\w*|останн\w*|апошн\w*|соңғы|ბოლო|آخر"
_IN = r"(?:(?:in|over|for|during|within) (?:the )?|the |за |у |ў |в |протягом |خلال |في )?"
# Rolling windows: N units ending at the end of the reference day.
ROLLING = [
    rf"{_IN}(?:{_LAST}) {_NUM} {_UNIT}(?: (?:ішінде|ішіндегі|ში))?",
    rf"{_IN}(?:ال ?)?{_NUM} {_UNIT} (?:ال)?(?:ماضية|أخيرة|گذشته|اخیر)",
    rf"{_IN}{_NUM} (?:{_LAST}) {_UNIT}",  # "за 2 последних месяца"
    # A bare unit means one ("the past week", "за последнюю неделю", "соңғы апта"); plain
    # "last week" is the calendar week (CALENDAR), so "last" alone is not in this list.
    r"за (?P<u>неделю|месяц|год|сутки|тиждень|місяць|рік|добу|тыдзень|суткі)",  # "за неделю"
    rf"{_IN}(?:the (?:last|past)|past|recent|последн\w*|останн\w*|апошн\w*|соңғы|ბოლო|آخر) "
    rf"{_UNIT1}",
]
AGO = [
    rf"(?:{_NUM} )?{_UNIT} (?:ago|назад|тому|таму|бұрын|წინ)",
    rf"(?:منذ|قبل) {_NUM} {_UNIT}",
    rf"{_NUM} {_UNIT} (?:پیش|قبل)",
]

# Dates. "md" has a month word, "ymd" a numeric month, "mdy" is US order unless that cannot be.
_M = "(?P<m>" + "|".join(p for ps in MONTHS.values() for p in ps) + ")"
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|-?го|-?е|-?ші|-?шы)?"
_D2 = _D.replace("<d>", "<d2>")
_YEAR_WORD = r"(?: ?(?:г\.|года?|году|годзе|року|рік|р\.|жылы|жылғы|ж\.|წელს|წელი|წლის|წელში))?"
_Y = rf"(?P<y>(?:19|20)\d{{2}}){_YEAR_WORD}"
_TO = r" ?(?:-|–|—|to|till|until|through|thru|and|по|до|и|і|та|па|да|إلى|حتى|و|تا) ?"
_OPEN = r"(?:(?:from|between|с|со|от|з|із|від|ад|من|بين|از|بین) )?"
SHAPES = [
    ("ymd", r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)"),
    ("ymd", r"(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d{2})"),
    ("mdy", r"(?P<m>[0-3]?\d)/(?P<d>[0-3]?\d)/(?P<y>(?:19|20)\d{2})"),
    ("md", rf"{_OPEN}{_D}{_TO}{_D2} (?:of )?{_M}(?:,? {_Y})?"),
    ("md", rf"{_M} (?:the )?{_D}{_TO}{_D2}(?:,? {_Y})?"),
    ("md", rf"{_D} (?:of )?{_M}(?:,? {_Y})?"),
    ("md", rf"{_M} (?:the )?{_D}(?:,? {_Y})?"),
    ("md", rf"{_Y} {_D} {_M}"),
    ("md", rf"{_M},? {_Y}|{_Y.replace('<y>', '<y2>')} {_M.replace('<m>', '<m2>')}"),
    ("md", _M),
    ("q", rf"q(?P<q>[1-4])(?: {_Y})?"),
    ("q", rf"(?P<q>[1-4])(?:st|nd|rd|th|-?й|-?ый|-?м)? (?:quarter|квартал\w*)(?: (?:of )?{_Y})?"),
    ("year", _Y),
    ("recent", RECENT),
    *(("rolling", p) for p in ROLLING),
    *(("ago", p) for p in AGO),
    *((f"cal:{unit}:{off}", p) for (unit, off), p in CALENDAR.items()),
]
PATTERNS = [(kind, compile_(p)) for kind, p in SHAPES]

# Comparisons: the baseline follows a "pre" marker, and precedes a "post" one (Kazakh and
# Georgian put it first: "өткен аптамен салыстырғанда", "გასულ კვირასთან შედარებით").
_COMPARE = (
    r"compar(?:ed|e|ing) (?:with|to)|in comparison (?:with|to)|as opposed to|relative to|versus|"
    r"vs\.?|than|against|по сравнению со?|в сравнении со?|сравнительно со?|сравни\w* со?|против|"
    r"относительно|чем|порівняно з|у порівнянні з|в порівнянні з|проти|відносно|ніж|"
    r"у параўнанні з|параўнальна з|супраць|адносна|чым|(?:بال)?مقارنة(?: مع)?|مقابل|"
    r"در مقایسه با|نسبت به|در برابر|ვიდრე"
)
COMPARE_PRE = compile_(_COMPARE)
COMPARE_POST = compile_(r"салыстырғанда|қарағанда|შედარებით")
# Between a comparison word and its baseline ("compared with the previous week").
COMPARE_GAP = compile_(
    r"(?: ?(?:the|in|on|during|for|over|в|во|на|за|у|с|со|في|در|من) ?)*| ?", False
)
# "Compare X with Y": the word between the two periods is then the comparison.
COMPARE_VERB = compile_(r"compar\w*|сравн\w*|порівня\w*|параўна\w*|салыстыр\w*|قارن|مقارنة|مقایسه")
COMPARE_JOIN = compile_(r" ?(?:with|to|and|vs\.?|с|со|и|з|і|та|و|با|,) ?", False)

# A bare year or an ambiguous month counts after these words, or before a comparison or range.
CONTEXT = compile_(
    r"(?:in|since|from|during|until|till|through|by|to|and|between|of|early|late|mid|year|в|во|"
    rf"с|со|по|до|и|за|у|з|і|та|ад|да|па|في|منذ|من|حتى|إلى|عام|سنة|شهر|در|از|تا|ماه|سال|{_COMPARE})"
    " $",
    False,
)
FOLLOW = compile_(rf" (?:{_COMPARE}|and|to|и|по|до)(?!\w)| ?[-–—]", False)
# Words that open a period running to the reference day ("since March", "с марта"). Not
# "from", "من", "از": "tweets from February" means February's tweets.
SINCE_BEFORE = compile_(
    r"(?:since|starting(?: from| with)?|начиная со?|со?|від|з|із|ад|منذ) $", False
)
SINCE_AFTER = compile_(r" (?:бастап|به بعد)", False)
# Between two time expressions of one period ("from Feb 17 to Feb 20", "Feb 22 and 23").
CONNECTOR = compile_(rf"{_TO}| ?", False)
# Kept with a time expression in `matched`, so that stripping it leaves clean text.
PREPOSITION = compile_(
    r"(?:on|in|during|for|over|at|since|from|between|в|во|на|за|с|со|от|у|ў|з|із|від|ад|протягом|"
    r"في|منذ|من|خلال|بين|در|از|طی|بین) $",
    False,
)


# What the calendar words and rolling windows mean, given the reference day.
RECENT_DAYS = 7
_MONTH_NAMES = "January February March April May June July August September October November "
_MONTH_NAMES += "December"
MONTH_NAMES = _MONTH_NAMES.split()
_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def add_months(d: date, months: int) -> date:
    """Same day `months` later (or earlier), clamped to the month's last day."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    last = (date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m + 1, min(d.day, last))


def days_label(a: date, b: date) -> str:
    """Inclusive label for [a, b)."""
    last = b - timedelta(days=1)
    return a.isoformat() if a == last else f"{a.isoformat()} – {last.isoformat()}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _calendar(unit: str, ref: date, offset: int) -> tuple[date, date]:
    if unit == "day":
        d = ref + timedelta(days=offset)
        return d, d + timedelta(days=1)
    if unit == "week":
        monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(weeks=1)
    months = _MONTHS_IN[unit]
    first = date(ref.year, 1 if unit == "year" else (ref.month - 1) // months * months + 1, 1)
    return add_months(first, offset * months), add_months(first, (offset + 1) * months)


def period_name(a: date, b: date) -> str:
    """'February 2015', 'Q1 2015', '2015' for whole calendar periods, else the days."""
    months = (b.year - a.year) * 12 + b.month - a.month
    if a.day != 1 or b.day != 1 or months not in (1, 3, 12) or (a.month - 1) % months:
        return days_label(a, b)
    if months == 1:
        return f"{MONTH_NAMES[a.month - 1]} {a.year}"
    return f"Q{(a.month + 2) // 3} {a.year}" if months == 3 else str(a.year)


def relative(kind: str, m: re.Match[str], ref: date) -> tuple[date, date, str]:
    """(start, exclusive end, label) of a "recent", "rolling", "ago" or "cal:" match."""
    end = ref + timedelta(days=1)
    if kind == "recent":
        start = end - timedelta(days=RECENT_DAYS)
        return start, end, f"recent: last {RECENT_DAYS} days ({days_label(start, end)})"
    if kind.startswith("cal:"):
        _, unit, offset = kind.split(":")
        a, b = _calendar(unit, ref, int(offset))
        name = {(0, "day"): "today", (-1, "day"): "yesterday", (-2, "day"): "day before yesterday"}
        words = name.get((int(offset), unit), f"{'this' if offset == '0' else 'last'} {unit}")
        return a, b, f"{words} ({period_name(a, b)})"
    n, unit = amount(m)
    if kind == "ago":
        days = {"day": n, "week": 7 * n}.get(unit)
        then = ref - timedelta(days=days) if days else add_months(ref, -n * _MONTHS_IN[unit])
        a, b = _calendar(unit, then, 0)
        return a, b, f"{_count(n, unit)} ago ({period_name(a, b)})"
    if unit in ("day", "week"):
        start = end - timedelta(days=n * (7 if unit == "week" else 1))
    else:
        start = add_months(end, -n * _MONTHS_IN[unit])
    return start, end, f"last {_count(n, unit)} ({days_label(start, end)})"


# Time zones a question may name ("in Almaty time", "по московскому времени", "PST"): its
# days are then cut there, whatever the workspace's zone. A few common names per language;
# any "<city> time" whose city is a tz database location is read too (`zone_of`).
_ZONE_PREP = r"(?:(?:in|by|at|on|per|according to) (?:the )?)?"
ZONE_NAMES = {
    "UTC": r"utc|gmt|по utc|по гринвичу|за гринвічем|па грынвічы|بتوقيت غرينتش|به وقت گرینویچ",
    "America/Los_Angeles": r"pacific time|pst|pdt|по тихоокеанскому времени",
    "America/New_York": r"eastern time|est|edt",
    "America/Chicago": r"central time|cst|cdt",
    "America/Denver": r"mountain time|mst|mdt",
    "Europe/Berlin": r"central european time|cet|cest",
    "Europe/London": r"uk time|british time",
    "Asia/Kolkata": r"indian? time|ist",
    "Europe/Moscow": r"moscow time|msk|мск|по московскому времени|за московським часом|"
    r"па маскоўскім часе|па маскоўскаму часу|мәскеу уақыт\w*|بتوقيت موسكو|به وقت مسکو|"
    r"მოსკოვის დროით",
    "Asia/Almaty": r"(?:almaty|astana|kazakhstan) time|по (?:алматинскому|астанинскому) времени|"
    r"по времени (?:алматы|астаны)|(?:алматы|астана) уақыт\w*",
    "Europe/Kyiv": r"(?:kyiv|kiev) time|по киевскому времени|за київським часом|за києвом",
    "Europe/Minsk": r"minsk time|по минскому времени|па мінскім часе|па мінскаму часу",
    "Asia/Tbilisi": r"tbilisi time|по тбилисскому времени|თბილისის დროით",
    "Asia/Tehran": r"(?:tehran|iran) time|irst|به وقت (?:تهران|ایران)",
    "Asia/Dubai": r"(?:dubai|gulf) time|بتوقيت (?:دبي|الإمارات)",
    "Asia/Riyadh": r"riyadh time|بتوقيت (?:الرياض|السعودية|مكة)",
}
# Abbreviations that count only in capitals ("est." is not Eastern time, "ist" not India's).
ZONE_ABBREVIATIONS = {"pst", "pdt", "est", "edt", "cst", "cdt", "mst", "mdt", "cet", "cest"}
ZONE_ABBREVIATIONS |= {"ist", "irst", "msk"}
ZONE_PATTERNS = [
    (key, compile_(rf"{_ZONE_PREP}(?:{p})(?: zone)?")) for key, p in ZONE_NAMES.items()
]
# "UTC+5", "GMT-08:00", "UTC+5:30": a fixed offset.
ZONE_OFFSET = compile_(
    rf"{_ZONE_PREP}(?:utc|gmt) ?(?P<sign>[+−-]) ?(?P<h>\d{{1,2}})(?::?(?P<min>[0-5]\d))?"
)
# "in Lisbon time", "Mexico City time": the city is looked up among tz database locations.
ZONE_CITY = compile_(rf"{_ZONE_PREP}(?P<city>[a-z][a-z'.-]+(?: [a-z][a-z'.-]+)?) time(?: zone)?")

# "each week of July", "by month", "по неделям": the question wants the period cut into
# calendar days, weeks or months (a series, or one period per unit).
Unit = Literal["day", "week", "month"]
GRANULARITY: dict[Unit, str] = {
    "day": r"(?:each|every|per|by|for each) day|daily|day by day|day-by-day|по дням|"
    r"(?:каждый|за каждый) день|ежедневно|подневно|по днях|щодня|кожного дня|па днях|штодня|"
    r"күн сайын|күндер бойынша|يوميا|كل يوم|حسب اليوم|روزانه|هر روز|დღეების მიხედვით",
    "week": r"(?:each|every|per|by|for each) week|weekly|week by week|week-by-week|по неделям|"
    r"(?:каждую|за каждую) неделю|еженедельно|понедельно|по тижнях|щотижня|кожного тижня|"
    r"па тыднях|штотыдзень|апта сайын|апталар бойынша|أسبوعيا|كل أسبوع|حسب الأسبوع|هفتگی|"
    r"هر هفته|კვირების მიხედვით",
    "month": r"(?:each|every|per|by|for each) month|monthly|month by month|month-by-month|"
    r"по месяцам|(?:каждый|за каждый) месяц|ежемесячно|помесячно|по місяцях|щомісяця|"
    r"кожного місяця|помісячно|па месяцах|штомесяц|ай сайын|айлар бойынша|شهريا|كل شهر|"
    r"حسب الشهر|ماهانه|هر ماه|თვეების მიხედვით",
}
GRANULARITY_PATTERNS = [(unit, compile_(p)) for unit, p in GRANULARITY.items()]
# Between two periods of a list rather than a range ("June and August" is two months, "from
# June to August" three); "between June and August" is a range again.
AND = compile_(r" ?(?:and|и|і|та|و|,) ?", False)
BETWEEN = compile_(r"(?:between|между|між|паміж|بين|بین) $", False)

_AREAS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
_AREAS |= {"Pacific"}
# Locations that are also words before "time" ("at Christmas time", "Easter time").
_NOT_CITIES = {"christmas", "easter", "center", "wake", "midway", "reunion", "troll", "casey"}
_NOT_CITIES |= {"davis", "palmer", "vostok"}


@cache
def _cities() -> dict[str, str]:
    """tz database locations by folded name ("mexico city": "America/Mexico_City")."""
    out: dict[str, str] = {}
    for key in sorted(available_timezones()):
        area, _, place = key.rpartition("/")
        if area.split("/")[0] in _AREAS:
            name = fold_keeping_offsets(place.replace("_", " "))
            if name not in _NOT_CITIES:
                out.setdefault(name, key)
    return out


def zone_of(city: str) -> str | None:
    """The zone key of a (folded) "<city> time" phrase, trying the whole phrase, then its last
    word ("in new york time", "lisbon time"); None when it names no tz database location."""
    found = _cities()
    return found.get(city) or found.get(city.rsplit(" ", 1)[-1])
