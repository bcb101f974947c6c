"""The workspace settings service: what a workspace overrides of the service's settings.

First of them the time zone. Counting "22 February" needs to know whose 22 February: the
airline's tweets are stamped in UTC but read by a team in Los Angeles, where a tweet posted
at 05:00 UTC on the 22nd was written on the 21st. The workspace's zone (else HARK_TIMEZONE)
is where the planner cuts the days, weeks and months of a question and where series and
spikes begin their buckets.

Then how its reply drafts (services/replies.py) sound: ``reply_tone``, free-text guidance
("formal, use 'вы', no emoji; we may offer a voucher for delays"), which the model is given
and which decides what a draft may promise, and ``reply_signature``, the line every draft is
signed with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from hark.errors import ErrorCode, HarkError
from hark.settings import Settings, canonical_timezone
from hark.storable import check_text
from store import workspace_settings as store
from store.db import utcnow

MAX_REPLY_TONE_CHARS = 1000
MAX_REPLY_SIGNATURE_CHARS = 200
UNSET: Any = object()  # "leave it as it is", as against None, "back to no value"


@dataclass(frozen=True)
class TimezoneSetting:
    """The zone in force for a workspace and where it comes from."""

    timezone: str  # IANA key
    source: Literal["workspace", "setting"]  # its own override, or HARK_TIMEZONE


@dataclass(frozen=True)
class ReplyStyle:
    """How a workspace's reply drafts are worded and signed; None where it set nothing."""

    tone: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class WorkspaceSettings:
    """Every setting in force for a workspace."""

    timezone: TimezoneSetting
    reply: ReplyStyle


def zone_named(name: str) -> ZoneInfo:
    """The zone an IANA name spells (case aside); a validation error (HTTP 422) otherwise."""
    try:
        return ZoneInfo(canonical_timezone(name))
    except ValueError as exc:
        raise HarkError(ErrorCode.VALIDATION, str(exc), {"timezone": name[:64]}) from None


def reply_tone_text(text: str | None) -> str | None:
    """Tone guidance as stored: trimmed, None when blank; a validation error (HTTP 422) when it
    is longer than MAX_REPLY_TONE_CHARS or holds characters that hide or reorder text."""
    return _guidance(text, "reply_tone", MAX_REPLY_TONE_CHARS, one_line=False)


def reply_signature_text(text: str | None) -> str | None:
    """A signature as stored: one line, trimmed, None when blank, at most
    MAX_REPLY_SIGNATURE_CHARS, plain text (it ends every draft as written)."""
    signature = _guidance(text, "reply_signature", MAX_REPLY_SIGNATURE_CHARS, one_line=True)
    if signature is not None:
        from ask.verifier import _safety_problems

        # Its own links and contacts are the brand's to give; markup and broken quote marks
        # would make every draft unsafe to show.
        bad = [
            p.detail
            for p in _safety_problems(signature, [signature], [])
            if p.kind not in ("link", "contact")
        ]
        if bad:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"reply_signature must be plain text: {'; '.join(bad)}",
                {"reply_signature": signature[:80]},
            )
    return signature


def _guidance(text: str | None, name: str, limit: int, *, one_line: bool) -> str | None:
    from ask.untrusted import INVISIBLE

    if text is None:
        return None
    try:
        check_text(text)
    except ValueError as exc:
        raise HarkError(ErrorCode.VALIDATION, f"{name}: {exc}") from None
    text = text.strip()
    if not text:
        return None
    if len(text) > limit:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"{name} is {len(text)} characters long; at most {limit} are allowed",
            {name: len(text)},
        )
    hidden = sorted({f"U+{ord(c):04X}" for c in INVISIBLE.findall(text)})
    if hidden:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"{name} holds invisible or direction-changing characters: {', '.join(hidden)}",
            {name: hidden},
        )
    text = text.replace("\r\n", "\n")
    allowed = "" if one_line else "\n\t"
    if any((ord(c) < 32 and c not in allowed) or c in "\r\x7f\u2028\u2029" for c in text):
        what = "one line of plain text" if one_line else "plain text"
        raise HarkError(
            ErrorCode.VALIDATION,
            f"{name} must be {what} (no control characters)",
            {name: text[:80]},
        )
    return text


class WorkspaceSettingsService:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]) -> None:
        self._settings = settings
        self._engine = engine

    def timezone_setting(self, workspace: str) -> TimezoneSetting:
        """The workspace's zone key and whether it set it itself."""
        with self._engine().connect() as conn:
            own = store.get_timezone(conn, workspace=workspace)
        return self._zone(own)

    def _zone(self, own: str | None) -> TimezoneSetting:
        if own is not None:
            return TimezoneSetting(own, "workspace")
        return TimezoneSetting(self._settings.timezone, "setting")

    def all(self, workspace: str) -> WorkspaceSettings:
        """Every setting in force for the workspace, read at once."""
        with self._engine().connect() as conn:
            row = store.get_row(conn, workspace=workspace)
        return WorkspaceSettings(
            timezone=self._zone(row.timezone),
            reply=ReplyStyle(tone=row.reply_tone, signature=row.reply_signature),
        )

    def reply_style(self, workspace: str) -> ReplyStyle:
        """How the workspace's reply drafts are worded and signed."""
        return self.all(workspace).reply

    def update(
        self,
        workspace: str,
        *,
        timezone: str | None = UNSET,
        reply_tone: str | None = UNSET,
        reply_signature: str | None = UNSET,
    ) -> WorkspaceSettings:
        """Set the values given (None: back to the service's setting, or to none), leave the
        others; all are checked before any is stored, so a bad one changes nothing."""
        values: dict[str, str | None] = {}
        if timezone is not UNSET:
            values["timezone"] = None if timezone is None else zone_named(timezone).key
        if reply_tone is not UNSET:
            values["reply_tone"] = reply_tone_text(reply_tone)
        if reply_signature is not UNSET:
            values["reply_signature"] = reply_signature_text(reply_signature)
        if values:
            with self._engine().begin() as conn:
                store.set_values(conn, workspace=workspace, values=values, now=utcnow())
        return self.all(workspace)

    def timezone(self, workspace: str) -> ZoneInfo:
        """The zone the workspace's days begin in: its own, else HARK_TIMEZONE."""
        return ZoneInfo(self.timezone_setting(workspace).timezone)

    def set_timezone(self, workspace: str, name: str | None) -> TimezoneSetting:
        """Set the workspace's zone (an IANA name, case aside); None goes back to
        HARK_TIMEZONE. A name the tz database does not know is a validation error."""
        key = None if name is None else zone_named(name).key
        with self._engine().begin() as conn:
            store.set_timezone(conn, workspace=workspace, timezone=key, now=utcnow())
        return self.timezone_setting(workspace)
