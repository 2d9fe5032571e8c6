"""What `parksim validate` says of a region of parks: batch counts by the region's rules
(a batch's parks, suppliers within a park or across recognising parks), checked against
the model's own white list, and liaisons counted per pool of teams."""

from __future__ import annotations

from sim.model.firms import Firms
from sim.scenario import summary
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS
from tests.scenario.test_summary import _model_agrees

REGION = SCENARIOS / "delta_region.yaml"
RECOGNITION = SCENARIOS / "policies" / "mutual_recognition.yaml"


def test_the_regions_batches_list_what_the_model_lists() -> None:
    park = load_scenario(REGION, sets=["days=25"])
    s = summary.summarise(park)
    assert [(b.id, b.listed, b.new) for b in s.whitelists] == [
        ("kunshan_first", 25, 25),
        ("jinshan_first", 14, 14),
        ("zhejiang_top", 5, 5),
    ]
    _model_agrees(s, park)
    park = load_scenario(REGION, [RECOGNITION], sets=["days=25"])
    s = summary.summarise(park)
    # the component makers that supply listed firms join both batches; the five largest
    # are among them already
    assert [(b.id, b.new) for b in s.whitelists] == [
        ("kunshan_first", 51),
        ("jinshan_first", 23),
        ("zhejiang_top", 0),
    ]
    _model_agrees(s, park)


def test_liaisons_are_counted_per_pool_of_teams() -> None:
    li = ["reopening.liaison.firms_per_team=3", "reopening.service_teams=2"]
    park = load_scenario(REGION, sets=li)
    # jinshan (4 teams, 40 firms): 12; zhejiang (2 teams, 50 firms): 6; kunshan, the
    # shared pool (2 teams, 60 firms): 6
    assert summary.summarise(park).teams.liaised_firms == 24
    assert int(Firms(park).liaison.sum()) == 24
