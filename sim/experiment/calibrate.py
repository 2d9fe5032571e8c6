"""Calibration: estimate scenario parameters and their uncertainty from published figures.

ABC-SMC (pyabc): particles — values of the parameters — are drawn from the priors,
the park is run at each, and a particle is kept when its curves come within a
threshold of the observations; generation after generation the threshold falls
(the median distance of the last generation) and particles are proposed around the
survivors. The last generation, with its importance weights, is the posterior.

* **Distance**: root mean square (or mean absolute) error over the fitted
  observations, each error divided by that observation's uncertainty, so "1" is
  "off by one stated uncertainty on average". A run whose value is missing (a
  series without firms) or whose parameters the scenario refuses is infinitely far.
* **Model runs**: a particle runs `settings.replications` replications of the
  park with its values set by `--set` key path (`sim.model.world.run`); the
  distance uses their mean. With `common_random_numbers: false` (the default)
  each attempt runs its own replication numbers, drawn from its seed, so the
  posterior accounts for the model's noise; with `true` every particle runs
  replications 0..n-1, the same random draws as `parksim run`, which makes a
  smoother fit conditional on those draws.
* **Determinism and resume**: every random draw comes from the calibration seed:
  attempt j of task i of generation g draws its proposal from `SeedSequence(seed,
  spawn_key=(0, g, i, j))` and its replication numbers from `(1, g, i, j)`
  (`sim.experiment.abc_replay`), so a generation does not depend on the executor,
  the number of workers or the order runs finish in. pyabc stores every finished
  generation in `history.db` (SQLite, one transaction per generation). Each
  generation is a fresh `ABCSMC.load` of that database and one generation of
  `ABCSMC.run`, whether or not the calibration was interrupted before it, so a
  calibration killed at any moment and run again with the same command ends with
  the same posterior as one never interrupted (the generation that was running
  when it was killed is run again from its start).
* **Posterior predictive**: `settings.predictive_draws` particles are drawn from
  the posterior by weight (seed `(2,)`; replication numbers `(3, draw)`) and run
  again; their curves give the band of the predictive plot and the simulated
  median and 90 % band of every observation — fitted ones (fit) and held-out ones
  (validation, out of sample).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.calibration_spec import Calibration, Case, Observation
from sim.experiment.executors import Executor
from sim.files.calibration import DB, curve_key
from sim.scenario.errors import ScenarioError

PROPOSAL, REPLICATIONS, PREDICTIVE_PICK, PREDICTIVE_RUN, DRIVER = range(5)
"""First element of the spawn key of each kind of random draw (see the module doc)."""
MAX_FAILURES_WITHOUT_SUCCESS = 20
"""Model runs that may fail before the first success before the calibration stops."""
Progress = Callable[[str, int, int, int], None]
"""progress(stage, done, total, model runs so far): stage is `generation N` or `predictive`."""


class CalibrationError(RuntimeError):
    """The calibration cannot go on (every model run fails); nothing is lost."""


# --------------------------------------------------------------------------- model runs


@dataclass(frozen=True)
class ParticleRun:
    """One model run of a particle (or a posterior draw): everything it needs, and
    nothing that depends on where it runs."""

    key: str
    scenario: str
    policies: tuple[str, ...]
    sets: tuple[str, ...]
    replications: tuple[int, ...]
    points: tuple[tuple[str, str, int], ...] = ()
    """(metric, group, day) of each value to return."""
    curves: tuple[tuple[str, str], ...] = ()
    """(metric, group) of each daily curve to return."""


@functools.lru_cache(maxsize=32)
def _base_source(scenario: str, policies: tuple[str, ...]) -> Any:
    from sim.scenario.load import load_source

    return load_source(Path(scenario), [Path(p) for p in policies])


def series_table(traces: Sequence[Any]) -> dict[tuple[str, str], np.ndarray]:
    """(metric, group) → (replications, days) values, exactly as `timeseries.csv` holds
    them (its names, and its values to 10 significant digits), then each transfer
    station's truck funnel as `logistics.csv` holds it (`STATION_METRICS`, group: the
    station's id)."""
    from sim.experiment.calibration_spec import STATION_METRICS
    from sim.files import timeseries

    table = timeseries.values(traces)
    if traces and traces[0].stations:
        funnel = np.stack([np.asarray(t.funnel, dtype=float) for t in traces])
        totals = funnel[..., :3]  # (replications, days, stations, declared/admitted/cleared)
        daily = np.diff(totals, axis=1, prepend=0.0)
        for k, station in enumerate(traces[0].stations):
            cols = {
                "declared": daily[:, :, k, 0],
                "admitted": daily[:, :, k, 1],
                "cleared": daily[:, :, k, 2],
                "declared_total": totals[:, :, k, 0],
                "admitted_total": totals[:, :, k, 1],
                "cleared_total": totals[:, :, k, 2],
                "queue": funnel[:, :, k, 3],
            }
            for metric in STATION_METRICS:
                table[(metric, str(station))] = cols[metric]
    return table


