"""The statistics behind comparisons, drivers and spikes: exact values worked by hand, and the
binomial test (scipy's) against exact rational arithmetic on counts like the analytics see."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from analytics.stats import normal_two_sided, rate_test, robust_z, two_proportion_z


def _exact_p(k: int, n: int, p: Fraction) -> float:
    """Two-sided "minlike" binomial p-value in exact arithmetic (tie tolerance as scipy's)."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    seen = pmf[k] * (1 + Fraction(1, 10**7))
    return float(min(Fraction(1), sum(q for q in pmf if q <= seen)))


def test_binomial_small_cases_by_hand() -> None:
    # Equal lengths: Binomial(n, 1/2). 10 fair coins, 9 heads: outcomes as unlikely are 0, 1,
    # 9, 10 heads: 2 * (1 + 10) / 1024.
    assert rate_test(9, 1.0, 1, 1.0) == pytest.approx(22 / 1024, rel=1e-12)
    assert rate_test(1, 1.0, 9, 1.0) == pytest.approx(22 / 1024, rel=1e-12)
    # The most likely outcome is not evidence of anything.
    assert rate_test(5, 1.0, 5, 1.0) == 1.0
    # All 4 in one period: 0 and 4 are the extreme outcomes, 2/16.
    assert rate_test(4, 1.0, 0, 1.0) == pytest.approx(2 / 16, rel=1e-12)


def test_binomial_asymmetric_by_hand() -> None:
    # Lengths 1 and 4: Binomial(3, 0.2), pmf = 0.512, 0.384, 0.096, 0.008. Seeing 2:
    # outcomes no likelier than 0.096 are 2 and 3.
    assert rate_test(2, 1.0, 1, 4.0) == pytest.approx(0.104, rel=1e-12)
    assert rate_test(3, 1.0, 0, 4.0) == pytest.approx(0.008, rel=1e-12)
    assert rate_test(0, 1.0, 3, 4.0) == 1.0


def test_binomial_edges() -> None:
    assert rate_test(0, 3.0, 0, 7.0) == 1.0  # nothing in either period
    with pytest.raises(ValueError):
        rate_test(-1, 1.0, 5, 1.0)


def test_binomial_far_tail_stays_positive() -> None:
    # 1,000,000 mentions: z = 4 standard deviations, about 6.3e-5.
    assert rate_test(502_000, 1.0, 498_000, 1.0) == pytest.approx(normal_two_sided(4.0), rel=0.02)
    assert 0 < rate_test(900, 1.0, 100, 1.0) < 1e-100


@pytest.mark.parametrize(
    ("count", "length", "other", "other_length"),
    [
        # Shapes the analytics produce: a day against a week, a week against a week, a
        # 9-day window against the 9 days before, one driver's small counts.
        (3, 1.0, 37, 7.0),
        (30, 7.0, 10, 7.0),
        (412, 9.0, 298, 9.0),
        (0, 2.0, 25, 21.0),
        (17, 1.0, 8, 9.0),
        (50, 3.0, 70, 5.5),
        (1287, 7.0, 1190, 7.0),
        (7, 1.0, 5, 2.0),
    ],
)
def test_binomial_agrees_with_exact_arithmetic(
    count: int, length: float, other: int, other_length: float
) -> None:
    share = Fraction(length) / (Fraction(length) + Fraction(other_length))
    exact = _exact_p(count, count + other, share)
    assert rate_test(count, length, other, other_length) == pytest.approx(exact, rel=1e-9)


def test_rate_test_uses_period_lengths() -> None:
    # 20 in 14 days against 10 in 7 days is the same rate: nothing to see.
    assert rate_test(20, 14.0, 10, 7.0) == 1.0
    # 30 against 10 over equal periods is a real rise; 11 against 9 is noise.
    assert rate_test(30, 7.0, 10, 7.0) < 0.01
    assert rate_test(11, 7.0, 9, 7.0) > 0.5
    # The same counts read differently when the current period is twice as long.
    assert rate_test(30, 14.0, 10, 7.0) > 0.3
    with pytest.raises(ValueError):
        rate_test(1, 0.0, 1, 1.0)


def test_two_proportion_z_by_hand() -> None:
    # 30/100 against 15/100: pooled 0.225, se = sqrt(0.225 * 0.775 * 0.02) = 0.05905.
    result = two_proportion_z(30, 100, 15, 100)
    assert result is not None
    assert result.z == pytest.approx(0.15 / math.sqrt(0.225 * 0.775 * 0.02), rel=1e-12)
    assert result.p_value == pytest.approx(math.erfc(result.z / math.sqrt(2)), rel=1e-12)
    assert result.p_value < 0.05
    small = two_proportion_z(3, 10, 2, 10)
    assert small is not None and small.p_value > 0.5
    assert two_proportion_z(0, 0, 1, 10) is None
    same = two_proportion_z(10, 10, 5, 5)  # all negative on both sides
    assert same is not None and (same.z, same.p_value) == (0.0, 1.0)


def test_two_proportion_z_agrees_with_scipy_chi_square() -> None:
    stats = pytest.importorskip("scipy.stats")
    # The pooled z-test squared is Pearson's chi-square on the 2x2 table, uncorrected.
    result = two_proportion_z(42, 130, 25, 140)
    assert result is not None
    chi2, p, _, _ = stats.chi2_contingency([[42, 88], [25, 115]], correction=False)
    assert result.z**2 == pytest.approx(chi2, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_robust_z_by_hand() -> None:
    # Median 4, absolute deviations 1,0,1,0,2 -> MAD 1; scale = max(1.4826, sqrt(4)) = 2.
    r = robust_z(12, [3, 4, 5, 4, 6])
    assert (r.median, r.scale, r.z) == (4.0, 2.0, 4.0)
    # A wide baseline: MAD 10 -> scale 14.826 beats the Poisson floor sqrt(20).
    wide = robust_z(50, [10, 20, 30, 20, 40, 5, 25])
    assert wide.scale == pytest.approx(1.4826 * 10)


def test_robust_z_ignores_one_earlier_spike() -> None:
    calm = [5, 6, 5, 4, 5, 6, 5]
    with_spike = [*calm[:-1], 80]
    assert robust_z(30, with_spike).median == robust_z(30, calm).median == 5
    assert robust_z(30, with_spike).z > 10


def test_robust_z_floors_flat_baselines() -> None:
    # Fourteen zeros: MAD 0 and median 0; the floor of 1 keeps one mention from being z = inf.
    assert robust_z(1, [0] * 14).z == 1.0
    # A flat 9 a day: scale sqrt(9) = 3, so 18 is z = 3, not infinite.
    assert robust_z(18, [9] * 14).z == pytest.approx(3.0)
    with pytest.raises(ValueError):
        robust_z(1, [])
