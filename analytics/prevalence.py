"""How many mentions of a sentiment there really are, allowing for the classifier's errors.

Counting mentions by their top label ("classify and count") is biased whenever the classifier's
errors are: a model that reads a third of the complaints as neutral under-counts negatives by
a third, in every answer, however many mentions there are. This module turns the sums of one
query (store/prevalence.py) into an estimate of the true count with an interval, beside the
exact label count the answers already give. Pure arithmetic: no SQL, no HTTP.

**Who is exact.** A mention whose sentiment comes from its own rating (``origin = "rating"``)
or from a user's correction (``"correction"``) carries its true label; those count as they are
(``ClassSums.exact``). Every other labelled mention is *model-labelled* and contributes its
calibrated class probability p (a mention labelled before probabilities were stored counts as
p = 1 for its label: its expected count is its label count, but it still carries the model's
error below).

**Why probabilistic classify-and-count (PCC).** The label count adds 1 for the top class and
0 for the others, so every borderline mention (p = 0.45 negative, 0.55 neutral) is counted
wholly on one side, and those roundings do not cancel when a class is rarer than its
neighbours. The sum of calibrated probabilities S = Σ p is the expected true count when the
model is calibrated, whatever the class mix: estimate N̂ = E + S (E the exact ones).

**The interval** (``level`` = 0.9, normal, z = 1.645) adds independent variances:

1. *Poisson-binomial*: given calibrated p, each model-labelled mention is truly of the class
   with probability p, independently, so the true count of them varies around S with variance
   V = Σ p (1 - p). (Zero for one-hot p: the legacy labels.)
2. *Calibration bias*, without workspace data: the model's p are calibrated on its training
   sets, not on this workspace. ``SentimentModel.prevalence_error(language)`` gives, per class,
   the relative standard deviation r of Σ p against the truth on data sets the model never
   saw (leave one data set out); the bias of the model-labelled part then has sd r·S. Parts in
   different languages add their sds (their biases are taken as fully correlated, which is the
   cautious choice). That error is relative to the true count, so above the estimate the
   interval also allows it on the log scale, S·exp(z·σ), σ = √log(1 + (B/S)²) (a model that
   finds half the class is off by its whole estimate); below it keeps ±z·B. Without that method,
   ``DEFAULT_REL_SD`` (0.2: the shipped model's macro-F1 is about 0.6, and its leave-one-out
   prevalence errors run from a few to about 30 %) stands in.
3. *Audited ratio*, with workspace data: once the workspace has at least ``MIN_AUDITS`` random
   audits (mentions the labeling queue picked at random, ``origin = "random"``, whose model p
   and corrected label are both stored) in the languages of the scope, the bias is measured
   instead of assumed. The ratio R̂ = Σ y / Σ p over the audits (y = 1 when the corrected label
   is the class) corrects the model part: N̂ = E + R̂·S (a ratio estimator; an adjusted
   classify-and-count by the calibration the audits observe). Its own sampling variance, by
   the delta method, is Var(R̂) = n/(n-1) · Σ (y - R̂ p)² / (Σ p)², so the model part carries
   S²·Var(R̂), and the Poisson-binomial term becomes Σ R̂p (1 - R̂p) (computed from S and V:
   Σ p² = S - V). A scope may be read better or worse than the workspace's average, so the
   ratio's bias also carries sd ``TRANSFER_SHARE``·|C - 1| (a large correction varies more
   between brands and days than a small one), where C = Σ y / Σ p is measured on the
   probabilities users were shown: after a refit, whose audits carry the held-out
   probabilities of heads fit without them, R̂ is near 1 because the head has learnt the
   workspace's average, but a scope strays from that average as much as before. As without
   audits, the room above the estimate also takes the log-scale reading of that error
   (relative to R̂·S). Uncertain or manual corrections are never used here: they were not
   picked at random, so they measure the errors of hard cases, not the model's error rate.

Bounds are clamped to what is possible: no fewer than the exact ones, no more than the exact
ones plus every model-labelled mention.

**Changes.** A change between two periods lies *inside the labels' error* when the 90 %
interval of the estimated change N̂₁ - N̂₀ (or of per-day rates or shares, each scaled) holds
zero, or the estimate moves the other way than the labels. Most of a classifier's bias is the
same in two periods of one workspace and cancels in a change; what is left is its
period-specific part. The biases of two estimates are taken to correlate ``PERIOD_CORRELATION``
(0.8: a fifth of the bias variance is allowed to move with the content mix; 1 would let every
bias cancel); with an audited ratio, the same R̂ corrects both, so its error is shared whole
(correlation 1). The label-error variance of the change is then
s₁²V₁ + s₀²V₀ + s₁²B₁² + s₀²B₀² - 2ρ s₁s₀B₁B₀ (B the bias sds, s the scales).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Literal

CLASSES = ("negative", "neutral", "positive")
LEVEL = 0.9
# Relative sd of the model-labelled part's count when the model cannot say its own
# (enrichment.sentiment.SentimentModel.prevalence_error missing, or no entry for a language).
DEFAULT_REL_SD = 0.2
# Random audits needed before the workspace's own error replaces the general one...
MIN_AUDITS = 30
# ...and the least Σ p of the class among them (a ratio over almost nothing is no ratio).
MIN_AUDIT_MASS = 3.0
# The share of an audited correction (R̂ - 1) that may differ between the scopes of one
# workspace, as a standard deviation. Without it the interval held only the ratio's sampling
# error, and per airline-day counts were covered 55 % of the time (evals.label_error).
TRANSFER_SHARE = 0.5
# How much of the general model's bias two periods of one workspace share (module docstring).
PERIOD_CORRELATION = 0.8
EXACT_ORIGINS = ("rating", "correction")

Method = Literal["exact", "pcc", "audited"]
# language (None: unknown) -> class -> relative sd of Σ p against the truth.
GeneralError = Callable[[str | None], Mapping[str, float]]


def z_value(level: float = LEVEL) -> float:
    """The two-sided normal quantile of ``level`` (1.645 for 0.9)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class ClassSums:
    """One class's sums over the mentions of a scope (often of one language)."""

    labelled: int = 0  # top label is this class, any origin: the exact label count
    exact: int = 0  # of them, labelled by a rating or a correction
    p_sum: float = 0.0  # Σ p of the class over model-labelled mentions (any top label)
    p_var: float = 0.0  # Σ p (1 - p) over the same

    def __add__(self, other: ClassSums) -> ClassSums:
        return ClassSums(
            self.labelled + other.labelled,
            self.exact + other.exact,
            self.p_sum + other.p_sum,
            self.p_var + other.p_var,
        )

    @classmethod
    def of(cls, row: object) -> ClassSums:
        """From anything with the four fields (store.prevalence.ClassTotals)."""
        return cls(
            int(getattr(row, "labelled", 0)),
            int(getattr(row, "exact", 0)),
            float(getattr(row, "p_sum", 0.0)),
            float(getattr(row, "p_var", 0.0)),
        )


