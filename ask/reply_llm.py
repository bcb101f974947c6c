"""Drafting a reply with a chat model, then checking the draft before anyone sees it.

The model is given the workspace's guidance, what code knows about the mention (sentiment,
topics, rating) and the mention's text as untrusted data (prompts/reply_draft.v1.md). Its
draft is checked by ``check_draft``; on problems it gets one retry that names them; if that
fails too, or the model cannot be reached, the caller's template draft is used instead.

The checks (plain code, no model):
- the answer verifier's safety checks (ask/verifier.py): no markup, links, contacts, hidden or
  direction-changing characters; a link or contact is allowed only where the guidance (tone
  or signature) gives that very text, never because the customer wrote it;
- the verifier's language check, in the mention's language;
- numbers: every number must occur in the mention's text or in the guidance, and a long digit
  run from the mention (6+ digits: a booking, order, card or phone number) is personal data;
- personal data: the author's name or handle, and @handles the guidance does not give;
- promises: refund, compensation and guarantee wording (the ``[reply.promise]`` tables of the
  phrase files, every language's) unless the guidance uses that kind of wording itself;
- a length limit.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from babel import Locale
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from ask.checked_model import CheckedModel, without_thinking
from ask.composer_llm import LANGUAGE_NAMES
from ask.packing import FENCE, clean_text
from ask.phrasing import PHRASES, phrases
from ask.untrusted import strip_invisible
from ask.verifier import (
    Problem,
    _language_problems,
    _safety_problems,
    _word_numbers,
)
from enrichment.language import LanguageDetector
from hark.settings import Settings
from prompts import Prompt, load_prompt

log = logging.getLogger("hark.llm")

REPLY_PROMPT = ("reply_draft", 1)
MAX_DRAFT_CHARS = 600  # without the signature: a reply, not a letter
MENTION_MAX_TOKENS = 600
PERSONAL_DIGITS = 6  # a digit run this long from the mention is an account detail
_USER = "\n=== user ===\n"
_RETRY = "\n=== retry ===\n"
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,:/-]\d+)*")
_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_ZERO_WORDS = {"no", "not", "none", "ни", "нет"}


@dataclass
class LLMDraft:
    text: str
    attempts: int
    problems: list[Problem]
    prompt_name: str
    prompt_version: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fell_back: bool = True


@dataclass(frozen=True)
class DraftRequest:
    """Everything a model draft is written from and checked against."""

    language: str  # the language the draft must be in
    mention_text: str
    source: str
    sentiment: str
    topics: list[tuple[str, str | None]] = field(default_factory=list)  # (name, clause sentiment)
    rating: str | None = None  # "2 of 1-5", as shown to the model
    author: str | None = None
    tone: str | None = None
    signature: str | None = None


def language_name(code: str) -> str:
    """The language in English words ("Russian"), which models follow better than a code."""
    known = LANGUAGE_NAMES.get(code.lower())
    if known:
        return known
    try:
        return str(Locale.parse(code).get_display_name("en") or code)
    except (ValueError, LookupError):
        return code


class ReplyDrafter(CheckedModel):
    def __init__(
        self,
        chat: BaseChatModel,
        settings: Settings,
        *,
        detector: LanguageDetector | None = None,
    ) -> None:
        super().__init__(chat, settings, detector=detector)
        self.prompt = load_prompt(*REPLY_PROMPT)

    def draft(self, request: DraftRequest, *, template_draft: str) -> LLMDraft:
        """The model's draft if it passes the checks (at most two tries), else
        ``template_draft`` with what was wrong."""
        system, user, retry = _parts(self.prompt)
        names = {
            "language": request.language,
            "language_name": language_name(request.language),
            "max_chars": MAX_DRAFT_CHARS,
        }
        guidance = request.tone or "(none: use the rules above)"
        messages: list[BaseMessage] = [
            SystemMessage(
                system.render(guidance=guidance, signature=request.signature or "(none)", **names)
            ),
            HumanMessage(
                user.render(
                    source=clean_text(request.source, 20),
                    sentiment=request.sentiment,
                    topics=_topics_line(request.topics),
                    rating=request.rating or "(none)",
                    mention=_fenced(request.mention_text),
                    **names,
                )
            ),
        ]
        result = LLMDraft(
            text=template_draft,
            attempts=0,
            problems=[],
            prompt_name=self.prompt.name,
            prompt_version=f"v{self.prompt.version}",
            model=self.model,
        )
        for attempt in (1, 2):
            if attempt == 2:
                problems = "\n".join(f"- {p.kind}: {p.detail}" for p in result.problems)
                messages.append(HumanMessage(retry.render(problems=problems, **names)))
            result.attempts = attempt
            reply = self.generate(messages, self.prompt, result, attempt=attempt)
            if reply is None:
                return result  # a model error: fall back with what was recorded
            text = _unsigned(without_thinking(reply.text), request.signature)
            result.problems = check_draft(
                text, request, detector=self._detector_for(request.language)
            )
            if not result.problems:
                result.text, result.fell_back = text, False
                return result
            messages.append(AIMessage(text))
        log.warning(
            "reply draft failed the checks twice; using the template draft: %s",
            "; ".join(p.detail for p in result.problems),
        )
        return result

    def _detector_for(self, language: str) -> LanguageDetector | None:
        candidates = [code.lower() for code in self.settings.languages]
        if len(candidates) > 1 and language.lower() in candidates:
            return self.detector
        return None


def check_draft(
    text: str, request: DraftRequest, *, detector: LanguageDetector | None = None
) -> list[Problem]:
    """Everything wrong with a draft (without its signature); empty: it may be shown."""
    if not text.strip():
        return [Problem("empty", "the draft is empty")]
    guidance = [g for g in (request.tone, request.signature) if g]
    problems: list[Problem] = []
    if len(text) > MAX_DRAFT_CHARS:
        problems.append(
            Problem("too_long", f"the draft has {len(text)} characters; at most {MAX_DRAFT_CHARS}")
        )
    # Links and contacts only as the guidance gives them: the customer's own are personal data.
    problems += _safety_problems(text, guidance, [])
    # The rating is the customer's too: "your 2-star review" may repeat it.
    mention = f"{request.mention_text} {request.rating or ''}"
    problems += _number_problems(text, mention, guidance)
    problems += _personal_problems(text, request, guidance)
    problems += _promise_problems(text, guidance)
    if detector is not None:
        problems += _language_problems(text, request.language, detector)
    return problems


# --- numbers and personal data ----------------------------------------------------------------


def _number_problems(text: str, mention: str, guidance: list[str]) -> list[Problem]:
    mention_digits = _digit_runs(mention)
    guidance_digits = {d for g in guidance for d in _digit_runs(g)}
    allowed_words = {v for src in (mention, *guidance) for v in _word_values(src)}
    allowed_words |= {float(d) for d in mention_digits | guidance_digits if len(d) < 16}
    problems: list[Problem] = []
    seen: set[str] = set()
    for m in _NUMBER.finditer(strip_invisible(text)):
        token = m[0]
        if token in seen:
            continue
        seen.add(token)
        runs = re.findall(r"\d+", token)
        if all(r in guidance_digits for r in runs):
            continue
        if any(len(r) >= PERSONAL_DIGITS and r in mention_digits for r in runs):
            problems.append(
                Problem(
                    "personal_data",
                    f"{token} repeats a number from the customer's text (an account, booking, "
                    "order or phone number); never repeat personal data",
                )
            )
        elif not all(r in mention_digits | guidance_digits for r in runs):
            problems.append(
                Problem(
                    "unsupported_number",
                    f"{token} is in neither the customer's text nor the guidance; write no "
                    "numbers of your own (no dates, times, amounts or counts)",
                )
            )
    for start, end, value, words in _word_numbers(strip_invisible(text)):
        if value == 0 and words[0] in _ZERO_WORDS:
            continue  # "no problem", "ни одной" are not figures a reply could invent
        if any(abs(a - value) < 1e-9 for a in allowed_words):
            continue
        phrase = " ".join(text[start:end].split())
        if phrase.lower() in seen:
            continue
        seen.add(phrase.lower())
        problems.append(
            Problem(
                "unsupported_number",
                f"{phrase} ({value:g}) is in neither the customer's text nor the guidance",
            )
        )
    return problems


def _digit_runs(text: str) -> set[str]:
    return set(re.findall(r"\d+", strip_invisible(text)))


def _word_values(text: str) -> set[float]:
    return {value for _, _, value, _ in _word_numbers(strip_invisible(text))}


def _personal_problems(text: str, request: DraftRequest, guidance: list[str]) -> list[Problem]:
    given = " ".join(guidance).lower()
    seen = strip_invisible(text)
    problems = [
        Problem("personal_data", f"{h} is a handle; address no one by handle or name")
        for h in dict.fromkeys(_HANDLE.findall(seen))
        if h.lower() not in given
    ]
    author = (request.author or "").strip().lstrip("@")
    if len(author) >= 3 and author.lower() not in given:
        if re.search(rf"(?<!\w){re.escape(author)}(?!\w)", seen, re.IGNORECASE):
            problems.append(
                Problem("personal_data", "the draft names the author; never repeat their name")
            )
    return problems


# --- promises ---------------------------------------------------------------------------------


@cache
def promise_terms() -> dict[str, tuple[str, ...]]:
    """Every language's refund, compensation and guarantee wording, folded, by kind."""
    terms: dict[str, set[str]] = {}
    for path in sorted(PHRASES.glob("*.toml")):
        table = phrases(path.stem).get("reply", {}).get("promise", {})
        for kind, listed in table.items():
            terms.setdefault(kind, set()).update(
                fold(t) for t in str(listed).split("|") if t.strip()
            )
    return {kind: tuple(sorted(found)) for kind, found in terms.items()}


