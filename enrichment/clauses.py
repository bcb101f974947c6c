"""Split a mention into the sentences and clauses that can carry their own opinion, so that
"the staff were lovely but delivery took two weeks" counts for staff (positive) and delivery
(negative) separately."""

from __future__ import annotations

import re

# Sentence ends in the scripts our users write (Latin, Cyrillic, Arabic, Persian, Georgian)
# and line breaks, which reviews use as sentence ends.
_SENTENCE_END = re.compile(r"(?<=[.!?…؟۔])\s+|\n+")
# Contrast words that turn a sentence's opinion around. Splitting only on these (not on
# every "and") keeps "fast and friendly" together.
_CONTRAST = re.compile(
    r"[,;:\s]\s*(?=\b(?:but|however|although|though|whereas|yet|"
    r"но|однако|зато|хотя|а вот|але|аднак|бірақ|алайда|дегенмен|"
    r"لكن|ولكن|لكنه|بينما|اما|ولی|ولي|لیکن|მაგრამ|თუმცა)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
MIN_WORDS = 2


def split_clauses(text: str, *, max_clauses: int = 8) -> list[str]:
    """Sentences, each cut again before a contrast word; fragments under MIN_WORDS words join
    their neighbour. One element means the mention speaks with one voice."""
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for piece in _CONTRAST.split(sentence):
            piece = piece.strip(" ,;:-–—")
            if piece:
                parts.append(piece)
    merged: list[str] = []
    for piece in parts:
        if merged and (
            len(_WORD.findall(piece)) < MIN_WORDS or len(_WORD.findall(merged[-1])) < MIN_WORDS
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    if len(merged) > max_clauses:
        # Long reviews: keep the clause count bounded (each clause is one embedding) by
        # joining neighbours evenly.
        size = -(-len(merged) // max_clauses)
        merged = [" ".join(merged[i : i + size]) for i in range(0, len(merged), size)]
    return merged


def has_contrast(text: str) -> bool:
    """The text turns its opinion around somewhere ("…, but …")."""
    return bool(_CONTRAST.search(text))


_LEADING_CONTRAST = re.compile(
    r"^\W*(?:but|however|although|though|whereas|yet|но|однако|зато|хотя|а вот|але|аднак|"
    r"бірақ|алайда|дегенмен|لكن|ولكن|لكنه|بينما|اما|ولی|ولي|لیکن|მაგრამ|თუმცა)\b",
    re.IGNORECASE,
)


def starts_with_contrast(clause: str) -> bool:
    """The clause opens with a contrast word ("but delivery took three weeks"): it says the
    opposite of what came before."""
    return bool(_LEADING_CONTRAST.match(clause))


def topic_parts(text: str, title: str | None, *, max_clauses: int = 8) -> list[str]:
    """The parts a mention's topics are read from: its title and every sentence and
    contrasting clause; one part (the text) when it speaks with one voice. Enrichment scores
    them, and a topics refit hands the same parts of corrected mentions to calibration."""
    parts = ([title] if title else []) + split_clauses(text, max_clauses=max_clauses)
    return parts if len(parts) > 1 else [text]
