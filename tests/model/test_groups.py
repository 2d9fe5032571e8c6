"""The planners' groups (tags, classes, white-list batches): their daily series."""

from __future__ import annotations

import numpy as np

from sim.metrics import daily
from sim.model.groups import MEASURES
from sim.record import Trace
from tests.model._park import trace

FIRMS = [
    {
        "id": "a",
        "sector": "s",
        "region": "park",
        "baseline_output": 1.0,
        "staff": 10,
        "closed_loop": True,
        "dorm_beds": 10,
        "ramp_days": 0,
        "tags": ["x", "y"],
        "class": "big",
    },
    {
        "id": "b",
        "sector": "s",
        "region": "park",
        "baseline_output": 2.0,
        "staff": 4,
        "closed_loop": True,
        "dorm_beds": 4,
        "ramp_days": 0,
        "tags": ["x"],
        "class": "small",
    },
    {
        "id": "c",
        "sector": "s",
        "region": "park",
        "baseline_output": 3.0,
        "staff": 6,
        "closed_loop": True,
        "dorm_beds": 6,
        "ramp_days": 0,
        "tags": ["y"],
        "class": "small",
    },
]
"""a carries two tags and counts in both; c is never listed. All run closed loops with a
bed for everyone, so a lockdown lets the listed ones reopen with all their staff."""

REOPENING = {
    "apply_days": 0,
    "review_days": 1,
    "service_teams": 5,
    "whitelists": [{"id": "first", "day": 2, "firms": ["a", "b"]}],
}


def _measure(tr: Trace, group: str, measure: str) -> np.ndarray:
    s = tr.series["groups"]
    return s.values[:, s.axes[0].index(group), MEASURES.index(measure)]


def test_each_tag_class_and_batch_has_its_own_series_worked_out_by_hand() -> None:
    # lockdown all run: only the first list (a, b, from day 2) may reopen. Preparation 0
    # days and a 1-day review: a and b are open from day 3 on; c stays closed.
    tr = trace(FIRMS, level="lockdown", days=8, reopening=REOPENING)
    s = tr.series["groups"]
    assert s.axes[0] == ("tag:x", "tag:y", "class:big", "class:small", "batch:first")
    last = {g: {m: _measure(tr, g, m)[-1] for m in MEASURES} for g in s.axes[0]}
    # tag:x = {a, b}: all operating; tag:y = {a, c}: a counts here too
    assert last["tag:x"]["resumption"] == 1.0
    assert last["tag:y"]["resumption"] == 0.5
    assert last["tag:y"]["capacity"] == 1.0 / (1.0 + 3.0)
    assert last["tag:y"]["staff_on_post"] == 10
    assert last["tag:y"]["workforce"] == 10 / (10 + 6)
    # classes: big = {a}, small = {b, c}
    assert last["class:big"]["capacity"] == 1.0
    assert last["class:small"]["resumption"] == 0.5
    assert last["class:small"]["capacity"] == 2.0 / (2.0 + 3.0)
    assert last["class:small"]["staff_on_post"] == 4
    # the batch: empty (NaN) before it is released on day 2; then how far the list is
    first = _measure(tr, "batch:first", "resumption")
    assert np.isnan(first[:2]).all()
    assert first[2] == 0.0 and first[-1] == 1.0
    assert _measure(tr, "batch:first", "staff_on_post")[-1] == 14
    # park-wide, nothing moved: resumption is a/b of three firms
    assert tr.resumption[-1] == 2 / 3


def test_resumed_counts_firms_a_later_lockdown_halts_while_resumption_does_not() -> None:
    # a is open from day 0; the zone locks down on day 3: a has resumed (已复工) but does not
    # operate from day 3 on.
    firms = [{**FIRMS[0], "initially_open": True}]
    timeline = [{"day": 0, "level": "normal"}, {"day": 3, "level": "lockdown"}]
    tr = trace(firms, level=timeline, days=6)
    np.testing.assert_array_equal(tr.resumption, [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(tr.resumed, [1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(_measure(tr, "tag:x", "resumed"), [1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(_measure(tr, "tag:x", "resumption"), [1, 1, 1, 0, 0, 0])


def test_timeseries_rows_name_the_groups() -> None:
    tr = trace(FIRMS, level="lockdown", days=8, reopening=REOPENING)
    rows = {(m, g) for m, g, _ in daily(tr)}
    for measure in ("capacity", "resumption", "resumed", "workforce", "staff_on_post"):
        for group in ("tag:x", "tag:y", "class:big", "class:small", "batch:first"):
            assert (measure, group) in rows
    assert ("resumed", "park") in rows and ("resumed_above_scale", "park") not in rows


def test_a_park_without_tags_classes_or_batches_declares_no_group_series() -> None:
    tr = trace([{k: v for k, v in FIRMS[1].items() if k not in ("tags", "class")}], days=3)
    assert "groups" not in tr.series
