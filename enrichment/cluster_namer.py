"""Optional: a chat model names discovered clusters from their terms and quotes (discovery's
own term label stays when no model is configured or the reply is unusable)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from prompts import load_prompt

log = logging.getLogger("hark.llm")
MAX_NAME_CHARS = 60
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "kk": "Kazakh", "be": "Belarusian",
                  "uk": "Ukrainian", "ar": "Arabic", "fa": "Persian", "ka": "Georgian"}  # fmt: skip


class ClusterNamer:
    def __init__(self, chat: Any) -> None:
        self.chat = chat
        self.prompt = load_prompt("cluster_name", 1)

    def name(
        self, terms: Sequence[str], quotes: Sequence[str], languages: Sequence[str | None]
    ) -> str | None:
        """A short name in the quotes' main language, or None (keep the term label)."""
        common = Counter(x for x in languages if x).most_common(1)
        language = LANGUAGE_NAMES.get(common[0][0] if common else "en", "English")
        text = self.prompt.render(
            terms=", ".join(terms),
            quotes="\n".join(" ".join(q.split())[:300].replace("`", "'") for q in quotes),
            language=language,
        )
        try:
            reply = self.chat.invoke(text)
        # Naming is a nicety: any model error keeps the term label.
        except Exception as exc:
            log.warning("cluster naming failed: %s", exc)
            return None
        content = str(getattr(reply, "content", reply)).strip().splitlines()
        name = content[0].strip(" \"'«».") if content else ""
        if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > 8:
            return None
        return name
