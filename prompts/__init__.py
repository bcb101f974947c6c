"""Versioned prompt files (``<name>.v<N>.md``) and a strict renderer.

A prompt opens with an HTML comment saying why it is worded as it is; that note is stripped
before rendering. Placeholders are ``$name``; a missing value is an error, never an empty gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).parent
_NOTE = re.compile(r"\A\s*<!--.*?-->\s*", re.S)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    template: str

    def render(self, **values: object) -> str:
        try:
            return Template(self.template).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise KeyError(f"prompt {self.name}.v{self.version} needs {exc}") from None


def load_prompt(name: str, version: int | None = None, directory: Path = PROMPTS_DIR) -> Prompt:
    """A prompt by name, at the given version or the newest one."""
    found = {
        int(m.group(1)): p
        for p in directory.glob(f"{name}.v*.md")
        if (m := re.fullmatch(rf"{re.escape(name)}\.v(\d+)\.md", p.name))
    }
    if not found:
        raise FileNotFoundError(f"no prompt {name!r} in {directory}")
    chosen = version if version is not None else max(found)
    if chosen not in found:
        raise FileNotFoundError(f"prompt {name!r} has no version {chosen}; has {sorted(found)}")
    text = _NOTE.sub("", found[chosen].read_text(encoding="utf-8"), count=1)
    return Prompt(name=name, version=chosen, template=text)