def run_particle(task: ParticleRun) -> dict[str, Any]:
    """Run a particle's replications; its values at the points and its mean curves.

    Runs in a worker (no pyabc here). Parameters the scenario refuses come back as
    `error` (the particle is rejected), as does any model error.
    """
    from sim.model.world import run
    from sim.scenario.load import validate_source
    from sim.scenario.overlay import apply_set

    try:
        source = _base_source(task.scenario, task.policies)
        for expr in task.sets:
            source = apply_set(source, expr)
        park = validate_source(source, Path(task.scenario))
        traces = [run(park, r) for r in task.replications]
        table = series_table(traces)
        values = []
        for metric, group, day in task.points:
            arr = table.get((metric, group))
            v = float(np.mean(arr[:, day])) if arr is not None and day < arr.shape[1] else math.nan
            values.append(v if math.isfinite(v) else None)
        curves = {
            curve_key(m, g): [x if math.isfinite(x) else None for x in table[(m, g)].mean(axis=0)]
            for m, g in task.curves
            if (m, g) in table
        }
    except ScenarioError as e:
        return {"key": task.key, "error": "; ".join(str(p) for p in e.problems)}
    except Exception as e:
        return {"key": task.key, "error": f"{type(e).__name__}: {e}"}
    return {"key": task.key, "values": values, "curves": curves, "error": None}


# --------------------------------------------------------------------------- seeds


def _state(seed: int, *key: int, n: int = 5) -> np.ndarray:
    return np.random.SeedSequence(seed, spawn_key=key).generate_state(n)


def replication_numbers(cal: Calibration, kind: int, *key: int) -> tuple[int, ...]:
    """Replications a particle runs: 0..n-1 with common random numbers, else drawn
    (31-bit numbers) from its own spawn key."""
    k = cal.settings.replications
    if cal.settings.common_random_numbers:
        return tuple(range(k))
    return tuple(int(x >> 1) for x in _state(cal.seed, kind, *key, n=k))


# --------------------------------------------------------------------------- distance


class ScaledDistance:
    """Distance between a particle's values and the fitted observations: each error over
    the observation's uncertainty, then root mean square (`rmse`) or mean absolute (`mae`).

    In a joint calibration each case's mean (of the squared or absolute scaled errors)
    is taken first, then the mean over the cases with fitted observations, so that every
    case weighs the same however many observations it has: `rmse` is
    sqrt(mean over cases of each case's mean squared scaled error), `mae` the mean over
    cases of each case's mean absolute scaled error. With one case both are the plain
    ones."""

    def __init__(self, observations: Sequence[Observation], kind: str) -> None:
        self.observed = np.array([o.value for o in observations], dtype=float)
        self.scale = np.array([o.uncertainty for o in observations], dtype=float)
        self.kind = kind
        cases = list(dict.fromkeys(o.case for o in observations))
        self.groups = [
            np.array([k for k, o in enumerate(observations) if o.case == c]) for c in cases
        ]

    def __call__(self, x: Mapping[str, Any], x_0: Mapping[str, Any]) -> float:
        y = np.asarray(x["y"], dtype=float)
        if y.shape != self.observed.shape or not np.all(np.isfinite(y)):
            return math.inf
        z = (y - self.observed) / self.scale
        if len(self.groups) > 1:
            each = [np.abs(z[g]) if self.kind == "mae" else z[g] ** 2 for g in self.groups]
            mean = float(np.mean([np.mean(e) for e in each]))
            return mean if self.kind == "mae" else math.sqrt(mean)
        if self.kind == "mae":
            return float(np.mean(np.abs(z)))
        return float(np.sqrt(np.mean(z**2)))


