"""Quantile functions (inverse CDFs) of the distributions drawn by inverse transform.

Mechanisms that must keep common random numbers draw one uniform per event and
turn it into a value with these. They compute what `scipy.stats.<dist>.ppf`
computes, value for value (tests/test_quantiles.py checks it), from public
`scipy.special` functions only, because importing scipy.stats takes ~0.6 s: a
tenth of a 15,000-firm run and most of a demo run.
"""

from __future__ import annotations

import numpy as np
from scipy import special

BINOMIAL_STEPS = 12
"""Smallest values of a binomial quantile found by summing probabilities (then a search)."""
BINOMIAL_MARGIN = 1e-10
"""A partial sum this close to the uniform is decided by the exact CDF instead: the
sums carry rounding errors of about 1e-15, far inside this margin."""


def normal(u: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Normal quantiles (`sd` > 0)."""
    q: np.ndarray = special.ndtri(u) * sd + mean
    return q


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
    u, n, p = np.broadcast_arrays(
        np.asarray(u, dtype=float), np.asarray(n, dtype=float), np.asarray(p, dtype=float)
    )
    out = np.full(u.shape, np.nan)
    ok = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)
    out[ok & (u == 0)] = -1.0
    top = ok & (u == 1)
    out[top] = n[top]
    mid = ok & (u > 0) & (u < 1)
    out[mid] = _binomial_inner(u[mid], n[mid].astype(np.int64), p[mid])
    return out


def _binomial_cdf_at_least(
    u: np.ndarray, n: np.ndarray, p: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Whether P(X ≤ k) ≥ u (always where k ≥ n), by the regularised incomplete beta.

    Near u = 1 the CDF is within rounding of 1, so there the test is made on the
    upper tail instead, P(X > k) = betainc(k + 1, n − k, p) ≤ 1 − u (1 − u is exact
    for u ≥ 0.5); below, P(X ≤ k) = betaincc(k + 1, n − k, p), accurate for tiny p.
    """
    out = np.ones(u.shape, dtype=bool)
    inner = k < n
    if inner.any():
        ui, ki = u[inner], k[inner]
        a, b, x = ki + 1.0, (n[inner] - ki).astype(float), p[inner]
        high = ui > 0.5
        res = np.empty(ui.shape, dtype=bool)
        res[high] = special.betainc(a[high], b[high], x[high]) <= 1.0 - ui[high]
        low = ~high
        res[low] = special.betaincc(a[low], b[low], x[low]) >= ui[low]
        out[inner] = res
    return out


def _binomial_search(u: np.ndarray, n: np.ndarray, p: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The least k with P(X ≤ k) ≥ u, walking one step at a time from the guess `k`."""
    k = k.copy()
    hit = _binomial_cdf_at_least(u, n, p, k)
    up = np.flatnonzero(~hit)
    while up.size:
        k[up] += 1
        up = up[~_binomial_cdf_at_least(u[up], n[up], p[up], k[up])]
    down = np.flatnonzero(hit & (k > 0))
    while down.size:
        down = down[_binomial_cdf_at_least(u[down], n[down], p[down], k[down] - 1)]
        k[down] -= 1
        down = down[k[down] > 0]
    return k


def _binomial_inner(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Quantiles for 0 < u < 1, whole n ≥ 0 and 0 ≤ p ≤ 1.

    Most draws in the model are small counts (a few migrants back on a day): the
    first `BINOMIAL_STEPS` values are found by adding the probabilities
    P(X = j) by their recurrence, and a sum within `BINOMIAL_MARGIN` of the
    uniform, or a quantile beyond those values, is settled by the exact CDF.
    """
    out = np.empty(u.shape, dtype=np.int64)
    todo = np.flatnonzero(p < 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pmf = np.exp(n[todo] * np.log1p(-p[todo]))
        ratio = p[todo] / (1.0 - p[todo])
    cdf = pmf.copy()
    uu, nn = u[todo], n[todo]
    exact = [np.flatnonzero(p >= 1)]
    guess = [np.zeros(exact[0].size, dtype=np.int64)]
    for j in range(BINOMIAL_STEPS):
        done = (cdf >= uu + BINOMIAL_MARGIN) | (nn <= j)
        close = ~done & (cdf > uu - BINOMIAL_MARGIN)
        out[todo[done]] = j
        exact.append(todo[close])
        guess.append(np.full(int(close.sum()), j, dtype=np.int64))
        keep = ~(done | close)
        todo, cdf, pmf, ratio, uu, nn = (
            todo[keep],
            cdf[keep],
            pmf[keep],
            ratio[keep],
            uu[keep],
            nn[keep],
        )
        if not todo.size:
            break
        pmf = pmf * ((nn - j) / (j + 1.0)) * ratio
        cdf = cdf + pmf
    if todo.size:  # larger quantiles: start from the normal approximation
        m, sd = n[todo] * p[todo], np.sqrt(n[todo] * p[todo] * (1 - p[todo]))
        g = np.nan_to_num(np.floor(m + sd * special.ndtri(u[todo])), nan=BINOMIAL_STEPS)
        exact.append(todo)
        guess.append(np.clip(g, BINOMIAL_STEPS, n[todo]).astype(np.int64))
    idx = np.concatenate(exact)
    if idx.size:
        out[idx] = _binomial_search(u[idx], n[idx], p[idx], np.concatenate(guess))
    return out.astype(float)


def student_t(q: float, df: float) -> float:
    """Quantile `q` of Student's t with `df` degrees of freedom."""
    return float(special.stdtrit(df, q))
