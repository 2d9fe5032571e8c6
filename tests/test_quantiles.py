"""The inverse CDFs give exactly scipy.stats' ppf values, edges included."""

from __future__ import annotations

from decimal import Decimal, localcontext
from math import comb

import numpy as np
import pytest
from scipy import stats

from sim import quantiles

U_EDGES = np.array([0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, np.nextafter(1.0, 0.0)])


def _u(seed: int, n: int = 20_000) -> np.ndarray:
    return np.concatenate([np.random.default_rng(seed).random(n), U_EDGES])


def test_normal_and_lognormal_core() -> None:
    u = _u(1)
    np.testing.assert_array_equal(quantiles.normal(u), stats.norm.ppf(u))
    np.testing.assert_array_equal(quantiles.normal(u, 3.5, 0.7), stats.norm.ppf(u, 3.5, 0.7))


@pytest.mark.parametrize(("lo", "mode", "hi"), [(1, 2, 4), (0, 0, 5), (2, 7, 7), (-3, 0.1, 9e3)])
def test_triangular(lo: float, mode: float, hi: float) -> None:
    u = _u(2)
    want = stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    np.testing.assert_array_equal(quantiles.triangular(u, lo, mode, hi), want)


def test_poisson() -> None:
    rng = np.random.default_rng(3)
    u = _u(4)
    mu = rng.choice([0.0, 1e-6, 0.3, 2.0, 40.0, 900.0], len(u)) * rng.random(len(u))
    np.testing.assert_array_equal(quantiles.poisson(u, mu), stats.poisson.ppf(u, mu))
    edge = quantiles.poisson(np.array([0.0, 1.0, 0.5]), np.array([2.0, 2.0, -1.0]))
    np.testing.assert_array_equal(edge, stats.poisson.ppf([0.0, 1.0, 0.5], [2.0, 2.0, -1.0]))


def test_binomial() -> None:
    rng = np.random.default_rng(5)
    u = np.concatenate([np.random.default_rng(6).random(200_000), U_EDGES[:-1]])
    n = rng.integers(0, 5000, len(u)).astype(float)
    p = np.where(rng.random(len(u)) < 0.2, np.round(rng.random(len(u)), 1), rng.random(len(u)))
    p[::7] *= 1e-3  # the small counts the model draws most (migrants back on a day)
    np.testing.assert_array_equal(quantiles.binomial(u, n, p), stats.binom.ppf(u, n, p))
    u2, n2, p2 = [0.0, 1.0, 0.5, 0.5, 0.5], [7.0, 7.0, -1.0, 2.5, 3.0], [0.3, 0.3, 0.3, 0.3, 1.5]
    np.testing.assert_array_equal(quantiles.binomial(u2, n2, p2), stats.binom.ppf(u2, n2, p2))


def _exact_binomial_quantile(u: float, n: int, p: float) -> int:
    """The least k with P(X ≤ k) ≥ u, in 100-digit decimal arithmetic (the float inputs
    are converted exactly; the sums' errors are some 80 digits below any tie here)."""
    with localcontext() as ctx:
        ctx.prec = 100
        pd, ud = Decimal(p), Decimal(u)
        tail = Decimal(0)
        for k in range(n, 0, -1):
            rest = (1 - pd) ** (n - k) if n > k else Decimal(1)
            tail += comb(n, k) * pd**k * rest
            if 1 - tail < ud:
                return k
    return 0


@pytest.mark.parametrize(
    ("u", "n", "p"),
    [
        (np.nextafter(1.0, 0.0), 300, 0.42271186298239616),
        (1 - 1e-13, 900, 0.5610062805571567),
        (1 - 5e-10, 2251, 7.76467998e-14),
        (1e-300, 50, 0.3),
        (0.5, 10, 1.0),
        (0.5, 10, 0.0),
    ],
)
def test_binomial_is_exact_in_the_far_tails(u: float, n: int, p: float) -> None:
    # where the uniform is within 1e-9 of 1, SciPy's own binomial quantile can be off by
    # a few; ours follows the exact upper tail there
    got = quantiles.binomial(np.array([u]), np.array([float(n)]), np.array([p]))[0]
    assert got == _exact_binomial_quantile(u, n, p)


@pytest.mark.parametrize("df", [1, 2, 4, 29, 999])
def test_student_t(df: int) -> None:
    assert quantiles.student_t(0.975, df) == stats.t.ppf(0.975, df)
