"""Supplier draws by bisection reproduce numpy's weighted choice without replacement."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario.sampling import WeightedPool


def _case(meta: np.random.Generator):
    n = int(meta.integers(1, 40))
    w = meta.lognormal(0, 2, n) * (meta.random(n) > 0.15)
    if meta.random() < 0.1:
        w = np.ones(n)
    named = (meta.random(int(meta.integers(0, 4))) * 5).tolist()
    excluded = sorted(set(meta.integers(0, n, int(meta.integers(0, 3))).tolist()))
    full = np.concatenate([named, w])
    full[[len(named) + j for j in excluded]] = 0.0
    return w, named, excluded, full


@pytest.mark.parametrize("block", range(4))
def test_same_choices_and_stream_as_numpy(block: int) -> None:
    meta = np.random.default_rng(block)
    compared = 0
    for _ in range(500):
        w, named, excluded, full = _case(meta)
        available = int((full > 0).sum())
        if available == 0:
            continue
        k = int(meta.integers(1, available + 1))
        seed = int(meta.integers(2**32))
        ref = np.random.default_rng(seed)
        want = ref.choice(len(full), size=k, replace=False, p=full / full.sum()).tolist()
        mine = np.random.default_rng(seed)
        got = WeightedPool(w).choose(mine, named, excluded, k)
        assert got == want
        assert mine.random() == ref.random()  # the stream is left where numpy leaves it
        compared += 1
    assert compared > 400


def test_never_picks_excluded_or_weightless() -> None:
    pool = WeightedPool(np.array([5.0, 0.0, 1.0, 3.0]))
    rng = np.random.default_rng(3)
    for _ in range(300):
        got = pool.choose(rng, [0.0, 2.0], [0], 3)
        assert len(set(got)) == 3
        assert not {0, 2 + 0, 2 + 1} & set(got)  # named weight 0, excluded, weight 0


def test_hubs_are_chosen_in_proportion_to_size() -> None:
    pool = WeightedPool(np.array([1.0, 1.0, 8.0]))
    rng = np.random.default_rng(7)
    hits = np.bincount([pool.choose(rng, [], [], 1)[0] for _ in range(4000)], minlength=3)
    assert hits[2] / 4000 == pytest.approx(0.8, abs=0.03)