def promises_in(text: str) -> dict[str, str]:
    """The kinds of promise ``text`` words (kind -> the wording found)."""
    folded = fold(text)
    found: dict[str, str] = {}
    for kind, terms in promise_terms().items():
        hit = next((t for t in terms if t in folded), None)
        if hit is not None:
            found[kind] = hit
    return found


def _promise_problems(text: str, guidance: list[str]) -> list[Problem]:
    allowed = set(promises_in(" ".join(guidance)))
    return [
        Problem(
            "promise",
            f"'{wording}' offers {kind}, which the brand's guidance does not allow; promise no "
            "refunds, compensation, guarantees, dates or fixes",
        )
        for kind, wording in promises_in(text).items()
        if kind not in allowed
    ]


_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_FOLD = str.maketrans(
    {
        "ё": "е",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ى": "ی",
        "ي": "ی",
        "ك": "ک",
        "\u200c": " ",  # Persian ZWNJ reads as the space the word lists use
    }
)


def fold(text: str) -> str:
    """Text as the promise lists are written: NFC, lower case, one space between words, "ё" as
    "е", Arabic without vowel marks and with one alef, yeh and kaf, ZWNJ as a space."""
    flat = unicodedata.normalize("NFC", strip_invisible(text.replace("\u200c", " ")))
    flat = _ARABIC_MARKS.sub("", flat.lower()).translate(_FOLD)
    return " ".join(flat.split())


