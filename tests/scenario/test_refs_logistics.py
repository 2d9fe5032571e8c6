"""Cross-references of the goods-side sections: stations, grants, coordination."""

from __future__ import annotations

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario

BAD = """\
name: x
regions: [{id: park}]
suppliers: [{id: s1, region: park, capacity: 1}]
enterprises: [{id: a, sector: s, region: park, baseline_output: 1, staff: 1}]
supply: {coordination: {suppliers: [s2]}}
logistics:
  grants: [{day: 1, firms: [b]}]
  transfer_stations:
    - {id: t, serves: [parc], partner_for: [aa]}
    - {id: t}
"""


def test_every_dangling_goods_side_id_is_reported_with_its_line(tmp_path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(BAD)
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    text = str(e.value)
    assert f"{f}:5:37: supply.coordination.suppliers[0]: unknown supplier 's2'" in text
    assert f"{f}:7:29: logistics.grants[0].firms[0]: unknown firm 'b'" in text
    assert "logistics.transfer_stations[0].serves[0]: unknown region 'parc'" in text
    assert "logistics.transfer_stations[0].partner_for[0]: unknown firm 'aa'" in text
    assert f"{f}:10:8: logistics.transfer_stations[1].id: duplicate station id 't'" in text
    assert len(e.value.problems) == 5


def test_scale_firms_rescales_generated_classes_keeping_their_mix() -> None:
    from tests.conftest import SCENARIOS

    base = load_scenario(SCENARIOS / "demo_park.yaml")
    big = load_scenario(SCENARIOS / "demo_park.yaml", sets=["scale.firms=240"])
    count = lambda park, s: sum(f.sector == s for f in park.firms)  # noqa: E731
    assert count(base, "electronics") == 10 and count(base, "auto_parts") == 14
    assert count(big, "electronics") == 100 and count(big, "auto_parts") == 140
    assert count(big, "food") == count(base, "food")  # registry and listed firms stay
    small = load_scenario(SCENARIOS / "demo_park.yaml", sets=["scale.firms=5"])
    assert count(small, "electronics") + count(small, "auto_parts") == 5
