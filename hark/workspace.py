"""What a workspace name may be: it names a tenant in SQL, a Chroma collection and CLI options,
so it is checked whole (with ``re.match`` and ``$``, "beta\\n" would pass)."""

from __future__ import annotations

import re

WORKSPACE_PATTERN = r"[a-z0-9][a-z0-9_-]{0,62}"


def is_workspace_name(value: str) -> bool:
    return re.fullmatch(WORKSPACE_PATTERN, value) is not None
