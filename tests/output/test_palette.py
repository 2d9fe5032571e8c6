"""Stable colours (issue 18.5): a cause keeps its colour by its name, an option by its
name, in every chart and every run, whatever the order the options are given in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.model.demand import DEMAND
from sim.model.state import BASE_CAUSES
from sim.model.world import MECHANISMS
from sim.output import compare_explain_plots, compare_plots, palette
from tests.conftest import SCENARIOS, run_cli

DECLARED = {*BASE_CAUSES, DEMAND.name, *(c.name for m in MECHANISMS for c in m.causes)}


def test_every_cause_the_model_declares_has_its_own_fixed_style() -> None:
    assert set(palette.CAUSE_STYLES) == DECLARED
    styles = list(palette.CAUSE_STYLES.values())
    assert len(set(styles)) == len(styles)  # no two causes look alike


def test_cause_styles_do_not_depend_on_order_or_on_the_other_causes() -> None:
    causes = ["labour", "input:steel", "input:chips", "not_allowed", "utility", "ramp_up"]
    first = dict(zip(causes, palette.cause_styles(causes), strict=True))
    again = dict(zip(causes[::-1], palette.cause_styles(causes[::-1]), strict=True))
    assert first == again
    fewer = ["ramp_up", "labour"]
    assert palette.cause_styles(fewer) == [first["ramp_up"], first["labour"]]
    assert first["labour"] == palette.CAUSE_STYLES["labour"]
    # missing inputs are hatched blues, told apart; an unknown cause is hatched grey
    assert first["input:steel"] != first["input:chips"]
    for good in ("input:steel", "input:chips"):
        colour, hatch = first[good]
        assert colour in ("#0072B2", "#56B4E9") and hatch
    assert first["utility"][0] == "#999999" and first["utility"][1]


def test_option_styles_come_from_names_not_positions() -> None:
    names = ["baseline", "teams6", "second_station", "relief", "passes"]
    a = palette.option_styles(names, "baseline")
    b = palette.option_styles(["baseline", *names[:0:-1]], "baseline")
    assert a == b
    assert a["baseline"] == ("#000000", "--")
    others = [a[n] for n in names[1:]]
    assert len({c for c, _ in others}) == 4 and all(d == "-" for _, d in others)
    # alone, an option takes the colour its name hashes to
    alone = palette.option_styles(["baseline", "teams6"], "baseline")["teams6"]
    assert alone[0] == palette.OPTION_COLOURS[palette._slot("teams6", 6)]
    # more options than colours: the rest are dashed, still distinct
    many = palette.option_styles(["baseline", *(f"o{i}" for i in range(9))], "baseline")
    assert len(set(many.values())) == 10


def _drawn_colours(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """The colour of every option's line or bar in each chart of a comparison folder, by
    chart (the figures are looked at instead of saved)."""
    from matplotlib.colors import to_hex

    seen: dict[str, dict[str, str]] = {}

    def look(fig: Any, out: Path) -> Path:
        colours: dict[str, str] = {}
        for ax in fig.axes:
            for line in ax.lines:
                label = str(line.get_label()).split(":")[0]
                if not label.startswith("_"):
                    colours[label] = to_hex(line.get_color())
        for legend in fig.legends:
            for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
                label = text.get_text().split(":")[0]
                get = getattr(handle, "get_color", None) or handle.get_facecolor
                if not label.startswith("shaded"):
                    colours[label] = to_hex(get())
        seen[out.name] = colours
        fig.clear()
        return out

    monkeypatch.setattr(compare_plots, "save", look)
    monkeypatch.setattr(compare_explain_plots, "save", look)
    compare_plots.draw_compare_plots(folder)
    return seen


def test_option_colours_are_identical_across_two_runs_in_another_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = [
        ["--variant", "teams6: reopening.service_teams=6"],
        ["--policy", str(SCENARIOS / "policies" / "second_transfer_station.yaml")],
        ["--variant", "passes: logistics.passes_per_day=40"],
    ]
    colours = []
    for k, order in enumerate((options, options[::-1])):
        out = tmp_path / f"cmp{k}"
        args = [a for o in order for a in o]
        r = run_cli(
            "compare", str(SCENARIOS / "demo_park.yaml"), *args,
            "--replications", "2", "--days", "40", "--quiet", "--no-plots", "--out", str(out),
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        colours.append(_drawn_colours(out, monkeypatch))
    first, second = colours
    assert first == second  # causes keep their colours too (the causes chart's legend)
    names = {"baseline", "teams6", "second_transfer_station", "passes"}
    options = {
        chart: {n: c for n, c in found.items() if n in names} for chart, found in first.items()
    }
    drawn = {chart for chart, found in options.items() if found}
    assert drawn == {"compare_capacity.png", "compare_bottlenecks.png", "compare_stations.png"}
    assert set(options["compare_capacity.png"]) == names
    assert options["compare_capacity.png"]["baseline"] == "#000000"
    for chart in options.values():  # each option is one colour in every chart
        for name, colour in chart.items():
            assert colour == options["compare_capacity.png"][name], (name, chart)
    assert first["compare_causes.png"]["labour"] == palette.CAUSE_STYLES["labour"][0].lower()