# --------------------------------------------------------------------------- inference


@dataclass
class Inference:
    """What the ABC-SMC run did (for calibration.json and the terminal)."""

    generations: list[dict[str, Any]] = field(default_factory=list)
    """Per generation: t, epsilon, accepted, model runs, acceptance rate, ESS."""
    stop: str = ""
    model_runs_now: int = 0
    failed_runs_now: int = 0
    first_error: str | None = None


def _task(
    cal: Calibration, key: str, values: Sequence[float], reps: tuple[int, ...], case: Case
) -> ParticleRun:
    """The run of one case for a particle: its values at the case's fitted observations."""
    return ParticleRun(
        key=key,
        scenario=str(case.scenario),
        policies=tuple(str(p) for p in case.policies),
        sets=cal.sets_for(values, case),
        replications=reps,
        points=tuple((o.metric, o.group, o.day) for o in cal.fitted if o.case == case.id),
    )


def fitted_cases(cal: Calibration) -> tuple[Case, ...]:
    """The cases with fitted observations: the ones a particle runs (a case whose
    observations are all held out adds nothing to the distance, and runs only for the
    posterior predictive)."""
    fitted = {o.case for o in cal.fitted}
    return tuple(c for c in cal.cases if c.id in fitted)


def _names(cal: Calibration) -> list[str]:
    """pyabc's names of the parameters (p0, p1, ...: plain identifiers)."""
    return [f"p{k}" for k in range(len(cal.parameters))]


def _prior(cal: Calibration) -> Any:
    import pyabc

    out = {}
    for name, p in zip(_names(cal), cal.parameters, strict=True):
        kind, args, kwargs = p.the_prior.scipy()
        out[name] = pyabc.RV(kind, *args, **kwargs)
    return pyabc.Distribution(**out)


def _stopped(cal: Calibration, history: Any) -> str:
    """Why the calibration is finished, from what `history.db` holds ('' if not)."""
    if history is None or history.n_populations == 0:
        return ""
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    t = int(pops.t.max())
    eps = float(pops[pops.t == t].epsilon.iloc[0])
    s = cal.settings
    if t + 1 >= s.generations:
        return f"{t + 1} generation(s), the most asked for"
    if eps <= s.min_epsilon:
        return f"epsilon {eps:.4g} reached min_epsilon {s.min_epsilon:g}"
    if int(history.total_nr_simulations) >= s.max_simulations:
        return f"{int(history.total_nr_simulations)} model runs reached max_simulations"
    return ""


def _history(db: Path) -> Any:
    import pyabc

    if not db.is_file():
        return None
    return pyabc.History(f"sqlite:///{db}")


