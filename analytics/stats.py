"""The few statistics the analytics need.

- ``rate_test``: are two Poisson counts over periods of given lengths the same rate? Given
  their sum, the first count is Binomial(n, t1 / (t1 + t0)) under equal rates: exact at any
  size, and the period lengths enter only through that proportion. The binomial test is
  ``scipy.stats.binomtest`` (two-sided, "minlike": the p-value sums every outcome no more
  likely than the one seen).
- ``two_proportion_z``: did a share (negatives among all mentions) move? Pooled z-test.
- ``robust_z``: how unusual a day is against a baseline, by median and MAD so that one earlier
  spike in the baseline does not hide the next.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import binomtest

ALPHA = 0.05
# The MAD of a normal sample times this estimates its standard deviation.
MAD_TO_SD = 1.4826


def normal_two_sided(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def rate_test(count: int, length: float, other_count: int, other_length: float) -> float:
    """Two-sided p-value for "both counts come from the same rate per unit of length"
    (conditional binomial test; exact, sound for small counts)."""
    if length <= 0 or other_length <= 0:
        raise ValueError("period lengths must be positive")
    if count < 0 or other_count < 0:
        raise ValueError(f"counts must not be negative ({count}, {other_count})")
    if count + other_count == 0:
        return 1.0  # nothing seen in either period: no evidence of anything (scipy needs n > 0)
    share = length / (length + other_length)
    return float(binomtest(count, count + other_count, share).pvalue)


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float


def two_proportion_z(
    successes: int, trials: int, other_successes: int, other_trials: int
) -> ZTest | None:
    """Pooled two-proportion z-test of successes/trials against the other pair; None when a
    side has no trials (no share to compare)."""
    if trials <= 0 or other_trials <= 0:
        return None
    pooled = (successes + other_successes) / (trials + other_trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials + 1 / other_trials))
    if se == 0:  # all or none are successes on both sides: nothing moved
        return ZTest(0.0, 1.0)
    z = (successes / trials - other_successes / other_trials) / se
    return ZTest(z, normal_two_sided(z))


@dataclass(frozen=True)
class RobustZ:
    median: float
    scale: float
    z: float


def robust_z(value: float, baseline: Sequence[float]) -> RobustZ:
    """(value - median) / scale, where scale is the MAD as a standard deviation, floored at
    the Poisson spread sqrt(median) (and at 1): counts of a flat baseline have MAD 0, and a
    baseline of zeros would otherwise make any single mention infinitely surprising."""
    if not baseline:
        raise ValueError("robust z needs a baseline")
    median = statistics.median(baseline)
    mad = statistics.median(abs(b - median) for b in baseline)
    scale = max(MAD_TO_SD * mad, math.sqrt(max(median, 1.0)))
    return RobustZ(float(median), scale, (value - median) / scale)
