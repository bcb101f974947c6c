"""The README documents every setting, and starts with the two commands."""

from pathlib import Path

from hark.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        f"HARK_{name.upper()}"
        for name in Settings.model_fields
        if f"`HARK_{name.upper()}`" not in README
    ]
    assert missing == []


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
