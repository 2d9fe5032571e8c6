"""Generated links in a region of parks: `from_parks` and `same_park_share` on input rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.expand import Park
from sim.scenario.load import load_scenario


def _classes() -> str:
    out = []
    for p in "abc":
        out.append(
            f"  maker_{p}: {{sector: make, region: z{p}, staff: 10,\n"
            "             baseline_output: {lognormal: {median: 2, sigma: 1}}}\n"
        )
    for p in "abc":
        out.append(
            f"  buyer_{p}:\n    sector: buy\n    region: z{p}\n    baseline_output: 1\n"
            "    staff: 10\n    inputs:\n"
            "      - {good: parts, from_sector: make, links: {uniform: {from: 1, to: 4}},\n"
            "         per_output: 0.1}\n"
            "      - {good: more, from_sector: make, links: 2, per_output: 0.1}\n"
        )
    return "".join(out)


REGION = (
    """\
name: r
seed: 7
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}, {day: 10, level: normal}]}
  - {id: zb}
  - {id: zc}
parks:
  - {id: a, zones: [za]}
  - {id: b, zones: [zb]}
  - {id: c, zones: [zc]}
firm_classes:
"""
    + _classes()
    + """\
generate:
  - {class: maker_a, count: 60, id_prefix: ma}
  - {class: maker_b, count: 40, id_prefix: mb}
  - {class: maker_c, count: 20, id_prefix: mc}
  - {class: buyer_a, count: 300, id_prefix: ba}
  - {class: buyer_b, count: 300, id_prefix: bb}
  - {class: buyer_c, count: 300, id_prefix: bc}
