"""How a workspace's refit sentiment model names itself: the shipped model's version with the
workspace head's number ("sentiment.v3+ws2"). Enrichment writes the name on each mention it
labels; the store reads it back to find which refit labelled a mention (its report holds the
audits' held-out probabilities), so the format lives below both."""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"\+ws(\d+)$")


def with_head(base_version: str, head_version: int) -> str:
    """The name of ``base_version`` with workspace head ``head_version`` over it."""
    return f"{base_version}+ws{head_version}"


def head_of(model_version: str | None) -> int | None:
    """The workspace head's number in a model version, None for a shipped model alone."""
    found = _SUFFIX.search(model_version or "")
    return None if found is None else int(found.group(1))
