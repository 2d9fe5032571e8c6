"""Random quantities in scenario files: one small syntax used everywhere.

A parameter that may vary is either a plain number (fixed) or a one-key mapping
naming the distribution::

    review_days: 1.5                                   # fixed
    review_days: {uniform: {from: 1, to: 3}}
    review_days: {triangular: {from: 1, mode: 2, to: 5}}
    review_days: {normal: {mean: 2, sd: 0.5, min: 0}}   # min/max clip (optional)
    review_days: {lognormal: {median: 2, sigma: 0.4}}
    review_days: {exponential: {mean: 2}}
    review_days: {choice: {values: [1, 2, 7], weights: [0.5, 0.3, 0.2]}}

Every distribution samples a numpy array in one call (`sample(rng, n)`), so the
model draws for all firms at once and then masks, which keeps common random
numbers intact when a policy changes which firms are drawn for.
"""

from __future__ import annotations

import math
import sys
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from sim import quantiles
from sim.scenario import strict

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _kind(cls, v: Any, info: ValidationInfo) -> Any:
        """A parameter written `true` is not the number 1."""
        return strict.check(cls, info.field_name, v)


class Fixed(_Frozen):
    """A constant: written in YAML as a bare number."""

    value: Finite

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, v: Any) -> Any:
        """A bare number is the value (so a parsed `3` equals the default `fixed(3)`)."""
        if isinstance(v, int | float) and not isinstance(v, bool):
            return {"value": v}
        return v

    @model_serializer
    def _as_number(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` copies of the value (draws nothing, so it never shifts a stream)."""
        return np.full(n, self.value, dtype=float)

    @property
    def mean(self) -> float:
        """The value itself."""
        return self.value


class _Range(_Frozen):
    lo: Finite = Field(alias="from", description="Lower end.")
    hi: Finite = Field(alias="to", description="Upper end (must not be below `from`).")

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.hi < self.lo:
            raise ValueError(f"`to` ({self.hi}) must not be below `from` ({self.lo})")
        return self


class Uniform(_Frozen):
    """Every value between `from` and `to` equally likely."""

    uniform: _Range

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Uniform draws on [from, to]."""
        return rng.uniform(self.uniform.lo, self.uniform.hi, n)

    @property
    def mean(self) -> float:
        """Midpoint of the range."""
        return (self.uniform.lo + self.uniform.hi) / 2


class _TriParams(_Frozen):
    lo: Finite = Field(alias="from", description="Lowest possible value.")
    mode: Finite = Field(description="Most likely value.")
    hi: Finite = Field(alias="to", description="Highest possible value.")

    @model_validator(mode="after")
    def _ordered(self) -> _TriParams:
        if not self.lo <= self.mode <= self.hi:
            raise ValueError(f"need from <= mode <= to, got {self.lo}, {self.mode}, {self.hi}")
        return self


class Triangular(_Frozen):
    """Lowest, most likely and highest value: the planner's three-point estimate."""

    triangular: _TriParams

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Triangular draws (a degenerate range gives the constant)."""
        p = self.triangular
        if p.lo == p.hi:
            return np.full(n, p.lo, dtype=float)
        return rng.triangular(p.lo, p.mode, p.hi, n)

    @property
    def mean(self) -> float:
        """(from + mode + to) / 3."""
        p = self.triangular
        return (p.lo + p.mode + p.hi) / 3


class _NormalParams(_Frozen):
    mean: Finite = Field(description="Mean.")
    sd: Finite = Field(ge=0, description="Standard deviation (>= 0).")
    min: Finite | None = Field(default=None, description="Draws below are clipped to this.")
    max: Finite | None = Field(default=None, description="Draws above are clipped to this.")

    @model_validator(mode="after")
    def _ordered(self) -> _NormalParams:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"`max` ({self.max}) must not be below `min` ({self.min})")
        return self


class Normal(_Frozen):
    """Bell curve around a mean, optionally clipped to [min, max]."""

    normal: _NormalParams

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Normal draws, clipped where the scenario says so."""
        p = self.normal
        x = rng.normal(p.mean, p.sd, n)
        if p.min is not None or p.max is not None:
            np.clip(x, p.min, p.max, out=x)
        return x

    @property
    def mean(self) -> float:
        """The mean before clipping."""
        return self.normal.mean


class _LognormalParams(_Frozen):
    median: Finite = Field(gt=0, description="Median (> 0): half the draws fall below it.")
    sigma: Finite = Field(ge=0, description="Spread: standard deviation of the logarithm.")


class Lognormal(_Frozen):
    """Skewed positive quantity (firm sizes, delays): a median and a log-spread."""

    lognormal: _LognormalParams

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Lognormal draws."""
        p = self.lognormal
        return rng.lognormal(math.log(p.median), p.sigma, n)

    @property
    def mean(self) -> float:
        """median * exp(sigma^2 / 2)."""
        p = self.lognormal
        return p.median * math.exp(p.sigma**2 / 2)


class _ExpParams(_Frozen):
    mean: Finite = Field(gt=0, description="Mean (> 0).")


class Exponential(_Frozen):
    """Memoryless waiting time with a given mean."""

    exponential: _ExpParams

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Exponential draws."""
        return rng.exponential(self.exponential.mean, n)

    @property
    def mean(self) -> float:
        """The mean."""
        return self.exponential.mean


class _ChoiceParams(_Frozen):
    values: list[Finite] = Field(min_length=1, description="Possible values.")
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = Field(
        default=None, description="Relative weights, one per value (default: equal)."
    )

    @model_validator(mode="after")
    def _weights(self) -> _ChoiceParams:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"{len(self.weights)} weights for {len(self.values)} values; "
                    "give one weight per value"
                )
            total = sum(self.weights)
            if not math.isfinite(total):
                raise ValueError(
                    f"weights add up to more than the largest number ({sys.float_info.max:.4g}); "
                    "weights are relative: scale them down"
                )
            if total <= 0:
                raise ValueError("weights must not all be zero")
        return self


class Choice(_Frozen):
    """One of a list of values, with optional weights."""

    choice: _ChoiceParams

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws from the listed values."""
        p = self.choice
        w = None
        if p.weights is not None:
            w = np.asarray(p.weights, dtype=float)
            w = w / w.sum()
        return rng.choice(np.asarray(p.values, dtype=float), size=n, p=w)

    @property
    def mean(self) -> float:
        """Weighted mean of the values."""
        p = self.choice
        w = p.weights or [1.0] * len(p.values)
        total = sum(w)  # finite (checked): each weight's share, then the sum
        return math.fsum(v * (x / total) for v, x in zip(p.values, w, strict=True))


def quantile(dist: object, u: np.ndarray) -> np.ndarray:
    """Values of a distribution at uniforms `u` (inverse transform).

    One uniform per draw whatever the distribution, so mechanisms whose number
    of draws must not depend on the state (common random numbers) use this.
    """
    if isinstance(dist, Fixed):
        return np.full(len(u), dist.value)
    if isinstance(dist, Uniform):
        return dist.uniform.lo + u * (dist.uniform.hi - dist.uniform.lo)
    if isinstance(dist, Triangular):
        p = dist.triangular
        if p.hi == p.lo:
            return np.full(len(u), p.lo)
        return quantiles.triangular(u, p.lo, p.mode, p.hi)
    if isinstance(dist, Normal):
        x: np.ndarray = (
            quantiles.normal(u, dist.normal.mean, dist.normal.sd)
            if dist.normal.sd > 0
            else (np.full(len(u), dist.normal.mean))
        )
        clipped: np.ndarray = np.clip(x, dist.normal.min, dist.normal.max)
        return clipped
    if isinstance(dist, Lognormal):
        scaled: np.ndarray = dist.lognormal.median * np.exp(
            dist.lognormal.sigma * quantiles.normal(u)
        )
        return scaled
    if isinstance(dist, Exponential):
        waits: np.ndarray = -dist.exponential.mean * np.log1p(-u)
        return waits
    if isinstance(dist, Choice):
        c = dist.choice
        w = np.asarray(c.weights or [1.0] * len(c.values), dtype=float)
        cdf = np.cumsum(w / w.sum())
        return np.asarray(c.values)[np.minimum(np.searchsorted(cdf, u, side="right"), len(w) - 1)]
    raise TypeError(dist)


KINDS = ("uniform", "triangular", "normal", "lognormal", "exponential", "choice")


def _kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return "fixed"
    if isinstance(v, Fixed):
        return "fixed"
    if isinstance(v, dict):
        if len(v) == 1:
            key = next(iter(v))
            return key if key in KINDS else None
        return None
    for kind in KINDS:
        if hasattr(v, kind):
            return kind
    return None


Dist = Annotated[
    Annotated[Fixed, Tag("fixed"), WithJsonSchema({"type": "number"})]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Lognormal, Tag("lognormal")]
    | Annotated[Exponential, Tag("exponential")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(
        _kind,
        custom_error_type="distribution",
        custom_error_message=(
            "expected a number or a distribution: one of "
            "{uniform|triangular|normal|lognormal|exponential|choice: {...}}"
        ),
    ),
]
"""A fixed number or one of the distributions above."""


def fixed(value: float) -> Fixed:
    """A fixed quantity, for defaults in the schema."""
    return Fixed(value=value)


def dist_min(d: Any) -> float:
    """The smallest value a distribution can produce (-inf when unbounded)."""
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform):
        return d.uniform.lo
    if isinstance(d, Triangular):
        return d.triangular.lo
    if isinstance(d, Normal):
        return d.normal.min if d.normal.min is not None else -math.inf
    if isinstance(d, Lognormal | Exponential):
        return 0.0
    if isinstance(d, Choice):
        return min(d.choice.values)
    raise TypeError(d)


def dist_max(d: Any) -> float:
    """The largest value a distribution can produce (+inf when unbounded)."""
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Uniform):
        return d.uniform.hi
    if isinstance(d, Triangular):
        return d.triangular.hi
    if isinstance(d, Normal):
        return d.normal.max if d.normal.max is not None else math.inf
    if isinstance(d, Lognormal | Exponential):
        return math.inf
    if isinstance(d, Choice):
        return max(d.choice.values)
    raise TypeError(d)


TAIL = 1e-12
"""Chance of a draw beyond `dist_top`: negligible in any run (10^15 draws would see one)."""
_TAIL_Z = 7.034484
"""The standard normal's quantile at 1 - TAIL."""


def dist_top(d: Any) -> float:
    """The largest value a distribution draws, save with probability under TAIL.

    Its maximum when it has one; for the unbounded tails (a normal without
    `max:`, lognormal, exponential) the quantile at 1 - TAIL, computed from the
    parameters (inf when that overflows).
    """
    if isinstance(d, Normal) and d.normal.max is None:
        return d.normal.mean + _TAIL_Z * d.normal.sd
    if isinstance(d, Lognormal):
        z = _TAIL_Z * d.lognormal.sigma
        return d.lognormal.median * math.exp(z) if z < 700 else math.inf
    if isinstance(d, Exponential):
        return d.exponential.mean * -math.log(TAIL)
    return dist_max(d)


def bounded(lo: float | None = None, hi: float | None = None, *, limit: float | None = None) -> Any:
    """A validator checking that every value a distribution can draw lies in [lo, hi],
    and that it draws nothing above `limit` save with negligible probability.

    `lo`/`hi` are used on fields such as shares (0..1) and durations (>= 0), so
    that a `normal` without `min: 0` is caught at load time, not as a negative
    delay deep inside a run. `limit` is a sane scale for the field (100,000 days
    for a duration): a heavy-tailed distribution may still be used, but its tail
    beyond the limit must be negligible (`dist_top`), so that 1e300 days, which
    numpy's samplers overflow on, are refused at load time too.
    """

    def check(d: Any) -> Any:
        a, b = dist_min(d), dist_max(d)
        if lo is not None and a < lo:
            raise ValueError(
                f"can draw values down to {a:g}, below the allowed minimum {lo:g}"
                + (" (add `min:` to the normal)" if isinstance(d, Normal) else "")
            )
        if hi is not None and b > hi:
            raise ValueError(
                f"can draw values up to {b:g}, above the allowed maximum {hi:g}"
                + (" (add `max:` to the normal)" if isinstance(d, Normal) else "")
            )
        if limit is not None and b > limit:
            if math.isfinite(b):
                raise ValueError(
                    f"can draw values up to {b:g}, above the largest allowed {limit:.15g}"
                )
            top = dist_top(d)
            if top > limit:
                raise ValueError(
                    f"draws values above the largest allowed {limit:.15g} too often (one draw "
                    f"in 10^12 is above {top:g})"
                    + (" (add `max:` to the normal)" if isinstance(d, Normal) else "")
                )
        return d

    return check


__all__ = [
    "Choice",
    "Dist",
    "Exponential",
    "Fixed",
    "Lognormal",
    "Normal",
    "Triangular",
    "Uniform",
    "bounded",
    "dist_max",
    "dist_min",
    "dist_top",
    "fixed",
    "quantile",
]