# --- the prompt -------------------------------------------------------------------------------


def _parts(prompt: Prompt) -> tuple[Prompt, Prompt, Prompt]:
    """The system, user and retry parts of the prompt, split before rendering so that nothing
    a mention says can move a split."""
    system, sep, rest = prompt.template.partition(_USER)
    user, sep2, retry = rest.partition(_RETRY)
    if not sep or not sep2:
        raise ValueError(f"prompt {prompt.name}.v{prompt.version} lacks its user or retry part")
    return tuple(  # type: ignore[return-value]
        Prompt(prompt.name, prompt.version, part.strip() + "\n") for part in (system, user, retry)
    )


def _fenced(text: str) -> str:
    """The mention in one fenced block, one line, no backticks (it cannot close the fence)."""
    return "\n".join([f"{FENCE}text", clean_text(text, MENTION_MAX_TOKENS), FENCE])


def _topics_line(topics: list[tuple[str, str | None]]) -> str:
    if not topics:
        return "(none found)"
    return "; ".join(
        f"{clean_text(name, 20)} ({sentiment or 'unclear'})" for name, sentiment in topics
    )


def _unsigned(text: str, signature: str | None) -> str:
    """The draft without a signature the model added anyway (code adds it)."""
    if signature:
        lines = text.rstrip().splitlines()
        if lines and lines[-1].strip(" -—–").strip() == signature.strip():
            text = "\n".join(lines[:-1]).rstrip()
    return text