def infer(
    cal: Calibration,
    db: Path,
    executor: Executor,
    progress: Progress | None = None,
    in_flight: int = 4,
) -> Inference:
    """Run generations until a stopping rule holds, one `ABCSMC.run` generation at a time
    on a fresh load of `db` (see the module doc); returns what was done."""
    import pyabc

    from sim.experiment.abc_replay import CachedModel, ReplaySampler, seed_globals

    for name in ("ABC", "ABC.History", "ABC.Distance", "ABC.Epsilon", "ABC.Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    info = Inference()
    names = _names(cal)
    distance = ScaledDistance(cal.fitted, cal.settings.distance)
    observed = {"y": np.array([o.value for o in cal.fitted], dtype=float)}
    successes = [0]
    complete = [0]
    """Runs with a value at every fitted observation (else the distance is infinite)."""
    empty = np.zeros(len(cal.fitted), dtype=int)
    """Per fitted observation, successful runs that had no value there."""

    cases = fitted_cases(cal)

    def run_batch(batch: Sequence[tuple[tuple[int, int, int], dict[str, float]]]) -> dict:
        tasks = {}
        for key, params in batch:
            values = [params[n] for n in names]
            reps = replication_numbers(cal, REPLICATIONS, *key)
            label = f"g{key[0]:04d}-t{key[1]:05d}-a{key[2]:04d}"
            for k, case in enumerate(cases):
                name = f"{label}-c{k:02d}" if cal.joint else label
                tasks[name] = (key, k, reps, _task(cal, name, values, reps, case))
        parts: dict[tuple[int, int, int], dict[int, Any]] = {}
        failed: dict[tuple[int, int, int], bool] = {}
        for task, value, error in executor.map_unordered(
            run_particle, [t for *_, t in tasks.values()], key=lambda t: t.key
        ):
            key, k, reps, _ = tasks[task.key]
            if error is None and value.get("error") is None:
                parts.setdefault(key, {})[k] = [
                    math.nan if v is None else v for v in value["values"]
                ]
            else:
                failed[key] = True
                info.first_error = info.first_error or (error or value.get("error"))
        out = {}
        for key, _ in batch:
            reps = replication_numbers(cal, REPLICATIONS, *key)
            info.model_runs_now += 1
            if not failed.get(key):
                successes[0] += 1
                y = [v for k in range(len(cases)) for v in parts[key][k]]
                missing = np.isnan(np.array(y, dtype=float))
                empty[:] += missing
                complete[0] += not missing.any()
            else:
                info.failed_runs_now += 1
                y = [math.nan] * len(cal.fitted)
            out[key] = {"y": np.array(y, dtype=float), "replications": np.array(reps)}
        if successes[0] == 0 and info.failed_runs_now >= MAX_FAILURES_WITHOUT_SUCCESS:
            raise CalibrationError(
                f"the first {info.failed_runs_now} model runs all failed; the first said: "
                f"{info.first_error}"
            )
        if complete[0] == 0 and successes[0] >= MAX_FAILURES_WITHOUT_SUCCESS:
            never = [o.id for o, k in zip(cal.fitted, empty, strict=True) if k == successes[0]]
            raise CalibrationError(
                f"the model gave no value at the observation(s) {', '.join(never)} in any of "
                f"{successes[0]} runs (a series that is empty on that day, such as "
                "review_wait_days on a day without reviews); no particle can ever be accepted"
            )
        return out

    def seeder(key: tuple[int, int, int]) -> None:
        seed_globals(_state(cal.seed, PROPOSAL, *key))

    while True:
        history = _history(db)
        info.stop = _stopped(cal, history)
        if info.stop:
            break
        model = CachedModel()

        def round_done(t: int, done: int, n: int, attempts: int) -> None:
            if progress:
                stage = "calibration sample" if t < 0 else f"generation {t}"
                progress(stage, done, n, info.model_runs_now)

        sampler = ReplaySampler(
            model, run_batch, seeder, in_flight=in_flight, round_done=round_done
        )
        abc = pyabc.ABCSMC(
            model,
            _prior(cal),
            distance,
            population_size=cal.settings.population_size,
            sampler=sampler,
            eps=pyabc.MedianEpsilon(),
            transitions=pyabc.MultivariateNormalTransition(),
        )
        url = f"sqlite:///{db}"
        if history is None or history.n_populations == 0:
            db.unlink(missing_ok=True)  # a first generation cut short: start it again
            abc.new(url, observed)
            t = 0
        else:
            abc.load(url, 1)
            t = history.max_t + 1
        seed_globals(_state(cal.seed, DRIVER, t))
        abc.run(max_nr_populations=1)
    info.generations = generations(history)
    return info


def generations(history: Any) -> list[dict[str, Any]]:
    """Per generation: t, epsilon, particles, model runs, acceptance rate, effective
    sample size of the weights."""
    out = []
    if history is None:
        return out
    pops = history.get_all_populations()
    for row in pops.itertuples():
        if row.t < 0:
            continue
        _, w = history.get_distribution(0, int(row.t))
        w = np.asarray(w, dtype=float)
        out.append(
            {
                "t": int(row.t),
                "epsilon": float(row.epsilon),
                "particles": int(row.particles),
                "model_runs": int(row.samples),
                "acceptance_rate": float(row.particles) / float(row.samples),
                "ess": float(w.sum() ** 2 / (w**2).sum()),
            }
        )
    return out


# --------------------------------------------------------------------------- posterior


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | Sequence[float]) -> Any:
    """Quantiles of a weighted sample (weights at the midpoints of the cumulative weight)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cw, x)


def posterior_rows(cal: Calibration, db: Path) -> list[dict[str, Any]]:
    """Every particle of every generation: generation, particle, weight, distance, the
    drawn value of each parameter (and the value set, for whole-number ones), and the
    replications it ran."""
    history = _history(db)
    rows = []
    names = _names(cal)
    for t in range(history.n_populations):
        pop = history.get_population(t)
        for k, p in enumerate(pop.particles):
            row: dict[str, Any] = {
                "generation": t,
                "particle": k,
                "weight": float(p.weight),
                "distance": float(p.distance),
            }
            for name, par in zip(names, cal.parameters, strict=True):
                theta = float(p.parameter[name])
                row[par.label] = theta
                if par.integer:
                    row[f"{par.label}.set"] = par.value(theta)
            reps = p.sum_stat.get("replications")
            row["replications"] = (
                " ".join(str(int(r)) for r in np.atleast_1d(reps)) if reps is not None else ""
            )
            rows.append(row)
    return rows


def summarise(cal: Calibration, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per parameter, over the last generation by weight: median, mean, sd, 90 % interval,
    and the value `calibrated.yaml` sets (the median to 4 significant digits, or to a
    whole number for whole-number parameters)."""
    last = max(r["generation"] for r in rows)
    final = [r for r in rows if r["generation"] == last]
    w = np.array([r["weight"] for r in final])
    out = []
    for i, p in enumerate(cal.parameters):
        x = np.array([r[p.label] for r in final])
        q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        mean = float(np.average(x, weights=w))
        lo, hi = p.the_prior.support()
        out.append(
            {
                "name": p.label,
                "paths": list(p.paths),
                **({"cases": _applies(cal, i)} if cal.joint else {}),
                "prior": p.the_prior.model_dump(mode="json", by_alias=True, exclude_none=True),
                "prior_range": [lo, hi],
                "median": float(q50),
                "mean": mean,
                "sd": float(np.sqrt(np.average((x - mean) ** 2, weights=w))),
                "ci90": [float(q05), float(q95)],
                "calibrated": p.value(float(f"{q50:.4g}")),
            }
        )
    return out


