"""The one range of dates Hark stores and reasons about, and arithmetic that stays inside it.

Python's datetime ends at 9999-12-31, so a far-future date that a client may send
(``9999-12-31T23:59:59-14:00``) cannot even be converted to UTC, and "the day after" a stored
9999-12-31 overflows. Every date that comes in (pushed mentions, file rows, filters, a question's
reference day) is checked against [EARLIEST, LATEST), the range the analytics already use to mean
"all time"; date arithmetic on values derived from them goes through :func:`shift`, which clamps
instead of overflowing, so no stored value or question can make a later computation fail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
RANGE_TEXT = "from 1900-01-01 to 2199-12-31 (UTC)"


class DateOutOfRange(ValueError):
    """A date outside [EARLIEST, LATEST); a ValueError so pydantic reports it as invalid input."""


def to_utc(value: datetime, *, naive_is_utc: bool = True) -> datetime:
    """``value`` in UTC, checked to lie in the supported range.

    A naive value is taken as UTC when ``naive_is_utc`` (filters and reference days typed by a
    person), otherwise refused (a stored instant must say which one it is)."""
    if value.tzinfo is None:
        if not naive_is_utc:
            raise ValueError("the date needs a timezone (e.g. 2015-02-24T11:35:00Z)")
        value = value.replace(tzinfo=UTC)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-14:00 is a valid string whose UTC instant Python cannot hold.
        raise DateOutOfRange(f"dates must lie {RANGE_TEXT}") from None
    if not EARLIEST <= utc < LATEST:
        raise DateOutOfRange(f"dates must lie {RANGE_TEXT}; got {utc.isoformat()}")
    return utc


def clamp(value: datetime) -> datetime:
    """``value`` moved into the supported range (for values read back from older stores)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return LATEST - timedelta(seconds=1) if value.year > 2000 else EARLIEST
    return min(max(utc, EARLIEST), LATEST - timedelta(seconds=1))


def shift(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, clamped to the supported range instead of overflowing."""
    try:
        moved = value + delta
    except OverflowError:
        return EARLIEST if delta < timedelta(0) else LATEST
    return min(max(moved, EARLIEST.astimezone(moved.tzinfo)), LATEST.astimezone(moved.tzinfo))


def shift_date(value: date, delta: timedelta) -> date:
    """A calendar day moved by ``delta``, clamped like :func:`shift`."""
    try:
        moved = value + delta
    except OverflowError:
        moved = EARLIEST.date() if delta < timedelta(0) else LATEST.date()
    return min(max(moved, EARLIEST.date()), LATEST.date())


def _aware_utc(value: datetime) -> datetime:
    return to_utc(value, naive_is_utc=False)


UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]
"""A datetime in the supported range, as UTC; a naive value means UTC."""

AwareUtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
"""A datetime in the supported range that must carry its offset, as UTC."""