"""
)
"""Three parks of 60, 40 and 20 makers of one size distribution, and 300 buyers each."""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Park:
    return load_scenario(write(tmp_path, text))


def refused(tmp_path: Path, text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, text)
    return info.value


def edit(text: str, **rule: object) -> str:
    """REGION with keys added to the first input rule of the buyers."""
    data = yaml.safe_load(text)
    for cls in ("buyer_a", "buyer_b", "buyer_c"):
        data["firm_classes"][cls]["inputs"][0].update(rule)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def park_of_id(fid: str) -> str:
    """The park of a firm of REGION, from its id prefix (ma0001 → a)."""
    return fid[1]


def links(park: Park, good: str = "parts") -> list[tuple[str, str]]:
    """(buyer's park, source's park) of every link of `good`."""
    return [
        (park_of_id(f.id), park_of_id(s))
        for f in park.firms
        for inp in f.inputs
        if inp.good == good
        for s in inp.sources
    ]


def test_from_parks_restricts_the_sources_to_those_parks(tmp_path: Path) -> None:
    park = load(tmp_path, edit(REGION, from_parks=["b", "c"]))
    got = links(park)
    assert len(got) > 900
    assert {src for _, src in got} == {"b", "c"}
    # the other rule of the same firms still buys anywhere
    assert {src for _, src in links(park, "more")} == {"a", "b", "c"}


def test_from_parks_keeps_the_size_weighting_and_the_number_of_links(tmp_path: Path) -> None:
    plain = load(tmp_path, REGION)
    only_c = load(tmp_path, edit(REGION, from_parks=["c"]))
    for f, g in zip(plain.firms, only_c.firms, strict=True):
        if f.id.startswith("b"):
            (p,) = (i for i in f.inputs if i.good == "parts")
            (q,) = (i for i in g.inputs if i.good == "parts")
            # the same `links` draw, capped only by the candidates (20 makers in c)
            assert len(q.sources) == len(p.sources)
            assert all(s.startswith("mc") for s in q.sources)


@pytest.mark.parametrize("share", [0.0, 0.6, 0.8, 1.0])
def test_same_park_share_is_the_observed_share_of_links_within_the_park(
    tmp_path: Path, share: float
) -> None:
    got = links(load(tmp_path, edit(REGION, same_park_share=share)))
    assert len(got) > 1500
    within = sum(1 for buyer, src in got if buyer == src) / len(got)
    if share in (0.0, 1.0):
        assert within == share
    else:
        # ~2,250 links, each in the own park with the chance given: sd ≈ 0.01; the
        # spill-over (a side with too few candidates) moves it by less than that here
        assert abs(within - share) < 0.04, within


def test_without_the_keys_the_share_is_the_size_weighted_one(tmp_path: Path) -> None:
    # 60 : 40 : 20 makers of the same size distribution: half the links of park a's
    # buyers stay in a, a sixth of park c's stay in c
    got = links(load(tmp_path, REGION))
    for p, expected in (("a", 0.5), ("c", 1 / 6)):
        mine = [src for buyer, src in got if buyer == p]
        assert abs(mine.count(p) / len(mine) - expected) < 0.12


def test_same_park_share_with_from_parks_draws_the_rest_from_those_parks(tmp_path: Path) -> None:
    # park c's buyers have no allowed firm in their own park: a share of 0 for them
    text = edit(REGION, same_park_share=0.5, from_parks=["a", "b"])
    data = yaml.safe_load(text)
    data["firm_classes"]["buyer_c"]["inputs"][0]["same_park_share"] = 0.0
    got = links(load(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert {(buyer, src) for buyer, src in got if buyer != src} == {
        ("a", "b"),
        ("b", "a"),
        ("c", "a"),
        ("c", "b"),
    }


def test_absent_keys_draw_exactly_as_without_parks(tmp_path: Path) -> None:
    data = yaml.safe_load(REGION)
    del data["parks"]
    flat = load(tmp_path, yaml.safe_dump(data, sort_keys=False))
    region = load(tmp_path, REGION)
    assert [f.model_dump() for f in flat.firms] == [f.model_dump() for f in region.firms]


def test_the_keys_on_one_rule_leave_every_other_draw_alone(tmp_path: Path) -> None:
    plain = load(tmp_path, REGION)
    shared = load(tmp_path, edit(REGION, same_park_share=0.9, from_parks=["a", "b", "c"]))
    for f, g in zip(plain.firms, shared.firms, strict=True):
        assert f.model_dump(exclude={"inputs"}) == g.model_dump(exclude={"inputs"})
        assert [i for i in f.inputs if i.good != "parts"] == [
            i for i in g.inputs if i.good != "parts"
        ]
        for p, q in zip(f.inputs, g.inputs, strict=True):
            assert (p.per_output, p.stock_days) == (q.per_output, q.stock_days)


def test_same_park_share_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    text = edit(REGION, same_park_share=0.6)
    assert load(tmp_path, text).firms == load(tmp_path, text).firms
    other = load(tmp_path, text.replace("seed: 7", "seed: 8"))
    assert other.firms != load(tmp_path, text).firms


def test_named_sources_are_drawn_with_the_other_parks(tmp_path: Path) -> None:
    text = edit(REGION, same_park_share=1.0, links=3)
    text = text.replace("- id: zc\n", "- id: zc\n- id: out\n").replace(
        "firm_classes:", "suppliers:\n- {id: sup, region: out, capacity: 1000000}\nfirm_classes:"
    )
    park = load(tmp_path, edit(text, **{"from": ["sup"]}))
    for f in park.firms:
        for inp in f.inputs:
            if inp.good == "parts":
                assert "sup" not in inp.sources  # all three links in the own park
                assert {park_of_id(s) for s in inp.sources} == {park_of_id(f.id)}
    park = load(tmp_path, edit(text, **{"from": ["sup"], "same_park_share": 0.0}))
    with_sup = [f for f in park.firms if any("sup" in i.sources for i in f.inputs)]
    assert len(with_sup) > 800  # a supplier a million strong is nearly always drawn


def one(err: ScenarioError) -> Problem:
    assert len(err.problems) == 1, str(err)
    return err.problems[0]


def test_from_parks_without_firms_of_the_sector_is_located(tmp_path: Path) -> None:
    text = REGION.replace("  - {class: maker_c, count: 20, id_prefix: mc}\n", "")
    data = yaml.safe_load(text)
    data["firm_classes"]["buyer_b"]["inputs"][0]["from_parks"] = ["c"]
    err = refused(tmp_path, yaml.safe_dump(data, sort_keys=False))
    p = one(err)
    assert p.path == ("firm_classes", "buyer_b", "inputs", 0, "from_parks")
    assert p.file is not None and p.file.endswith("region.yaml") and p.line is not None
    assert "no firm of sector 'make' is in park 'c'" in p.message


def test_a_share_in_the_own_park_without_firms_there_is_located(tmp_path: Path) -> None:
    text = REGION.replace("  - {class: maker_c, count: 20, id_prefix: mc}\n", "")
    p = one(refused(tmp_path, edit(text, same_park_share=0.7)))
    assert p.path == ("firm_classes", "buyer_c", "inputs", 0, "same_park_share")
    assert p.line is not None
    assert "no firm of sector 'make' is in park 'c'" in p.message
    assert "a share 0.7 of the sources should be in the firm's own park" in p.message
    # a share of 0 needs no firm there
    assert load(tmp_path, edit(text, same_park_share=0.0)).firms


def test_a_share_outside_the_park_without_firms_elsewhere_is_located(tmp_path: Path) -> None:
    problems = refused(tmp_path, edit(REGION, same_park_share=0.7, from_parks=["a"])).problems
    why = {p.path[1]: p.message for p in problems}
    assert all(p.path[2:] == ("inputs", 0, "same_park_share") for p in problems)
    assert all(p.line is not None for p in problems)
    assert set(why) == {"buyer_a", "buyer_b", "buyer_c"}
    assert "a share 0.3 of the sources should be outside the firm's own park" in why["buyer_a"]
    assert "no firm of sector 'make' is in the parks of `from_parks`" in why["buyer_a"]
    # buyers of b and c: their own park is not among those allowed
    assert "park 'b' is not in `from_parks`" in why["buyer_b"]
    # a share of 1 needs nothing elsewhere
    data = yaml.safe_load(edit(REGION, same_park_share=1.0))
    data["firm_classes"]["buyer_a"]["inputs"][0]["from_parks"] = ["a"]
    park = load(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert {src for buyer, src in links(park) if buyer == "a"} == {"a"}


def test_a_sector_with_no_firm_at_all_still_gives_no_input(tmp_path: Path) -> None:
    text = REGION.replace("count: 60", "count: 0").replace("count: 40", "count: 0")
    text = text.replace("count: 20, id_prefix: mc", "count: 0, id_prefix: mc")
    park = load(tmp_path, edit(text, same_park_share=0.5, from_parks=["b"]))
    assert all(f.inputs == [] for f in park.firms)


def test_same_park_share_without_parks_warns(tmp_path: Path) -> None:
    data = yaml.safe_load(edit(REGION, same_park_share=0.5))
    del data["parks"]
    park = load(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert [w.path for w in park.warnings] == [
        ("firm_classes", c, "inputs", 0, "same_park_share")
        for c in ("buyer_a", "buyer_b", "buyer_c")
    ]
    assert "no `parks`" in park.warnings[0].message
    assert park.warnings[0].line is not None
    # and draws as if it were not there
    del data["firm_classes"]["buyer_a"]["inputs"][0]["same_park_share"]
    for c in ("buyer_b", "buyer_c"):
        del data["firm_classes"][c]["inputs"][0]["same_park_share"]
    assert load(tmp_path, yaml.safe_dump(data, sort_keys=False)).firms == park.firms


def test_from_parks_without_parks_is_an_error(tmp_path: Path) -> None:
    data = yaml.safe_load(edit(REGION, from_parks=["a"]))
    del data["parks"]
    problems = refused(tmp_path, yaml.safe_dump(data, sort_keys=False)).problems
    assert problems and all(p.path[-2:] == ("from_parks", 0) for p in problems)


@pytest.mark.parametrize(
    "dist",
    [
        3,
        {"uniform": {"from": 1, "to": 3}},
        {"triangular": {"from": 1, "mode": 2, "to": 5}},
        {"normal": {"mean": 2, "sd": 1, "min": 0}},
        {"lognormal": {"median": 2, "sigma": 0.5}},
        {"exponential": {"mean": 2}},
        {"choice": {"values": [1, 2, 7]}},
        {"choice": {"values": [1, 2, 7], "weights": [0.2, 0.3, 0.5]}},
    ],
)
def test_an_entry_draws_its_rules_at_once_as_firm_by_firm(dist: object) -> None:
    # expand draws `links`, `per_output` and `stock_days` for a whole generate entry in
    # one call: the k-th firm must get what the k-th call of one draw would give it
    from pydantic import TypeAdapter

    from sim.scenario.dists import Dist

    d = TypeAdapter(Dist).validate_python(dist)
    at_once = d.sample(np.random.default_rng(5), 500)
    rng = np.random.default_rng(5)
    one_by_one = np.array([d.sample(rng, 1)[0] for _ in range(500)])
    assert np.array_equal(at_once, one_by_one)