# A scope's sums of one class, by the mentions' language.
Parts = Mapping[str | None, ClassSums] | Mapping[str, ClassSums]


@dataclass(frozen=True)
class Audit:
    """A randomly picked mention a user labelled: what the model said, and the truth."""

    p: tuple[float, float, float]  # the model's (negative, neutral, positive)
    label: str
    language: str | None = None
    # When ``p`` is not what the user saw but a refit head's held-out probabilities: what the
    # model it was audited under said (store.prevalence.random_audits).
    p_at_audit: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class AuditRatio:
    ratio: float  # Σ y / Σ p over the audits
    var: float  # its sampling variance (delta method)
    n: int
    # Σ y / Σ p at audit time: the whole correction the audits made, a refit head's included
    # (equal to ``ratio`` without a refit). How far a scope may stray grows with it.
    correction: float = 1.0


def audit_ratio(audits: Sequence[Audit], cls: str) -> AuditRatio | None:
    """R̂ and Var(R̂) of ``cls`` from random audits; None when the class has too little
    mass among them to divide by."""
    k = CLASSES.index(cls)
    n = len(audits)
    p = [a.p[k] for a in audits]
    y = [1.0 if a.label == cls else 0.0 for a in audits]
    mass = sum(p)
    if n < 2 or mass < MIN_AUDIT_MASS:
        return None
    ratio = sum(y) / mass
    residuals = sum((yi - ratio * pi) ** 2 for yi, pi in zip(y, p, strict=True))
    seen = sum((a.p_at_audit or a.p)[k] for a in audits)
    return AuditRatio(
        ratio, n / (n - 1) * residuals / mass**2, n, sum(y) / seen if seen > 0 else ratio
    )


