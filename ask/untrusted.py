"""Making outside text safe to put into an answer.

A mention's text, and every name that comes from the data (brands, topics, locations,
sources), is written by whoever posted it. An answer is read in chat clients, web pages and
terminals that may render markdown or HTML, so text from the data must not be able to close
the quote it sits in, form a tag or a link, or hide or reorder what follows it. ``inert`` is
the one function every composer passes such text through; ``safe_url`` is the one gate for
links handed back to callers.

Look-alikes are used rather than escapes (``&lt;``): an answer is plain text shown as is by the
CLI and many clients, where escapes would show up literally, and a look-alike stays inert
however many times a client decodes or renders it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Characters that change how text is shown without being seen: bidi embeddings, overrides and
# isolates (they can flip a quote's closing mark and the citation after it), zero-width spaces
# and joiners used to split a word past a filter. ZWNJ/ZWJ (U+200C/U+200D) are kept: Persian
# spelling and emoji sequences need them, and neither can reorder or hide text.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0]"
)
# Controls (C0, C1, DEL) and the Unicode line/paragraph separators: flattened to spaces so a
# quote stays on its line and cannot fake a new line of the answer.
_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]")
# The quote marks the composers wrap quotes in, markup, link syntax and code fences, each
# mapped to a look-alike that no renderer treats as syntax.
_LOOKALIKES = str.maketrans(
    {
        "«": "‹",
        "»": "›",
        "<": "\uff1c",  # fullwidth <
        ">": "\uff1e",  # fullwidth >
        "&": "\uff06",  # fullwidth &: "&lt;" must not decode into a tag one render later
        "[": "\uff3b",  # fullwidth [: no markdown link, image or fake [id] citation
        "]": "\uff3d",
        "`": "'",  # no code span or fence
    }
)
# Schemes that run code or carry a document when a client autolinks them: the colon becomes
# a look-alike (U+2236 RATIO), so the text still reads the same.
_ACTIVE_SCHEME = re.compile(r"(?i)\b((?:java|vb|live)script\s*|data\s*(?=:\s*[\w.+-]+/)):")
HTTP_SCHEMES = frozenset({"http", "https"})
_URL_FORBIDDEN = re.compile(r"[\s\"<>`\\\u0000-\u001f\u007f-\u009f]")


def strip_invisible(text: str) -> str:
    """``text`` without the characters that reorder or hide text (see ``INVISIBLE``)."""
    return INVISIBLE.sub("", text)


def inert(text: str, max_chars: int | None = None) -> str:
    """Outside text made safe to show inside an answer: one line, nothing hidden, no quote
    mark of ours, no markup, link or code syntax; at most ``max_chars`` (``…`` marks a cut).

    Idempotent: what it returns passes through it unchanged.
    """
    flat = unicodedata.normalize("NFC", strip_invisible(text))
    flat = " ".join(_CONTROL.sub(" ", flat).split())
    flat = _ACTIVE_SCHEME.sub("\\1\u2236", flat.translate(_LOOKALIKES))
    if max_chars is not None and len(flat) > max_chars:
        flat = flat[: max_chars - 1].rstrip() + "…"
    return flat


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host and nothing that could break out
    of an attribute or hide a character; None otherwise (``javascript:``, ``data:``,
    relative paths, scheme-less hosts)."""
    if url is None:
        return None
    url = url.strip()
    if not url or _URL_FORBIDDEN.search(url) or INVISIBLE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 literal
        return None
    if parts.scheme.lower() not in HTTP_SCHEMES or not host:
        return None
    return url