def _applies(cal: Calibration, i: int) -> dict[str, list[str]]:
    """Joint calibrations: case → the key paths parameter i sets there (only the cases
    it applies to)."""
    return {c.id: list(c.paths[i]) for c in cal.cases if c.paths[i]}


# --------------------------------------------------------------------------- predictive


def predictive(
    cal: Calibration,
    rows: Sequence[Mapping[str, Any]],
    executor: Executor,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run `predictive_draws` particles drawn from the posterior by weight, in every case;
    returns one row per draw with its particle, values and, by (case, curve key), the
    curves of every observed series (the case is "" in a one-scenario calibration)."""
    last = max(r["generation"] for r in rows)
    final = [r for r in rows if r["generation"] == last]
    w = np.array([r["weight"] for r in final], dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(PREDICTIVE_PICK,)))
    picks = rng.choice(len(final), size=cal.settings.predictive_draws, p=w / w.sum())
    tasks = []
    for d, k in enumerate(picks):
        values = [final[int(k)][p.label] for p in cal.parameters]
        reps = replication_numbers(cal, PREDICTIVE_RUN, d)
        for c, case in enumerate(cal.cases):
            series = tuple(dict.fromkeys(o.series for o in cal.observations if o.case == case.id))
            task = ParticleRun(
                key=f"predictive-{d:05d}-c{c:02d}" if cal.joint else f"predictive-{d:05d}",
                scenario=str(case.scenario),
                policies=tuple(str(p) for p in case.policies),
                sets=cal.sets_for(values, case),
                replications=reps,
                curves=series,
            )
            tasks.append((d, int(k), reps, case.id, task))
    by_key = {t.key: (d, k, reps, case) for d, k, reps, case, t in tasks}
    out: dict[int, dict[str, Any]] = {}
    if progress:
        progress("predictive", 0, len(picks), 0)
    done = 0
    for task, value, error in executor.map_unordered(
        run_particle, [t for *_, t in tasks], key=lambda t: t.key
    ):
        d, k, reps, case = by_key[task.key]
        draw = out.setdefault(
            d,
            {"draw": d, "particle": k, "replications": reps, "curves": {}, "error": None, "_n": 0},
        )
        problem = error or value.get("error")
        if problem:
            draw["error"] = draw["error"] or problem
        else:
            for key, curve in value["curves"].items():
                draw["curves"][(case, key)] = curve
        draw["_n"] += 1
        if draw["_n"] == len(cal.cases):
            done += 1
            if progress:
                progress("predictive", done, len(picks), done)
    result = []
    for d in sorted(out):
        draw = out[d]
        del draw["_n"]
        if draw["error"]:
            draw["curves"] = {}
        else:  # in case, then series, order: as the observations name them
            order: dict[tuple[str, str], int] = {}
            for c in cal.cases:
                for o in cal.observations:
                    if o.case == c.id:
                        order.setdefault((c.id, curve_key(*o.series)), len(order))
            draw["curves"] = dict(sorted(draw["curves"].items(), key=lambda kv: order[kv[0]]))
        result.append(draw)
    return result


def observation_table(cal: Calibration, draws: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per observation: observed, simulated median and 90 % band over the predictive
    draws, error (median − observed), and whether the observation lies in the band (and,
    in a joint calibration, its case first)."""
    out = []
    for o in cal.observations:
        key = (o.case, curve_key(o.metric, o.group))
        sims = np.array(
            [v for d in draws if key in d["curves"] and (v := d["curves"][key][o.day]) is not None],
            dtype=float,
        )
        med = lo = hi = err = None
        inside = None
        if len(sims):
            lo, med, hi = (float(v) for v in np.quantile(sims, [0.05, 0.5, 0.95]))
            err = med - o.value
            inside = lo <= o.value <= hi
        out.append(
            {
                **({"case": o.case} if cal.joint else {}),
                "id": o.id,
                "role": "held_out" if o.held_out else "fit",
                "date": o.date.isoformat() if o.date else None,
                "day": o.day,
                "metric": o.metric,
                "group": o.group,
                "observed": o.value,
                "uncertainty": o.uncertainty,
                "simulated_median": med,
                "simulated_p05": lo,
                "simulated_p95": hi,
                "error": err,
                "abs_error": None if err is None else abs(err),
                "error_in_uncertainties": None if err is None else err / o.uncertainty,
                "in_band_90": inside,
                "draws": len(sims),
                "label": o.label,
                "source": o.source,
            }
        )
    return out


def case_table(cal: Calibration, table: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Joint calibrations: per case, how the shared set (and the case's own parameters)
    fit it — the distance at the posterior predictive medians of its fitted observations
    (in the calibration's `distance`, in units of their uncertainty), how many lie in
    their 90 % band, and the same for its held-out observations (out of sample)."""
    out = []
    for c in cal.cases:
        rows = [r for r in table if r.get("case") == c.id]
        entry: dict[str, Any] = {
            "case": c.id,
            "scenario": c.base.scenario.name,
            "parameters": ", ".join(
                p.label for p, paths in zip(cal.parameters, c.paths, strict=True) if paths
            ),
        }
        for role, name in (("fit", "fitted"), ("held_out", "held_out")):
            mine = [r for r in rows if r["role"] == role]
            z = [
                r["error_in_uncertainties"] for r in mine if r["error_in_uncertainties"] is not None
            ]
            entry[name] = len(mine)
            entry[f"{name}_distance"] = (
                None
                if not z
                else float(np.mean(np.abs(z)))
                if cal.settings.distance == "mae"
                else math.sqrt(float(np.mean(np.square(z))))
            )
            entry[f"{name}_in_band_90"] = sum(1 for r in mine if r["in_band_90"])
        out.append(entry)
    return out


# --------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class CalibrationResult:
    """What a call of `run_calibration` did."""

    folder: Path
    stop: str
    generations: int
    model_runs_now: int
    wall_seconds: float
    already_complete: bool


def _case_entry(cal: Calibration, case: Case) -> dict[str, Any]:
    sc = case.base.scenario
    return {
        "id": case.id,
        "scenario": str(case.scenario),
        "scenario_name": sc.name,
        "policies": [str(p) for p in case.policies],
        "set": list(case.base_sets),
        "start_date": sc.start_date.isoformat() if sc.start_date else None,
        "days": sc.days,
        "fitted": sum(1 for o in cal.fitted if o.case == case.id),
        "held_out": sum(1 for o in cal.held_out if o.case == case.id),
    }


def describe(cal: Calibration) -> dict[str, Any]:
    """`calibration.json` before any result: what is calibrated, how, and its identity.
    A joint calibration has `cases` (each with its scenario, dates and observation
    counts) and no single `scenario`."""
    sc = cal.base.scenario
    if cal.joint:
        head: dict[str, Any] = {
            "scenario": None,
            "scenario_name": None,
            "cases": [_case_entry(cal, c) for c in cal.cases],
            "days": max(c.base.scenario.days for c in cal.cases),
        }
    else:
        head = {
            "scenario": str(cal.scenario),
            "scenario_name": sc.name,
            "policies": [str(p) for p in cal.policies],
            "set": list(cal.base_sets),
            "start_date": sc.start_date.isoformat() if sc.start_date else None,
            "days": sc.days,
        }
    return {
        "name": cal.spec.name,
        "description": cal.spec.description,
        "sha256": cal.sha256,
        "calibration_file": str(cal.file),
        **head,
        "seed": cal.seed,
        "quick": cal.quick,
        "settings": cal.settings.model_dump(mode="json"),
        "parameters": [
            {
                "name": p.label,
                "paths": list(p.paths),
                "prior": p.the_prior.model_dump(mode="json", by_alias=True, exclude_none=True),
                "prior_range": list(p.the_prior.support()),
                "integer": p.integer,
                **({"truth": p.truth} if p.truth is not None else {}),
                **({"cases": _applies(cal, i)} if cal.joint else {}),
            }
            for i, p in enumerate(cal.parameters)
        ],
        "observations": [
            {
                **({"case": o.case} if cal.joint else {}),
                "id": o.id,
                "role": "held_out" if o.held_out else "fit",
                "date": o.date.isoformat() if o.date else None,
                "day": o.day,
                "metric": o.metric,
                "group": o.group,
                "value": o.value,
                "uncertainty": o.uncertainty,
                "label": o.label,
                "source": o.source,
                "from": o.origin,
            }
            for o in cal.observations
        ],
        "spawn_scheme": "numpy SeedSequence(seed, spawn_key=(0, generation+1, task, attempt)) "
        "for proposals, (1, generation+1, task, attempt) for a particle's replication numbers "
        "(or 0..n-1 with common_random_numbers), (2,) for picking predictive draws, "
        "(3, draw) for their replications; the model's own streams are "
        "SeedSequence(scenario seed, spawn_key=(replication, mechanism_index))"
        + (
            "; in a joint calibration every case of a particle or draw runs the same "
            "replication numbers, each with its own scenario's seed"
            if cal.joint
            else ""
        ),
    }


def run_calibration(
    cal: Calibration,
    out: Path,
    executor: Executor,
    *,
    fresh: bool = False,
    plots: bool = True,
    progress: Progress | None = None,
    force: bool = False,
    in_flight: int | None = None,
) -> CalibrationResult:
    """Run (or resume) the calibration in folder `out` and write its results; see the
    module doc. Raises FolderError before anything runs when `out` is not ours."""
    from sim.output.calibration import CalibrationStore
    from sim.output.folder import CALIBRATION, claim

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    with claim(out, CALIBRATION, force=force):
        store = CalibrationStore.open(out, describe(cal), fresh=fresh)
        db = store.folder / DB
        if store.complete and _stopped(cal, _history(db)):
            return CalibrationResult(
                out, _stopped(cal, _history(db)), _history(db).n_populations, 0, 0.0, True
            )
        store.unfinish()
        workers = getattr(executor, "workers", None) or getattr(executor, "threads", lambda: 1)()
        info = infer(cal, db, executor, progress, in_flight or 4 * max(1, int(workers)))
        rows = posterior_rows(cal, db)
        summary = summarise(cal, rows)
        draws = predictive(cal, rows, executor, progress)
        table = observation_table(cal, draws)
        wall = time.perf_counter() - t0
        result = {
            **describe(cal),
            "stop": info.stop,
            "generations": info.generations,
            "posterior": summary,
            **({"case_fit": case_table(cal, table)} if cal.joint else {}),
            "model_runs": int(sum(g["model_runs"] for g in info.generations)),
            "model_runs_this_session": info.model_runs_now,
            "failed_runs_this_session": info.failed_runs_now,
            "first_error": info.first_error,
            "predictive_draws": len(draws),
            "failed_predictive_draws": sum(1 for d in draws if d["error"]),
        }
        store.finish(
            cal,
            result,
            rows,
            draws,
            table,
            started=started,
            executor=executor.describe(),
            wall_seconds=wall,
            plots=plots,
        )
    return CalibrationResult(
        out, info.stop, len(info.generations), info.model_runs_now, round(wall, 3), False
    )