@dataclass
class LabelErrors:
    """What the model-labelled part of a count may be off by: the workspace's random audits
    where it has enough of them, else the general model's relative sd per language."""

    general: GeneralError | None = None
    audits: Sequence[Audit] = ()
    _ratios: dict[tuple[str, frozenset[str | None]], AuditRatio | None] | None = None

    def rel_sd(self, language: str | None, cls: str) -> float:
        if self.general is not None:
            try:
                value = self.general(language).get(cls)
            except (AttributeError, KeyError, LookupError, TypeError, ValueError):
                value = None
            if value is not None and math.isfinite(value) and value >= 0:
                return float(value)
        return DEFAULT_REL_SD

    def ratio(self, cls: str, languages: Iterable[str | None]) -> AuditRatio | None:
        """The audited ratio of ``cls`` over audits in ``languages`` (None: too few)."""
        langs = frozenset(languages)
        if self._ratios is None:
            self._ratios = {}
        key = (cls, langs)
        if key not in self._ratios:
            chosen = [a for a in self.audits if a.language in langs]
            self._ratios[key] = audit_ratio(chosen, cls) if len(chosen) >= MIN_AUDITS else None
        return self._ratios[key]


@dataclass(frozen=True)
class Estimate:
    """A class's estimated true count (or share, or rate: see ``scaled``) and its interval.

    ``count`` is the label count it stands beside; ``sampling_var`` and ``bias_sd`` are what
    the interval is made of, and ``correlation`` how much of ``bias_sd`` another estimate
    under the same error model shares (for changes)."""

    value: float
    low: float
    high: float
    method: Method
    count: float
    sampling_var: float = 0.0
    bias_sd: float = 0.0
    correlation: float = 0.0
    level: float = LEVEL

    @property
    def sd(self) -> float:
        return math.sqrt(self.sampling_var + self.bias_sd**2)

    def scaled(self, factor: float) -> Estimate:
        """The same estimate per day (factor 1/days) or as a share (1/total)."""
        return replace(
            self,
            value=self.value * factor,
            low=self.low * factor,
            high=self.high * factor,
            count=self.count * factor,
            sampling_var=self.sampling_var * factor**2,
            bias_sd=self.bias_sd * factor,
        )


