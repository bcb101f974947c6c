"""What of the evidence a prompt can show, within a token budget counted with the real tiktoken
encoding (hark.tokens).

Facts come first and are never dropped: they carry every number the answer may use, and an
answer missing one is worse than an answer with fewer quotes. Quotes fill what is left, one per
driver in turn (round-robin over each fact's best quotes, best first) so a small budget still
illustrates every driver rather than the first one five times. Only packed quotes are citable:
the model cannot cite what it was not shown.

The lines counted here are the lines the prompt shows (``render_facts``/``render_quotes``), so
the budget holds for the text the model actually reads.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ask.facts import Evidence, Fact, Quote
from hark.tokens import count_tokens, truncate_to_tokens

log = logging.getLogger("hark.llm")

QUOTE_MAX_TOKENS = 120
FENCE = "```"
_NO_DRIVER = "\x00none"  # groups quotes that illustrate no fact; sorts after every fact


@dataclass(frozen=True)
class Packed:
    facts: list[Fact]
    quotes: list[Quote]  # texts as shown: one line each, truncated to the cap
    tokens: int
    dropped_quotes: list[int] = field(default_factory=list)

    @property
    def quote_ids(self) -> set[int]:
        return {q.id for q in self.quotes}


def fact_line(fact: Fact) -> str:
    return f"- {fact.id}: {fact.statement}"


def quote_line(quote: Quote) -> str:
    day = quote.created_at.date().isoformat() if quote.created_at else "undated"
    return f"[{quote.id}] {day} | {quote.source} | {quote.text}"


def render_facts(facts: list[Fact]) -> str:
    return "\n".join(fact_line(f) for f in facts) or "(no facts)"


def render_quotes(quotes: list[Quote]) -> str:
    """The quotes inside one fenced block; ``clean_text`` keeps any quote from closing it."""
    return "\n".join([f"{FENCE}text", *(quote_line(q) for q in quotes), FENCE])


def clean_text(text: str, max_tokens: int = QUOTE_MAX_TOKENS, encoding: str = "o200k_base") -> str:
    """One line, no backticks, at most ``max_tokens`` tokens (``…`` marks a cut).

    A quote with a newline could fake a new line of the prompt, and one with a fence could end
    the untrusted block early; both are the writer's text, so neither is kept.
    """
    flat = re.sub(r"\s+", " ", text.replace("`", "'")).strip()
    cut = truncate_to_tokens(flat, max_tokens, encoding)
    return flat if cut == flat else cut.rstrip() + "…"


def round_robin(evidence: Evidence) -> list[Quote]:
    """Quotes ordered driver by driver in turn: each fact's first quote, then each one's second."""
    order = {f.id: i for i, f in enumerate(evidence.facts)}
    groups: dict[str, list[Quote]] = {}
    for q in evidence.quotes:
        key = q.illustrates if q.illustrates in order else _NO_DRIVER
        groups.setdefault(key, []).append(q)
    ranked = sorted(groups, key=lambda k: order.get(k, len(order)))
    out: list[Quote] = []
    for depth in range(max((len(g) for g in groups.values()), default=0)):
        out.extend(groups[k][depth] for k in ranked if depth < len(groups[k]))
    return out


def pack(
    evidence: Evidence,
    budget: int,
    *,
    quote_max_tokens: int = QUOTE_MAX_TOKENS,
    encoding: str = "o200k_base",
) -> Packed:
    """All facts, then as many quotes as fit in ``budget`` tokens (the fence lines included).

    Each candidate is counted as part of the whole rendered block, not on its own, because
    tokens can merge across a line break and a sum of parts could overshoot.
    """
    facts = list(evidence.facts)
    facts_tokens = count_tokens(render_facts(facts), encoding)
    if facts_tokens > budget:
        log.warning("facts alone take %d tokens, over the %d budget", facts_tokens, budget)
    packed: list[Quote] = []
    dropped: list[int] = []
    quotes_tokens = 0
    seen: set[int] = set()
    for quote in round_robin(evidence):
        if quote.id in seen:  # one mention can illustrate two facts; show it once
            continue
        seen.add(quote.id)
        text = clean_text(quote.text, quote_max_tokens, encoding)
        shown = quote.model_copy(update={"text": text})
        size = count_tokens(render_quotes([*packed, shown]), encoding)
        if facts_tokens + size > budget:
            dropped.append(quote.id)  # keep going: a shorter quote may still fit
            continue
        packed.append(shown)
        quotes_tokens = size
    total = facts_tokens + quotes_tokens
    return Packed(facts=facts, quotes=packed, tokens=total, dropped_quotes=dropped)
