from pathlib import Path

import pytest

from prompts import load_prompt


def _write(d: Path, name: str, body: str) -> None:
    (d / name).write_text(body, encoding="utf-8")


def test_newest_version_is_default_and_note_is_stripped(tmp_path: Path) -> None:
    _write(tmp_path, "answer.v1.md", "<!-- why: v1 -->\nOld $question")
    _write(tmp_path, "answer.v2.md", "<!-- why: cite ids -->\nAnswer $question citing [$id]")
    prompt = load_prompt("answer", directory=tmp_path)
    assert prompt.version == 2
    assert prompt.render(question="why?", id=7) == "Answer why? citing [7]"
    assert load_prompt("answer", 1, directory=tmp_path).render(question="q") == "Old q"


def test_missing_values_and_versions_fail_loudly(tmp_path: Path) -> None:
    _write(tmp_path, "brief.v1.md", "Week of $week: $facts")
    with pytest.raises(KeyError, match="facts"):
        load_prompt("brief", directory=tmp_path).render(week="2024-W10")
    with pytest.raises(FileNotFoundError, match="no version 3"):
        load_prompt("brief", 3, directory=tmp_path)
    with pytest.raises(FileNotFoundError):
        load_prompt("nothing", directory=tmp_path)
