"""A brief's page and e-mail in a real browser (Debian's Chromium, headless): the DOM it
builds has the headline and the reading direction, and phone- and desktop-size screenshots
come out. Chromium's proxy points at a closed port, so a page that tried to fetch anything
could not. The screenshots stay in tests/artifacts/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from briefs.email import render_email
from briefs.html import render_html
from briefs.model import Brief

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIXTURE = Path(__file__).parents[1] / "fixtures" / "brief_airline_en.json"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
PHONE, DESKTOP = "390,2400", "1280,2400"
PNG = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 20_000  # a blank page of that size is a few KB; the brief's is far more


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return path


def run(args: list[str], page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
def brief() -> Brief:
    return Brief.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_page_renders_in_a_browser(brief: Brief, language: str, tmp_path: Path) -> None:
    # Until the Arabic phrases land the words may be English: this is about the layout.
    brief.language = language
    page = tmp_path / f"brief_{language}.html"
    page.write_text(render_html(brief), encoding="utf-8")

    dom = run(["--dump-dom"], page, tmp_path / "profile-dom").stdout
    assert brief.headline in dom
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in dom
    assert dom.count("<svg") == 4 and "<script" not in dom and "<img" not in dom

    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        shot = ARTIFACTS / f"brief_{language}_{name}.png"
        _screenshot(page, shot, size, tmp_path / f"profile-{name}")


def test_email_renders_in_a_browser(brief: Brief, tmp_path: Path) -> None:
    """The HTML part as a web-mail client would show it, right to left."""
    brief.language = "ar"
    part = render_email(brief).get_body(("html",))
    assert part is not None
    page = tmp_path / "brief_email_ar.html"
    page.write_text(part.get_content(), encoding="utf-8")
    dom = run(["--dump-dom"], page, tmp_path / "profile-dom").stdout
    assert brief.headline in dom and 'dir="rtl"' in dom
    _screenshot(page, ARTIFACTS / "brief_email_ar_phone.png", PHONE, tmp_path / "profile-shot")


def _screenshot(page: Path, shot: Path, size: str, profile: Path) -> None:
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    run([f"--window-size={size}", f"--screenshot={shot}"], page, profile)
    data = shot.read_bytes()
    assert data.startswith(PNG)
    assert len(data) > MIN_PNG_BYTES, f"{shot.name} is {len(data)} bytes: a blank page?"
