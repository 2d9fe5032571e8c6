"""The distribution syntax: parsing, sampling, quantiles, bounds and bad parameters."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
import pytest
from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError

from sim.scenario.dists import (
    Choice,
    Dist,
    Exponential,
    Fixed,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    bounded,
    dist_max,
    dist_min,
    dist_top,
    fixed,
    quantile,
)
from sim.scenario.schema import Reopening

DIST = TypeAdapter(Dist)
N = 200_000


def parse(value: object) -> object:
    return DIST.validate_python(value)


def draws(d: object, seed: int = 12345, n: int = N) -> np.ndarray:
    return d.sample(np.random.default_rng(seed), n)  # type: ignore[attr-defined]


# kind, YAML-style value, class, exact mean, support (lo, hi), median
CASES = [
    ("fixed", 2.5, Fixed, 2.5, (2.5, 2.5), 2.5),
    ("uniform", {"uniform": {"from": 1, "to": 3}}, Uniform, 2.0, (1, 3), 2.0),
    (
        "triangular",
        {"triangular": {"from": 1, "mode": 2, "to": 6}},
        Triangular,
        3.0,
        (1, 6),
        6 - math.sqrt(0.5 * 5 * 4),  # mode below the middle: hi - sqrt((hi-lo)(hi-mode)/2)
    ),
    ("normal", {"normal": {"mean": 2, "sd": 0.5}}, Normal, 2.0, (-math.inf, math.inf), 2.0),
    (
        "lognormal",
        {"lognormal": {"median": 2, "sigma": 0.4}},
        Lognormal,
        2 * math.exp(0.08),
        (0, math.inf),
        2.0,
    ),
    ("exponential", {"exponential": {"mean": 2}}, Exponential, 2.0, (0, math.inf), 2 * math.log(2)),
    (
        "choice",
        {"choice": {"values": [1, 2, 7], "weights": [0.4, 0.4, 0.2]}},
        Choice,
        0.4 + 0.8 + 1.4,
        (1, 7),
        2.0,
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("kind", "value", "cls", "mean", "support", "median"), CASES, ids=IDS)
def test_every_kind_parses_to_its_class(kind, value, cls, mean, support, median) -> None:
    d = parse(value)
    assert isinstance(d, cls)
    assert d.mean == pytest.approx(mean)
    assert (dist_min(d), dist_max(d)) == pytest.approx(support)


@pytest.mark.parametrize(("kind", "value", "cls", "mean", "support", "median"), CASES, ids=IDS)
def test_samples_stay_in_support_and_average_to_the_mean(
    kind, value, cls, mean, support, median
) -> None:
    d = parse(value)
    x = draws(d)
    assert x.shape == (N,)
    assert x.dtype == float
    lo, hi = support
    assert x.min() >= lo
    assert x.max() <= hi
    sd = max(float(np.std(x)), 1e-9)
    assert abs(x.mean() - mean) < 5 * sd / math.sqrt(N) + 1e-12


@pytest.mark.parametrize(("kind", "value", "cls", "mean", "support", "median"), CASES, ids=IDS)
def test_sampling_is_reproducible_for_a_seed(kind, value, cls, mean, support, median) -> None:
    d = parse(value)
    assert np.array_equal(draws(d, seed=3, n=50), draws(d, seed=3, n=50))
    if kind != "fixed":
        assert not np.array_equal(draws(d, seed=3, n=50), draws(d, seed=4, n=50))


def test_fixed_draws_nothing_from_the_stream() -> None:
    rng = np.random.default_rng(5)
    fixed(4).sample(rng, 10)
    assert rng.random() == np.random.default_rng(5).random()


@pytest.mark.parametrize(("kind", "value", "cls", "mean", "support", "median"), CASES, ids=IDS)
def test_quantile_median_matches(kind, value, cls, mean, support, median) -> None:
    d = parse(value)
    assert quantile(d, np.array([0.5]))[0] == pytest.approx(median)


@pytest.mark.parametrize(("kind", "value", "cls", "mean", "support", "median"), CASES, ids=IDS)
def test_quantile_agrees_with_sampling(kind, value, cls, mean, support, median) -> None:
    d = parse(value)
    u = np.random.default_rng(99).random(N)
    q = quantile(d, u)
    assert q.shape == (N,)
    assert np.all(np.diff(quantile(d, np.sort(u))) >= 0)  # monotone in u
    x = draws(d)
    sd = max(float(np.std(x)), 1e-9)
    assert abs(q.mean() - mean) < 5 * sd / math.sqrt(N) + 1e-12
    for p in (0.1, 0.25, 0.75, 0.9):  # same distribution: the sample quantiles agree
        assert np.quantile(q, p) == pytest.approx(np.quantile(x, p), abs=0.03 * sd + 1e-12)


def test_quantile_bounds() -> None:
    ends = np.array([0.0, 1.0])
    assert list(quantile(parse({"uniform": {"from": 1, "to": 3}}), ends)) == [1, 3]
    tri = parse({"triangular": {"from": 1, "mode": 2, "to": 6}})
    assert list(quantile(tri, ends)) == pytest.approx([1, 6])
    assert quantile(tri, np.array([0.2]))[0] == pytest.approx(2)  # F(mode) = (2-1)/(6-1)
    clipped = parse({"normal": {"mean": 2, "sd": 1, "min": 0, "max": 3}})
    assert list(quantile(clipped, np.array([1e-9, 0.5, 1 - 1e-9]))) == pytest.approx([0, 2, 3])
    assert quantile(parse({"exponential": {"mean": 2}}), np.array([0.0]))[0] == 0
    choice = parse({"choice": {"values": [1, 2, 7], "weights": [0.5, 0.3, 0.2]}})
    got = quantile(choice, np.array([0.0, 0.49, 0.5, 0.79, 0.8, 0.999]))
    assert list(got) == [1, 1, 2, 2, 7, 7]


def test_choice_frequencies_follow_weights_and_skip_zero_weights() -> None:
    d = parse({"choice": {"values": [1, 2, 7], "weights": [1, 0, 3]}})
    for x in (draws(d), quantile(d, np.random.default_rng(1).random(N))):
        assert not np.any(x == 2)
        assert np.mean(x == 7) == pytest.approx(0.75, abs=0.01)
    equal = parse({"choice": {"values": [4, 8]}})
    assert equal.mean == 6
    assert np.mean(draws(equal) == 8) == pytest.approx(0.5, abs=0.01)


def test_degenerate_distributions_are_constants() -> None:
    tri = parse({"triangular": {"from": 2, "mode": 2, "to": 2}})
    assert set(draws(tri, n=10)) == {2}
    assert list(quantile(tri, np.array([0.1, 0.9]))) == [2, 2]
    flat = parse({"normal": {"mean": 3, "sd": 0}})
    assert list(quantile(flat, np.array([0.1, 0.9]))) == [3, 3]
    assert set(draws(parse({"lognormal": {"median": 2, "sigma": 0}}), n=10)) == {2}


def test_normal_min_max_clip_samples() -> None:
    x = draws(parse({"normal": {"mean": 0.5, "sd": 2, "min": 0, "max": 1}}))
    assert x.min() == 0
    assert x.max() == 1
    assert 0.3 < np.mean(x == 0) < 0.45


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ({"uniform": {"from": 3, "to": 1}}, "must not be below `from`"),
        ({"triangular": {"from": 1, "mode": 5, "to": 3}}, "from <= mode <= to"),
        ({"triangular": {"from": 1, "mode": 0, "to": 3}}, "from <= mode <= to"),
        ({"normal": {"mean": 1, "sd": -0.1}}, "greater than or equal to 0"),
        ({"normal": {"mean": 1, "sd": 1, "min": 2, "max": 1}}, "must not be below `min`"),
        ({"lognormal": {"median": 2, "sigma": -0.1}}, "greater than or equal to 0"),
        ({"lognormal": {"median": 0, "sigma": 1}}, "greater than 0"),
        ({"exponential": {"mean": 0}}, "greater than 0"),
        ({"choice": {"values": [1, 2], "weights": [1]}}, "1 weights for 2 values"),
        ({"choice": {"values": [1, 2], "weights": [0, 0]}}, "must not all be zero"),
        ({"choice": {"values": [1, 2], "weights": [2, -1]}}, "greater than or equal to 0"),
        ({"choice": {"values": []}}, "at least 1 item"),
        ({"gamma": {"shape": 2}}, "expected a number or a distribution"),
        ({"uniform": {"from": 1, "to": 2}, "normal": {"mean": 1, "sd": 1}}, "expected a number"),
        ({"uniform": {"from": 1, "to": 2, "mode": 3}}, "Extra inputs are not permitted"),
        ({"uniform": {"from": 1}}, "Field required"),
        ("3", "expected a number or a distribution"),
        (None, "expected a number or a distribution"),
        ([1, 2], "expected a number or a distribution"),
        (True, "expected a number or a distribution"),
        (False, "expected a number or a distribution"),
        (math.nan, "finite number"),
        (math.inf, "finite number"),
        (-math.inf, "finite number"),
        ({"uniform": {"from": 0, "to": math.inf}}, "finite number"),
        ({"normal": {"mean": math.nan, "sd": 1}}, "finite number"),
        ({"choice": {"values": [1, math.nan]}}, "finite number"),
        # issue 13: the sum overflowed to inf; sampling divided by it (NaN) at run time
        ({"choice": {"values": [1, 2], "weights": [1e308, 1e308]}}, "scale them down"),
        ({"uniform": {"from": True, "to": 2}}, "not true or false"),
        ({"choice": {"values": [1, True]}}, "item 1 should be a number"),
    ],
)
def test_bad_parameters_are_rejected(value: object, needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse(value)
    assert needle in str(info.value)


def test_integers_and_floats_are_fixed() -> None:
    assert parse(3) == Fixed(value=3)
    assert parse(0) == Fixed(value=0)
    assert parse(-1.5).mean == -1.5


def _field(check: Callable[[Any], Any]) -> type[BaseModel]:
    class M(BaseModel):
        x: Annotated[Dist, AfterValidator(check)]

    return M


def test_bounded_rejects_an_unclipped_normal_for_non_negative_fields() -> None:
    model = _field(bounded(0))
    with pytest.raises(ValidationError, match=r"down to -inf.*add `min:` to the normal"):
        model(x={"normal": {"mean": 5, "sd": 1}})
    assert model(x={"normal": {"mean": 5, "sd": 1, "min": 0}}).x.normal.min == 0
    with pytest.raises(ValidationError, match="below the allowed minimum 0"):
        model(x={"uniform": {"from": -1, "to": 2}})
    with pytest.raises(ValidationError, match="below the allowed minimum 0"):
        model(x=-0.5)
    for ok in (0, {"lognormal": {"median": 1, "sigma": 1}}, {"exponential": {"mean": 1}}):
        model(x=ok)


def test_bounded_checks_the_upper_end_for_shares() -> None:
    model = _field(bounded(0, 1))
    with pytest.raises(ValidationError, match=r"up to inf.*add `max:` to the normal"):
        model(x={"normal": {"mean": 0.5, "sd": 0.1, "min": 0}})
    with pytest.raises(ValidationError, match="above the allowed maximum 1"):
        model(x={"lognormal": {"median": 0.5, "sigma": 0.1}})
    with pytest.raises(ValidationError, match="above the allowed maximum 1"):
        model(x={"choice": {"values": [0.5, 1.5]}})
    assert model(x={"triangular": {"from": 0, "mode": 1, "to": 1}}).x.mean == pytest.approx(2 / 3)


def test_schema_fields_reject_negative_delays() -> None:
    with pytest.raises(ValidationError, match="add `min:` to the normal"):
        Reopening(review_days={"normal": {"mean": 1, "sd": 1}})
    assert Reopening(review_days={"normal": {"mean": 1, "sd": 1, "min": 0}}).review_days.mean == 1


def test_fixed_dumps_as_a_bare_number() -> None:
    assert fixed(2).model_dump() == 2.0
    assert fixed(2).model_dump_json() == "2.0"
    assert DIST.dump_python(parse(7)) == 7.0
    dumped = Reopening(review_days=1.5).model_dump(mode="json", by_alias=True)
    assert dumped["review_days"] == 1.5
    assert dumped["rectify_days"] == 3.0  # a default built with fixed()
    tri = Reopening(review_days={"triangular": {"from": 1, "mode": 2, "to": 3}})
    assert tri.model_dump(by_alias=True)["review_days"] == {
        "triangular": {"from": 1.0, "mode": 2.0, "to": 3.0}
    }
    # what is dumped reads back as the same thing
    again = Reopening.model_validate(tri.model_dump(by_alias=True))
    assert again == tri


def test_distributions_are_frozen() -> None:
    d = parse({"uniform": {"from": 1, "to": 2}})
    with pytest.raises(ValidationError):
        d.uniform = None  # type: ignore[misc]


def test_the_largest_finite_weights_sample_and_average() -> None:
    d = parse({"choice": {"values": [1, 3], "weights": [8e307, 8e307]}})
    assert d.mean == 2.0
    x = d.sample(np.random.default_rng(0), 1000)
    assert set(np.unique(x)) == {1.0, 3.0}
    np.testing.assert_array_equal(quantile(d, np.array([0.25, 0.75])), [1.0, 3.0])


# --- one-sided clips, edges of the quantile function, bounds and their messages ---------


def test_a_normal_with_only_min_or_only_max_is_clipped_on_that_side() -> None:
    low = draws(parse({"normal": {"mean": 0, "sd": 1, "min": 0}}), n=1000)
    assert low.min() == 0 and np.mean(low == 0) > 0.4 and low.max() > 1
    high = draws(parse({"normal": {"mean": 0, "sd": 1, "max": 0}}), n=1000)
    assert high.max() == 0 and np.mean(high == 0) > 0.4 and high.min() < -1


def test_quantile_of_a_normal_without_spread_is_its_mean_even_at_u_zero() -> None:
    # u = 0 is a possible uniform; the standard normal's quantile there is -inf, and
    # 0 × -inf is NaN: a flat normal must not go through it
    flat = parse({"normal": {"mean": 3, "sd": 0}})
    assert list(quantile(flat, np.array([0.0, 0.5]))) == [3.0, 3.0]


def test_quantile_of_an_unweighted_choice_near_one_picks_the_last_value() -> None:
    # seven equal weights: the cumulative sum of 1/7 ends at 1 − 2⁻⁵², below the
    # largest uniform below 1; that uniform picks the last value, not past the end
    d = parse({"choice": {"values": [1, 2, 3, 4, 5, 6, 7]}})
    u = np.array([0.0, 1 / 7 - 1e-12, np.nextafter(1.0, 0.0)])
    assert list(quantile(d, u)) == [1.0, 1.0, 7.0]


@pytest.mark.parametrize("fn", [quantile, dist_min, dist_max, dist_top])
def test_an_unknown_distribution_is_named_in_the_type_error(fn: Callable[..., Any]) -> None:
    args = ("gamma(2)", np.array([0.5])) if fn is quantile else ("gamma(2)",)
    with pytest.raises(TypeError, match=r"gamma\(2\)"):
        fn(*args)


def test_distribution_objects_validate_as_themselves() -> None:
    # a default built with fixed(), or a model built in code, is validated again
    for d in (fixed(2), parse({"uniform": {"from": 1, "to": 2}})):
        assert parse(d) == d
    assert Reopening(review_days=fixed(2)).review_days == fixed(2)


def test_dist_min_and_max_of_a_clipped_normal_are_its_clips() -> None:
    d = parse({"normal": {"mean": 1, "sd": 1, "min": -2, "max": 3}})
    assert (dist_min(d), dist_max(d)) == (-2, 3)


def test_dist_top_is_the_far_quantile_of_unbounded_tails_else_the_maximum() -> None:
    z = 7.034484  # standard normal quantile at 1 − 10⁻¹²
    assert dist_top(parse({"normal": {"mean": 2, "sd": 0.5}})) == 2 + z * 0.5
    assert dist_top(parse({"normal": {"mean": 2, "sd": 0.5, "max": 2.5}})) == 2.5
    assert dist_top(parse({"lognormal": {"median": 2, "sigma": 0.5}})) == 2 * math.exp(z * 0.5)
    assert dist_top(parse({"exponential": {"mean": 2}})) == 2 * -math.log(1e-12)
    assert dist_top(parse({"uniform": {"from": 1, "to": 3}})) == 3
    assert dist_top(parse({"choice": {"values": [4, 9]}})) == 9


def test_dist_top_of_a_lognormal_is_inf_from_700_log_units() -> None:
    # z = 7.034484 × sigma: from 700 on (exp overflows at 709.8) the top is inf.
    # sigma = 700 / 7.034484 gives z = 700.0 exactly.
    z = 7.034484
    at = parse({"lognormal": {"median": 1e-300, "sigma": 700 / z}})
    assert z * (700 / z) == 700.0
    assert dist_top(at) == math.inf
    below = parse({"lognormal": {"median": 1e-300, "sigma": 699.5 / z}})
    assert dist_top(below) == pytest.approx(1e-300 * math.exp(699.5))
    assert dist_top(parse({"lognormal": {"median": 1, "sigma": 700.5 / z}})) == math.inf
    assert dist_top(parse({"lognormal": {"median": 1, "sigma": 1000}})) == math.inf


def _refusal(check: Callable[[Any], Any], value: object) -> str:
    with pytest.raises(ValueError) as info:
        check(parse(value))
    return str(info.value)


def test_bounded_messages_suggest_clipping_only_for_a_normal() -> None:
    assert _refusal(bounded(0), {"normal": {"mean": 1, "sd": 1}}) == (
        "can draw values down to -inf, below the allowed minimum 0 (add `min:` to the normal)"
    )
    assert _refusal(bounded(0), {"uniform": {"from": -1, "to": 1}}) == (
        "can draw values down to -1, below the allowed minimum 0"
    )
    assert _refusal(bounded(0, 1), {"normal": {"mean": 0.5, "sd": 1, "min": 0}}) == (
        "can draw values up to inf, above the allowed maximum 1 (add `max:` to the normal)"
    )
    assert _refusal(bounded(0, 1), {"uniform": {"from": 0, "to": 2}}) == (
        "can draw values up to 2, above the allowed maximum 1"
    )


def test_bounded_limit_refuses_a_finite_maximum_above_it_and_accepts_one_at_it() -> None:
    check = bounded(0, limit=100)
    assert _refusal(check, {"uniform": {"from": 0, "to": 101}}) == (
        "can draw values up to 101, above the largest allowed 100"
    )
    at = parse({"uniform": {"from": 0, "to": 100}})
    assert check(at) is at


def test_bounded_limit_judges_an_unbounded_tail_by_its_top() -> None:
    check = bounded(0, limit=100)
    short = parse({"exponential": {"mean": 3}})  # top 3 × 27.63 = 82.9
    assert check(short) is short
    assert _refusal(check, {"exponential": {"mean": 4}}) == (
        "draws values above the largest allowed 100 too often (one draw in 10^12 is above 110.524)"
    )
    assert _refusal(check, {"normal": {"mean": 50, "sd": 10, "min": 0}}) == (
        "draws values above the largest allowed 100 too often (one draw in 10^12 is "
        "above 120.345) (add `max:` to the normal)"
    )
    # a top exactly at the limit is accepted
    tail = parse({"exponential": {"mean": 2}})
    assert bounded(0, limit=dist_top(tail))(tail) is tail
