"""Optional: a chat model relabels the sentiment of mentions the shipped classifier is unsure
about (its top probability below a setting). Used only when a model is configured and
HARK_LLM_SENTIMENT is on; any model failure keeps the classifier's labels."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from prompts import load_prompt

log = logging.getLogger("hark.llm")
BATCH = 20
TEXT_CHARS = 400


class _Label(BaseModel):
    n: int
    sentiment: Literal["negative", "neutral", "positive"]


class _Labels(BaseModel):
    labels: list[_Label]


def _one_line(text: str) -> str:
    """Flattened, capped, and unable to close the fenced block it sits in."""
    return " ".join(text.split())[:TEXT_CHARS].replace("`", "'")


class LLMSentimentLabeller:
    def __init__(self, chat: Any) -> None:
        self.prompt = load_prompt("sentiment", 1)
        self.structured = chat.with_structured_output(_Labels)

    def label(self, texts: Sequence[str]) -> list[str | None]:
        """One label per text, None where the model gave none (or failed)."""
        out: list[str | None] = [None] * len(texts)
        for start in range(0, len(texts), BATCH):
            chunk = texts[start : start + BATCH]
            lines = "\n".join(f"{n}. {_one_line(t)}" for n, t in enumerate(chunk, start=1))
            try:
                result = self.structured.invoke(self.prompt.render(mentions=lines))
                if isinstance(result, dict):
                    result = _Labels.model_validate(result)
            # A model error must not stop indexing: the classifier's labels stand.
            except Exception as exc:
                log.warning("sentiment labeller failed, classifier labels kept: %s", exc)
                continue
            for item in result.labels:
                if 1 <= item.n <= len(chunk):
                    out[start + item.n - 1] = item.sentiment
        return out
