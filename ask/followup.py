"""Follow-up questions: a conversation's new question read against the previous turn's plan.

"…and for Delta?", "and last month?", "show me more examples", "почему?" leave most of what
they ask unsaid. The rules planner reads the new question alone, as it reads any question;
every slot it did not read there is carried from the previous turn's plan:

- the period (window, baseline, named periods, zone) unless the question names one
  (``ask.planner.names_period``: a plan's window cannot say, why- and trend-questions get
  a default one);
- the intent and its shape (measure, group-by, order, top N, granularity) unless the
  planner read an intent other than its default, ``summarise``; a bare "why?" (the planner
  needs a why- and a change-word for ``why_change``) asks why over the same scope, against
  the baseline before;
- the brands (catalog entities, stored brand values and names read from the texts), the
  topics (with words looked up in the texts and the words an example search ranks by),
  the sentiment, sources, places, mention languages, star range and brand-authored posts,
  each group unless the question sets it;
- the answer language, unless the question is long enough to be detected on its own or is
  written in another script ("а для Delta?" stays Russian, "and for Delta?" turns English).

Which words a question "sets" comes from the planner's own lexicons and morphology
(ask/intent_lexicon.py): no word list of its own. With a model configured, the model plans
the follow-up with the previous plan as context (prompts/plan_followup.v1.md), validated
like any model plan and falling back to this reading field by field.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any

from ask import intent_lexicon as lex
from ask.morphology import script
from ask.names import is_common
from ask.plan import Intent, Plan, PlanWindow
from ask.planner import DEFAULT_CHANGE_DAYS, names_period
from ask.time_lexicon import period_name
from ask.timewindows import read_time
from ask.vocabulary import Vocabulary
from hark.dates import shift
from prompts import Prompt, load_prompt

FOLLOWUP_PROMPT = ("plan_followup", 1)
# Below this many words of its own a question is too short to detect its language ("why?",
# "а для Delta?"): the conversation's language stands unless the script changes.
MIN_WORDS_FOR_LANGUAGE = 4
_LETTERS = re.compile(r"[^\W\d_]+")
_SCRIPTS = {
    "en": "latin",
    "ru": "cyrillic",
    "kk": "cyrillic",
    "be": "cyrillic",
    "uk": "cyrillic",
    "ar": "arabic",
    "fa": "arabic",
    "ka": "georgian",
}
# The intent's shape: read together with the intent, carried together with it.
_SHAPE = ("intent", "measure", "group_by", "order", "top_n", "granularity")
_PERIOD = ("window", "baseline", "periods", "timezone")
_FILTERS = ("sources", "locations", "languages")
# "and the day before?", "а накануне?": the period just before the previous turn's, of the
# same length. Said relative to the conversation, so no time reader takes them.
_PERIOD_BEFORE = re.compile(
    r"\b(?:(?:the\s+)?(?:day|week|month|period)\s+before(?:\s+that)?|"
    r"(?:the\s+)?previous\s+(?:day|week|month|period)|a\s+(?:day|week|month)\s+earlier)\b|"
    r"накануне|(?:дн[её]м|неделей|месяцем)\s+раньше|"
    r"за\s+(?:день|неделю|месяц)\s+до\s+этого|"
    r"(?:в\s+|за\s+)?предыдущ\w*\s+(?:день|неделю|месяц|период)|"
    r"(?:днем|днём)\s+ранее|напередодні|за\s+(?:день|тиждень)\s+до\s+цього|"
    r"бір\s+күн\s+бұрын|алдыңғы\s+күн\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FollowUp:
    """What a conversation knows before its next question is read.

    ``previous``: the last turn's plan (None on a first turn). ``earlier``: the earlier
    questions, oldest first, already cut to the history budget (a model's context).
    ``shown``: quotes the conversation has shown, not chosen again for more examples.
    ``brands``/``entities``: an assistant's own scope ("hark:Delta"), applied to any
    question that names no brand.
    """

    previous: Plan | None = None
    earlier: tuple[str, ...] = ()
    shown: frozenset[int] = frozenset()
    brands: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    scope_name: str | None = None

    def resolve(self, plan: Plan, *, vocab: Vocabulary, tz: tzinfo) -> Plan:
        """The rules planner's plan of the new question, with what it leaves unsaid taken
        from the previous turn, then the assistant's scope."""
        if self.previous is not None:
            plan = carry(plan, self.previous, vocab=vocab, tz=tz)
        return self._scoped(plan)

    def refine(self, llm_planner: Any, plan: Plan, vocab: Vocabulary) -> Plan:
        """A model's reading of the resolved plan: an ``ask.planner_llm.LLMPlanner`` shown
        the previous plan and the earlier questions (plan_followup prompt) on a follow-up,
        its usual prompt otherwise. Whatever it gets wrong falls back to ``plan``."""
        if self.previous is None:
            return self._scoped(llm_planner.refine(plan, vocab))
        base = _followup_prompt()
        planner = copy.copy(llm_planner)  # a shallow copy per call: the prompt is per turn
        planner.prompt = _WithContext(
            base.name,
            base.version,
            base.template,
            context=(
                ("previous", json.dumps(draft_of(self.previous), ensure_ascii=False)),
                ("history", "\n".join(f"- {q}" for q in self.earlier) or "(none)"),
            ),
        )
        return self._scoped(planner.refine(plan, vocab))

    def exclude(self, plan: Plan) -> frozenset[int]:
        """Quotes not to choose again: those shown before, when examples follow examples
        ("show me more examples"). Examples after another kind of answer may repeat its
        quotes: a narrow scope may have no others."""
        more = self.previous is not None and self.previous.intent is Intent.EXAMPLES
        return self.shown if more and plan.intent is Intent.EXAMPLES else frozenset()

    def context(self, question: str) -> str:
        """The question as a model phrasing the answer should read it."""
        if self.previous is None:
            return question
        return f"{self.previous.question}\nFollow-up question: {question}"

    def _scoped(self, plan: Plan) -> Plan:
        if not (self.brands or self.entities) or _names_brand(plan):
            return plan
        note = f"answered for {self.scope_name or ', '.join(self.brands + self.entities)}"
        return plan.model_copy(
            update={
                "brands": list(self.brands),
                "entities": list(self.entities),
                "notes": [*plan.notes, note + " (the assistant's brand)"],
            }
        )


@dataclass(frozen=True)
class _WithContext(Prompt):
    """A prompt with some of its values bound in advance: LLMPlanner.refine renders the
    values every plan prompt has; the follow-up's context comes with the prompt."""

    context: tuple[tuple[str, str], ...] = ()

    def render(self, **values: object) -> str:
        return super().render(**values, **dict(self.context))


@cache
def _followup_prompt() -> Prompt:
    return load_prompt(*FOLLOWUP_PROMPT)


def carry(new: Plan, previous: Plan, *, vocab: Vocabulary, tz: tzinfo) -> Plan:
    """``new`` (the rules planner's reading of a follow-up alone) with every slot it did
    not set taken from ``previous``; a note says which were kept."""
    question = new.question
    update: dict[str, Any] = {}
    notes = list(new.notes)
    kept: list[str] = []
    period_named = names_period(question, new.reference, tz)
    own = own_words(new, vocab)

    # What is asked: a bare "why?" asks why over the same scope.
    why = lex.WHY.search(question) is not None and new.intent is Intent.SUMMARISE
    if new.intent is Intent.SUMMARISE:
        update |= {k: getattr(previous, k) for k in _SHAPE}
        if why:
            update["intent"] = Intent.WHY_CHANGE
        elif previous.intent is not Intent.SUMMARISE:
            kept.append("what is asked")

    if not period_named:
        # The planner's default period of a why- or trend-question gives way to the
        # conversation's; its note about the default goes with it.
        if previous.window is not None or previous.periods:
            update |= {k: getattr(previous, k) for k in _PERIOD}
            notes = [n for n in notes if not n.startswith("no period named")]
            kept.append("period")

    brand_set = _names_brand(new)
    if not brand_set:
        update["brands"] = previous.brands
        update["entities"] = previous.entities
        if _names_brand(previous):
            kept.append("brands")
    topic_set = bool(new.topics or any(n.term for n in new.names) or own)
    if not topic_set:
        update["topics"] = previous.topics
        # Examples are ranked by these words: a brand given up must not rank them.
        search_text = previous.search_text
        if brand_set:
            for name in [*previous.brands, *(n.name for n in previous.names if not n.term)]:
                search_text = re.sub(re.escape(name), " ", search_text, flags=re.IGNORECASE)
        update["search_text"] = " ".join(search_text.split())
        if previous.topics or any(n.term for n in previous.names):
            kept.append("topics")
    update["names"] = [n for n in (new if brand_set else previous).names if not n.term] + [
        n for n in (new if topic_set else previous).names if n.term
    ]
    if new.sentiment is None and previous.sentiment is not None:
        update["sentiment"] = previous.sentiment
        kept.append("sentiment")
    for name in _FILTERS:
        if not getattr(new, name) and getattr(previous, name):
            update[name] = getattr(previous, name)
            kept.append(name)
    if new.rating_min is None and new.rating_max is None and previous.rating_min is not None:
        update |= {"rating_min": previous.rating_min, "rating_max": previous.rating_max}
        kept.append("stars")
    if lex.brand_posts(question) is None:
        update["include_brand_authors"] = previous.include_brand_authors
    update |= _language(new, previous)
    if kept:
        notes.append("follow-up: kept " + ", ".join(kept) + " of the previous question")
    update["notes"] = notes

    said = _PERIOD_BEFORE.search(question)
    if said is not None and not period_named and previous.window is not None:
        # The previous turn's period, moved back by its own length (its baseline too).
        update["window"] = before(previous.window, tz)
        update["baseline"] = None if previous.baseline is None else before(update["window"], tz)
        update["periods"] = []
        words = said.group(0).casefold()
        update["unread"] = [u for u in new.unread if u.casefold() not in words]
        if "period" in kept:
            kept.remove("period")
        notes = [n for n in notes if not n.startswith("follow-up: kept")]
        if kept:
            notes.append("follow-up: kept " + ", ".join(kept) + " of the previous question")
        notes.append("follow-up: the period before the previous question's")
        update["notes"] = notes

    merged = new.model_copy(update=update)
    merged = _fit_period(merged, new, previous, period_named=period_named, tz=tz)
    # model_validate, not model_copy: a combination no single question makes must still be
    # a valid plan (a star range, a window).
    return Plan.model_validate(merged.model_dump())


def _fit_period(plan: Plan, new: Plan, previous: Plan, *, period_named: bool, tz: tzinfo) -> Plan:
    """The periods the merged intent needs, as the rules planner gives them: a why-question
    a window and a baseline, a comparison its named periods, the rest one window."""
    window, baseline, periods = plan.window, plan.baseline, list(plan.periods)
    notes = list(plan.notes)
    if plan.intent is Intent.WHY_CHANGE:
        if len(periods) >= 2:
            window, baseline = periods[-1], periods[0]
        elif window is not None and baseline is None:
            baseline = _stated_baseline(new, tz) if period_named else None
            baseline = baseline or before(window, tz)
        elif window is None:
            window, baseline = _default_change(plan.reference)
            notes.append(
                f"no period named: compared the last {DEFAULT_CHANGE_DAYS} days with the "
                f"{DEFAULT_CHANGE_DAYS} days before"
            )
        periods = []
    elif plan.intent is Intent.COMPARE:
        if len(periods) < 2:
            periods = []
    else:
        if plan.intent is Intent.TREND and window is None:
            window = new.window or previous.window
        baseline, periods = None, []
    return plan.model_copy(
        update={
            "window": window,
            "baseline": baseline,
            "periods": periods,
            "group_by": plan.group_by if plan.intent in (Intent.RANK, Intent.SHARE) else None,
            "granularity": plan.granularity if plan.intent is Intent.TREND else None,
            "notes": notes,
        }
    )


def _stated_baseline(new: Plan, tz: tzinfo) -> PlanWindow | None:
    """The baseline a why-question naming this period gets from the time reader ("and
    last month?" after a why-question: the month before)."""
    try:
        found = read_time(new.question, new.reference, compare=True, tz=tz).baseline
    except (OverflowError, ValueError):
        return None
    if found is None:
        return None
    return PlanWindow(start=found.start, end=found.end, label=found.label)


def before(window: PlanWindow, tz: tzinfo) -> PlanWindow:
    """The period of equal length just before ``window``; whole local months shift by whole
    months (what the time reader compares a named period with)."""
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    first, last = start.date(), end.date()
    whole_days = start.time() == end.time() == time(0)
    months = (last.year - first.year) * 12 + last.month - first.month
    if whole_days and first.day == 1 and last.day == 1 and months > 0:
        month = first.month - 1 - months
        a = first.replace(year=first.year + month // 12, month=month % 12 + 1)
    elif whole_days:
        a = first - (last - first)
    else:
        length = window.end - window.start
        return PlanWindow(start=window.start - length, end=window.start, label="the period before")
    return PlanWindow(
        start=datetime.combine(a, time(), tz).astimezone(UTC),
        end=window.start,
        label=f"the period before ({period_name(a, first)})",
    )


def _default_change(reference: datetime) -> tuple[PlanWindow, PlanWindow]:
    """The rules planner's default for a why-question that names no period."""
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
    return window, baseline


def _names_brand(plan: Plan) -> bool:
    return bool(plan.brands or plan.entities or any(not n.term for n in plan.names))


def own_words(plan: Plan, vocab: Vocabulary) -> list[str]:
    """Words of the question no reading of the planner takes, nor a name it read (stop
    words aside): a subject of its own ("show examples about luggage"), which replaces the
    previous turn's topics rather than narrowing them."""
    taken = [*plan.brands, *plan.sources, *plan.locations, *(n.name for n in plan.names)]
    if vocab.entities is not None:
        taken += [m.surface for m in vocab.entities.match(plan.question)]
    if vocab.topics is not None:
        taken += [t.name for t in vocab.topics.taxonomy.topics if t.id in plan.topics]
    return lex.unread(plan.search_text, taken, is_common)


def _language(new: Plan, previous: Plan) -> dict[str, Any]:
    """The conversation's language, unless the new question says otherwise: written in
    another script, or long enough to be detected on its own."""
    text = new.question
    for name in [*new.brands, *(n.name for n in new.names)]:
        text = text.replace(name, " ")
    words = _LETTERS.findall(text)
    scripts = {script(w) for w in words}
    same_script = not scripts or scripts == {_SCRIPTS.get(previous.language, "latin")}
    if len(words) < MIN_WORDS_FOR_LANGUAGE and same_script:
        return {"language": previous.language, "question_language": previous.question_language}
    return {}


def draft_of(plan: Plan) -> dict[str, Any]:
    """A plan in the fields a model plans (ask.planner_llm.PlanDraft), its periods as local
    calendar days with the end day included: the previous turn as a model is shown it."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(plan.timezone)

    def days(w: PlanWindow | None) -> tuple[str | None, str | None]:
        if w is None:
            return None, None
        last = (w.end - timedelta(microseconds=1)).astimezone(tz).date()
        return w.start.astimezone(tz).date().isoformat(), last.isoformat()

    start, end = days(plan.window)
    base_start, base_end = days(plan.baseline)
    return {
        "intent": plan.intent.value,
        "start_day": start,
        "end_day": end,
        "baseline_start_day": base_start,
        "baseline_end_day": base_end,
        "sentiment": plan.sentiment.value if plan.sentiment else None,
        "brands": plan.brands,
        "entities": plan.entities,
        "topics": plan.topics,
        "sources": plan.sources,
        "locations": plan.locations,
        "answer_language": plan.question_language or plan.language,
        "measure": plan.measure,
        "group_by": plan.group_by,
        "order": plan.order,
        "top_n": plan.top_n,
        "granularity": plan.granularity,
        "periods": [
            dict(zip(("start_day", "end_day"), days(p), strict=True)) for p in plan.periods
        ],
    }
