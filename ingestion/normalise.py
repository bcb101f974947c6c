"""Text normalisation and the keys that identify content."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from hark.text import HANDLE, URL

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u200c\u200e\u200f\ufeff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# "RT @user:", "RT “@user:" and chains of them at the start of a repost.
_REPOST_PREFIX = re.compile(r"^(?:\s*RT\s*[\"“]?@[\w.]+:?\s*)+", re.IGNORECASE)
_WORDLESS = re.compile(r"[^\w]+")
_LETTER = re.compile(r"[^\W\d_]")


def normalise_text(raw: str) -> str:
    """HTML entities decoded, Unicode NFC, controls dropped, runs of spaces collapsed."""
    text = html.unescape(raw)
    # Sources double-escape often enough ("&amp;amp;") that a second pass pays for itself.
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def is_repost(text: str) -> bool:
    return bool(_REPOST_PREFIX.match(text))


def _body(text: str) -> str:
    body = _REPOST_PREFIX.sub("", text)
    body = URL.sub(" ", body).casefold()
    return _WORDLESS.sub(" ", body).strip()


def content_words(text: str) -> int:
    """Words that carry the text: no repost prefix, links or @handles."""
    return len(_body(HANDLE.sub(" ", _REPOST_PREFIX.sub("", text))).split())


def is_link_only(text: str) -> bool:
    """A post that is links (and maybe handles) with no words of its own."""
    if not URL.search(text):
        return False
    rest = HANDLE.sub(" ", URL.sub(" ", _REPOST_PREFIX.sub("", text)))
    return not _LETTER.search(rest)


def dedup_key(text: str) -> str:
    """Same key for copies of one text: case, URLs (shorteners differ), repost prefixes and
    punctuation do not count."""
    body = _body(text)
    if not body:
        # Only links, emoji or punctuation: too little to call two texts copies of each other
        # on, so only an identical text matches.
        body = "\x00" + text
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
