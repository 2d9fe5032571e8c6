"""A pyabc sampler whose populations do not depend on the executor, the workers or a restart.

pyabc's parallel samplers keep particles in the order they finish, and its
`MappingSampler` reseeds every task from the operating system, so two runs with
the same seed differ. Here a generation is defined the way `MappingSampler`
defines it — task i of n proposes, simulates and tests particles until one is
accepted — but every attempt j of task i draws its proposal from numpy's global
generator seeded from `SeedSequence(seed, spawn_key=(generation, i, j))`, and the
attempts are kept in (i, j) order. pyabc's own code still proposes, weighs and
accepts; only where the model runs changes:

1. *propose*: for each attempt, seed, then call pyabc's `simulate_one`; the
   model (`CachedModel`) has no result for that attempt yet and raises
   `NeedsRun` with the proposed parameters;
2. *run*: the proposals of the round go to the executor as plain parksim tasks
   (workers never import pyabc), in any order, on any worker;
3. *replay*: for each attempt in order, seed again and call `simulate_one`
   again: the same seed gives the same proposal, the model now returns the
   result, and pyabc computes the distance, the acceptance and the weight.

A round runs the next attempts of every task not yet accepted — several per task
when few are left, so the workers stay busy. Attempts after a task's first
acceptance are discarded, so the result does not depend on how many ran.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pyabc.model import Model, ModelResult
from pyabc.sampler import Sampler

AttemptKey = tuple[int, int, int]
"""(generation key, task, attempt)."""
Propose = Callable[[AttemptKey], None]


class NeedsRun(Exception):
    """Raised by the model during the proposing pass: this attempt has not run yet."""

    def __init__(self, parameters: dict[str, float]) -> None:
        super().__init__("the model has not run for this attempt yet")
        self.parameters = parameters


class CachedModel(Model):
    """The park as pyabc sees it: summary statistics looked up by attempt."""

    def __init__(self) -> None:
        super().__init__("park")
        self.attempt: AttemptKey | None = None
        self.results: dict[AttemptKey, dict[str, np.ndarray]] = {}

    def summary_statistics(self, t: int, pars: Any, sum_stat_calculator: Any) -> ModelResult:
        if self.attempt not in self.results:
            raise NeedsRun({k: float(v) for k, v in dict(pars).items()})
        return ModelResult(sum_stat=self.results[self.attempt])


RunBatch = Callable[[Sequence[tuple[AttemptKey, dict[str, float]]]], dict[AttemptKey, Any]]
"""Runs the model for a batch of (attempt, parameters); returns summary statistics by attempt."""
Seeder = Callable[[AttemptKey], None]
"""Seeds numpy's and Python's global generators for an attempt."""
RoundDone = Callable[[int, int, int, int], None]
"""round_done(generation, accepted, n, attempts so far)."""


class ReplaySampler(Sampler):
    """Deterministic parallel sampling for pyabc's ABCSMC; see the module doc."""

    def __init__(
        self,
        model: CachedModel,
        run_batch: RunBatch,
        seeder: Seeder,
        *,
        in_flight: int = 4,
        round_done: RoundDone | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.run_batch = run_batch
        self.seeder = seeder
        self.in_flight = max(1, in_flight)
        """Attempts wanted per round (a few per worker)."""
        self.round_done = round_done

    def _call(self, simulate_one: Callable[[], Any], key: AttemptKey) -> Any:
        self.seeder(key)
        self.model.attempt = key
        return simulate_one()

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        gen = t + 1  # pyabc's calibration sample is t = -1
        pending = list(range(n))
        tried = [0] * n
        particles: list[list[Any]] = [[] for _ in range(n)]
        while pending:
            width = max(1, math.ceil(self.in_flight / len(pending)))
            batch = []
            for i in pending:
                for j in range(tried[i], tried[i] + width):
                    key = (gen, i, j)
                    try:
                        self._call(simulate_one, key)
                    except NeedsRun as e:
                        batch.append((key, e.parameters))
                    else:  # pragma: no cover - pyabc always asks the model
                        raise AssertionError("pyabc did not ask the model for this attempt")
            self.model.results.update(self.run_batch(batch))
            still = []
            for i in pending:
                for j in range(tried[i], tried[i] + width):
                    particle = self._call(simulate_one, (gen, i, j))
                    particles[i].append(particle)
                    if particle.accepted:
                        break
                else:
                    still.append(i)
                tried[i] += width
            self.model.results.clear()
            pending = still
            if self.round_done:
                done = sum(1 for ps in particles if ps and ps[-1].accepted)
                self.round_done(t, done, n, sum(len(ps) for ps in particles))
        sample = self._create_empty_sample()
        for ps in particles:
            for p in ps:
                sample.append(p)
        self.nr_evaluations_ = sum(len(ps) for ps in particles)
        return sample


def seed_globals(state: np.ndarray) -> None:
    """Seed numpy's legacy global generator (which pyabc and scipy draw from) and Python's."""
    np.random.seed(state[:4])
    random.seed(int(state[4]))
