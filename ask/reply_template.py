"""The offline reply draft: a public answer to one mention, from the ``[reply]`` table of the
phrase files (ask/phrases/<language>.toml).

It is written from what code knows about the mention, not from its words: the sentiment picks
the register (sorry for a complaint, thanks for praise, helpful for a question), the topics
found in it are named (the taxonomy's names, passed through ``inert``: they come from the
workspace), and the customer is asked to a private channel for anything about their account.
It makes no promise, writes no number and repeats nothing the customer wrote, so it is safe to
post as it stands and is what the model's draft falls back to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ask.phrasing import has_phrases, phrases
from ask.untrusted import inert

MAX_TOPICS = 3  # named in one sentence; more reads as a list, not a reply
TOPIC_NAME_CHARS = 60
Register = Literal["apologetic", "neutral", "grateful"]
REGISTERS: dict[str, Register] = {
    "negative": "apologetic",
    "neutral": "neutral",
    "positive": "grateful",
}


@dataclass(frozen=True)
class TopicMention:
    """A taxonomy topic found in the mention, with the sentiment of the clause it was read
    from (None where the clause had none of its own)."""

    id: str
    name: str
    sentiment: str | None = None
    similarity: float = 0.0


@dataclass(frozen=True)
class ReplyContext:
    """What a draft is written from."""

    language: str  # the draft's language (a phrase file's, else English)
    sentiment: str  # negative | neutral | positive
    topics: Sequence[TopicMention] = field(default_factory=tuple)
    signature: str | None = None


def phrase_language(language: str | None) -> str:
    """The language a template draft is written in: the mention's where a phrase file has it,
    else English."""
    code = (language or "").lower()
    return code if code and has_phrases(code) else "en"


def register(sentiment: str) -> Register:
    """The reply's register for a mention's sentiment."""
    return REGISTERS.get(sentiment, "neutral")


def split_topics(
    sentiment: str, topics: Sequence[TopicMention]
) -> tuple[list[TopicMention], list[TopicMention]]:
    """(what went wrong, what was praised): a clause's own sentiment decides; a topic without
    one counts as the mention's overall sentiment says."""
    ordered = sorted(topics, key=lambda t: -t.similarity)
    problems = [
        t
        for t in ordered
        if t.sentiment == "negative" or (t.sentiment is None and sentiment == "negative")
    ]
    praised = [
        t
        for t in ordered
        if t.sentiment == "positive" or (t.sentiment is None and sentiment == "positive")
    ]
    return problems, praised


def template_reply(ctx: ReplyContext) -> str:
    """The draft: an opening fitted to the sentiment and the topics, the other side of a mixed
    mention, an invitation to a private channel (or thanks), the signature on its own line."""
    p = phrases(phrase_language(ctx.language))["reply"]
    problems, praised = split_topics(ctx.sentiment, ctx.topics)

    def named(topics: Sequence[TopicMention]) -> str:
        return topic_list(topics, ctx.language)

    sentences: list[str] = []
    if ctx.sentiment == "negative":
        sentences.append(_with_topics(p, "negative", named(problems)))
        if praised:
            sentences.append(p["praise_also"].format(topics=named(praised)))
        sentences.append(p["invite_negative"])
    elif ctx.sentiment == "positive":
        sentences.append(_with_topics(p, "positive", named(praised)))
        if problems:
            sentences.append(p["sorry_also"].format(topics=named(problems)))
            sentences.append(p["invite_neutral"])
        else:
            sentences.append(p["closing_positive"])
    else:
        everything = sorted(ctx.topics, key=lambda t: -t.similarity)
        sentences.append(_with_topics(p, "neutral", named(everything)))
        sentences.append(p["invite_negative"] if problems else p["invite_neutral"])
    draft = " ".join(sentences)
    return sign(draft, ctx.signature)


def sign(draft: str, signature: str | None) -> str:
    """``draft`` with the workspace's signature on a line of its own."""
    return f"{draft}\n{signature}" if signature else draft


def _with_topics(p: dict[str, str], key: str, topics: str) -> str:
    return p[f"{key}_topics"].format(topics=topics) if topics else p[key]


def topic_list(topics: Sequence[TopicMention], language: str) -> str:
    """Up to MAX_TOPICS names, each made inert and written as inside a sentence, joined with
    the language's "and"."""
    names = list(dict.fromkeys(inline_name(t.name) for t in topics if t.name.strip()))
    names = [n for n in names if n][:MAX_TOPICS]
    if not names:
        return ""
    joiner = phrases(phrase_language(language))["reply"]["and"]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + joiner + names[-1]


def inline_name(name: str) -> str:
    """A topic name as it reads inside a sentence: label-style capitals dropped ("Late Flight"
    -> "late flight", "Доставка" -> "доставка"); acronyms and words with inner capitals
    ("UAL", "iPhone app", "Wi-Fi") are kept as written."""
    return " ".join(_inline_word(w) for w in inert(name, TOPIC_NAME_CHARS).split(" "))


def _inline_word(word: str) -> str:
    title = word.isalpha() and word[:1].isupper() and (len(word) == 1 or word[1:].islower())
    return word.lower() if title else word
