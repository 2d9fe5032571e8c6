"""Quantile functions (inverse CDFs) of the distributions drawn by inverse transform.

Mechanisms that must keep common random numbers draw one uniform per event and
turn it into a value with these. They compute what `scipy.stats.<dist>.ppf`
computes, value for value (tests/test_quantiles.py checks it), with the
`scipy.special` kernels scipy.stats itself calls, because importing scipy.stats
takes ~0.6 s: a tenth of a 15,000-firm run and most of a demo run.
"""

from __future__ import annotations

import numpy as np
from scipy import special

try:  # the kernel behind scipy.stats.binom.ppf (Boost's binomial quantile)
    from scipy.special._ufuncs import _binom_ppf
except ImportError:  # pragma: no cover - a SciPy that moved it: use scipy.stats itself
    _binom_ppf = None


def normal(u: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Normal quantiles (`sd` > 0)."""
    return special.ndtri(u) * sd + mean


def triangular(u: np.ndarray, lo: float, mode: float, hi: float) -> np.ndarray:
    """Triangular quantiles on [lo, hi] with the given mode (`hi` > `lo`)."""
    c = (mode - lo) / (hi - lo)
    u = np.asarray(u, dtype=float)
    return np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u))) * (hi - lo) + lo


def poisson(u: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson quantiles: the least k with P(X ≤ k) ≥ u (NaN where `mu` < 0)."""
    u, mu = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(mu, dtype=float))
    out = np.full(u.shape, np.nan)
    ok = mu >= 0
    out[ok & (u == 0)] = -1.0
    out[ok & (u == 1)] = np.inf
    mid = ok & (u > 0) & (u < 1)
    q, m = u[mid], mu[mid]
    vals = np.ceil(special.pdtrik(q, m))
    below = np.maximum(vals - 1, 0)
    out[mid] = np.where(special.pdtr(below, m) >= q, below, vals)
    return out


def binomial(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial quantiles: the least k with P(X ≤ k) ≥ u (NaN for bad n or p)."""
    if _binom_ppf is None:  # pragma: no cover
        from scipy import stats

        return stats.binom.ppf(u, n, p)
    u, n, p = np.broadcast_arrays(
        np.asarray(u, dtype=float), np.asarray(n, dtype=float), np.asarray(p, dtype=float)
    )
    out = np.full(u.shape, np.nan)
    ok = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)
    out[ok & (u == 0)] = -1.0
    top = ok & (u == 1)
    out[top] = n[top]
    mid = ok & (u > 0) & (u < 1)
    out[mid] = _binom_ppf(u[mid], n[mid], p[mid])
    return out


def student_t(q: float, df: float) -> float:
    """Quantile `q` of Student's t with `df` degrees of freedom."""
    return float(special.stdtrit(df, q))