def estimate(
    parts: Parts,
    cls: str,
    errors: LabelErrors | None = None,
    *,
    model_total: float | None = None,
    level: float = LEVEL,
) -> Estimate:
    """The true count of ``cls`` over a scope given its sums by language (module docstring).

    ``model_total`` is how many model-labelled mentions there are (the upper bound's room);
    without it the bound is left open above the estimate's own interval."""
    if cls not in CLASSES:
        raise ValueError(f"unknown class {cls!r}")
    errors = errors or LabelErrors()
    total = sum(parts.values(), ClassSums())
    exact, s, v = total.exact, total.p_sum, total.p_var
    model_langs = [lang for lang, part in parts.items() if part.p_sum > 0 or part.p_var > 0]
    if not model_langs and s <= 0:
        return Estimate(exact, exact, exact, "exact", total.labelled, level=level)
    audited = errors.ratio(cls, model_langs) if errors.audits else None
    if audited is not None:
        r = audited.ratio
        part = r * s  # the model-labelled part's estimate, which the bias is relative to
        value = exact + part
        squares = max(s - v, 0.0)  # Σ p²
        sampling = max(r * s - r * r * squares, 0.0)  # Σ Rp (1 - Rp)
        # The ratio is measured over the whole workspace; a scope (one brand, one day) may
        # be read worse or better than the average. How much a correction can vary between
        # scopes grows with how large it is: TRANSFER_SHARE of it. After a refit that is the
        # head's correction and the ratio's together: the head learnt the workspace's
        # average from the same audits, and a scope strays from it as much.
        drift = TRANSFER_SHARE * (audited.correction - 1)
        bias = s * math.sqrt(audited.var + drift**2)
        method: Method = "audited"
        correlation = 1.0
    else:
        part = s
        value = exact + part
        sampling = v
        bias = sum(errors.rel_sd(lang, cls) * part.p_sum for lang, part in parts.items())
        method, correlation = "pcc", PERIOD_CORRELATION
    z = z_value(level)
    below = above = bias
    if part > 0 and bias > 0:
        # Both errors are relative to the true count, not to the estimate. Without audits: a
        # model that finds half the negatives is off by half of the truth, which is the whole
        # of its estimate. With them: a scope read worse than the workspace's average has a
        # ratio that many times larger, and ratios spread multiplicatively. Read that way
        # (log-normal, the same relative sd) the room above is part·(exp(z·σ) - 1),
        # σ = √log(1 + r²): with r = 0.49, up to ×2.14 where ±0.8 ended just below the
        # truth of an under-counting model (airline days, new customer, on eval caches of
        # one earlier run: 42 % covered, 95 % so; evals.label_error). Below, the same
        # reading is narrower than ±z·r·part, and a model that over-counts a class several
        # times over (positive SentiRuEval tweets left out of training: held 30 % of random
        # groups so, 100 % symmetric) needs the wider one: each side takes the wider one.
        sigma = math.sqrt(math.log1p((bias / part) ** 2))
        above = max(bias, part * (math.exp(z * sigma) - 1) / z)
    ceiling = exact + model_total if model_total is not None else math.inf
    low = max(value - z * math.sqrt(sampling + below**2), float(exact), 0.0)
    high = min(value + z * math.sqrt(sampling + above**2), ceiling)
    return Estimate(
        value=min(value, ceiling),
        low=low,
        high=max(high, low),
        method=method,
        count=total.labelled,
        sampling_var=sampling,
        bias_sd=bias,
        correlation=correlation,
        level=level,
    )


def change_within_error(
    current: Estimate,
    baseline: Estimate,
    *,
    current_scale: float = 1.0,
    baseline_scale: float = 1.0,
) -> bool:
    """Whether the change the labels show (current against baseline, each times its scale:
    1/days for rates, 1/total for shares) lies inside the labels' error: the interval of the
    estimated ratio (current over baseline) holds one, or the estimate moves the other way.
    No change, no flag."""
    shown = current.count * current_scale - baseline.count * baseline_scale
    if shown == 0:
        return False
    now, before = current.value * current_scale, baseline.value * baseline_scale
    moved = now - before
    if moved == 0 or (moved > 0) != (shown > 0):
        return True
    if now <= 0 or before <= 0:
        return False  # from or to nothing: no relative error can make that
    # The labels' error is relative (a model that misses a third of the negatives misses a
    # third in both periods), so the change is tested as a ratio: on the log scale a shared
    # error cancels in proportion to how much the two periods' errors correlate, whatever
    # the two counts' sizes.
    rho = min(current.correlation, baseline.correlation)
    r1, r0 = current.bias_sd / current.value, baseline.bias_sd / baseline.value
    var = (
        current.sampling_var / current.value**2
        + baseline.sampling_var / baseline.value**2
        + r1 * r1
        + r0 * r0
        - 2 * rho * r1 * r0
    )
    level = min(current.level, baseline.level)
    return abs(math.log(now / before)) < z_value(level) * math.sqrt(max(var, 0.0))
