"""Choosing a firm's suppliers among a sector's firms, weighted by size, in time ∝ log n.

A generated firm draws each input's sources from a sector, with probability
proportional to the candidates' size (so hubs emerge), never itself and never a
firm it already names. `numpy.random.Generator.choice(replace=False, p=...)`
does this but rebuilds the whole cumulative distribution for every draw, which
makes generating a city quadratic in the size of its sectors. `WeightedPool`
keeps one cumulative sum per sector and finds each draw by bisection, skipping
excluded candidates, while consuming the random stream exactly as numpy does:
the same uniforms, drawn in the same rounds, pick the same candidates (up to
floating-point ties at a boundary, with probability ~1e-16 per draw).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np


def name_key(name: str) -> int:
    """A spawn key for a random stream known by name: the first 8 bytes of SHA-256 of
    its UTF-8 text, big-endian, top bit set. Depends on the text alone (never on
    `hash()`, which changes with PYTHONHASHSEED, nor on a position in a list)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") | (1 << 63)


class WeightedPool:
    """A sector's candidates with fixed non-negative weights (their sizes)."""

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights.astype(float).tolist()
        self.cum = np.cumsum(weights, dtype=float).tolist()
        self.total = self.cum[-1] if self.cum else 0.0
        self.positive = int(np.count_nonzero(weights > 0))

    def choose(
        self,
        rng: np.random.Generator,
        named: Sequence[float],
        excluded: Sequence[int],
        k: int,
    ) -> list[int]:
        """`k` distinct positions among `named` candidates (positions 0..len-1) then
        the pool (positions len(named)..), weighted, without the pool positions in
        `excluded`; as `rng.choice(len, size=k, replace=False, p=w / w.sum())` would
        draw them, in the order drawn. `k` must not exceed the candidates with weight.
        """
        m = len(named)
        taken: dict[int, float] = {}
        for j in sorted(set(excluded)):
            if self.weights[j] > 0:
                taken[m + j] = self.weights[j]
        named_total = float(sum(named))
        found: list[int] = []
        while len(found) < k:
            x = rng.random(k - len(found)).tolist()
            for pos in found:
                taken.setdefault(pos, named[pos] if pos < m else self.weights[pos - m])
            remaining = named_total + self.total - sum(taken.values())
            new: list[int] = []
            for u in x:
                pos = self._locate(u * remaining, named, taken)
                if pos not in new:
                    new.append(pos)
            found.extend(new)
        return found

    def _locate(self, t: float, named: Sequence[float], taken: dict[int, float]) -> int:
        """The first candidate whose cumulative weight (without `taken`) exceeds `t`."""
        m = len(named)
        acc = 0.0
        for pos, w in enumerate(named):
            if w > 0 and pos not in taken:
                acc += w
                if acc > t:
                    return pos
        t -= acc
        skipped = sorted((p - m, w) for p, w in taken.items() if p >= m)
        cum = self.cum
        last = len(cum) - 1
        e = 0.0
        while True:
            j = min(bisect_right(cum, t + e), last)
            e_new = sum(w for p, w in skipped if p <= j)
            if e_new == e:
                break
            e = e_new
        while j >= 0 and (self.weights[j] <= 0 or m + j in taken):
            j -= 1  # t rounded onto the total: the last candidate left
        if j >= 0:
            return m + j
        return max(p for p, w in enumerate(named) if w > 0 and p not in taken)
