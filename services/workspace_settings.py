"""The workspace settings service: what a workspace overrides of the service's settings.

First of them the time zone. Counting "22 February" needs to know whose 22 February: the
airline's tweets are stamped in UTC but read by a team in Los Angeles, where a tweet posted
at 05:00 UTC on the 22nd was written on the 21st. The workspace's zone (else HARK_TIMEZONE)
is where the planner cuts the days, weeks and months of a question and where series and
spikes begin their buckets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from hark.errors import ErrorCode, HarkError
from hark.settings import Settings, canonical_timezone
from store import workspace_settings as store
from store.db import utcnow


@dataclass(frozen=True)
class TimezoneSetting:
    """The zone in force for a workspace and where it comes from."""

    timezone: str  # IANA key
    source: Literal["workspace", "setting"]  # its own override, or HARK_TIMEZONE


def zone_named(name: str) -> ZoneInfo:
    """The zone an IANA name spells (case aside); a validation error (HTTP 422) otherwise."""
    try:
        return ZoneInfo(canonical_timezone(name))
    except ValueError as exc:
        raise HarkError(ErrorCode.VALIDATION, str(exc), {"timezone": name[:64]}) from None


class WorkspaceSettingsService:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]) -> None:
        self._settings = settings
        self._engine = engine

    def timezone_setting(self, workspace: str) -> TimezoneSetting:
        """The workspace's zone key and whether it set it itself."""
        with self._engine().connect() as conn:
            own = store.get_timezone(conn, workspace=workspace)
        if own is not None:
            return TimezoneSetting(own, "workspace")
        return TimezoneSetting(self._settings.timezone, "setting")

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
