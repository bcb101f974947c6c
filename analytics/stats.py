"""The few statistics the analytics need, in plain Python (no scipy: it is only a transitive
dependency here, and these tests are short enough to own and pin against it in the unit tests).

- ``binomial_two_sided``: exact two-sided binomial test, "minlike" convention (the p-value sums
  every outcome no more likely than the one seen), as in ``scipy.stats.binomtest``.
- ``rate_test``: are two Poisson counts over periods of given lengths the same rate? Given
  their sum, the first count is Binomial(n, t1 / (t1 + t0)) under equal rates: exact at any
  size, and the period lengths enter only through that proportion.
- ``two_proportion_z``: did a share (negatives among all mentions) move? Pooled z-test.
- ``robust_z``: how unusual a day is against a baseline, by median and MAD so that one earlier
  spike in the baseline does not hide the next.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05
# The MAD of a normal sample times this estimates its standard deviation.
MAD_TO_SD = 1.4826
# Probabilities within this relative distance of the observed one count as "as likely", so
# that rounding in the log-space terms does not drop the mirror outcome (scipy uses the same).
_RELATIVE_TIE = 1e-7
# Tail sums stop once a term adds less than this fraction: tails fall off geometrically.
_TAIL_EPS = 1e-17


def normal_two_sided(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def _log_pmf(i: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
    )


def _tail(start: int, stop: int, step: int, n: int, p: float, log_scale: float) -> float:
    """Sum of pmf(i) * exp(-log_scale) from ``start`` moving away from the mode by ``step``
    until ``stop`` (inclusive) or until terms stop mattering."""
    total = 0.0
    for i in range(start, stop + step, step):
        term = math.exp(_log_pmf(i, n, p) - log_scale)
        total += term
        if term < total * _TAIL_EPS:
            break
    return total


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Exact two-sided p-value of ``k`` successes in ``n`` trials with success probability
    ``p``. Cost grows with the width of the tails actually summed, not with ``n``."""
    if n < 0 or not 0 <= k <= n or not 0.0 <= p <= 1.0:
        raise ValueError(f"binomial test needs 0 <= k <= n and 0 <= p <= 1 (k={k}, n={n}, p={p})")
    if n == 0:
        return 1.0
    if p in (0.0, 1.0):
        return 1.0 if k == n * p else 0.0
    mode = min(math.floor((n + 1) * p), n)
    if k == mode:
        return 1.0
    log_k = _log_pmf(k, n, p)
    limit = log_k + math.log1p(_RELATIVE_TIE)
    # pmf rises up to the mode and falls after it: find where the other side drops to pmf(k).
    if k < mode:
        lo, hi = mode, n + 1  # smallest j in [mode, n] with log_pmf(j) <= limit, else n + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if _log_pmf(mid, n, p) <= limit:
                hi = mid
            else:
                lo = mid + 1
        near = _tail(k, 0, -1, n, p, log_k)
        far = _tail(lo, n, 1, n, p, log_k) if lo <= n else 0.0
    else:
        lo, hi = -1, mode  # largest j in [0, mode] with log_pmf(j) <= limit, else -1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _log_pmf(mid, n, p) <= limit:
                lo = mid
            else:
                hi = mid - 1
        near = _tail(k, n, 1, n, p, log_k)
        far = _tail(lo, 0, -1, n, p, log_k) if lo >= 0 else 0.0
    return min(1.0, math.exp(log_k) * (near + far))


def rate_test(count: int, length: float, other_count: int, other_length: float) -> float:
    """Two-sided p-value for "both counts come from the same rate per unit of length"
    (conditional binomial test; exact, sound for small counts)."""
    if length <= 0 or other_length <= 0:
        raise ValueError("period lengths must be positive")
    return binomial_two_sided(count, count + other_count, length / (length + other_length))


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
