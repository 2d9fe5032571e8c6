"""`report.html`: one self-contained page a planner reads, prints to A4 or pastes from —
for a run, a comparison or a sweep folder, drawn only from the folder's files.

What it holds: the headline in one sentence; for a run the two official curves
(复工率 and 产能恢复率, with bands), lost output by cause, the bottleneck ranking and
the transfer-station funnel, and the key firms' paths as a Gantt chart; for a
comparison the options ranked, their paired differences with 95 % CIs and in plain
words which are real; for a sweep the sensitivity ranking; then what was assumed
and the caveats. Figures are PNGs embedded as data URIs, styles are inline, and no
script or file is fetched, so the page opens offline and a figure can be copied into
Word or WPS as an image. In Chinese the page also embeds the few glyphs its text uses
(a subset of the shipped font), so it reads the same on a machine without CJK fonts.

The page is built with a jinja2 template (`templates/report.html.j2`); every text is
looked up in the catalogue (`sim.output.i18n`). It holds no time stamp: the same
folder gives the same page.
"""

from __future__ import annotations

import base64
import math
import struct
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sim
from sim.files import (
    bottlenecks,
    causes,
    comparison,
    key_firms,
    parks,
    resolved,
    summary,
    sweep,
    timeseries,
)
from sim.files import report as report_file
from sim.files.folders import PLOTS_DIR
from sim.files.manifest import COMPARISON, RUN, SWEEP, read_manifest
from sim.metrics import (
    CAPACITY,
    DAYS_TO_80,
    LOST_OUTPUT_DAYS,
    PARK,
    RELAPSED_80,
    RESUMED,
    RESUMED_ABOVE_SCALE,
    days_to_name,
)
from sim.output import i18n

FILE = report_file.FILE
KINDS = (RUN, COMPARISON, SWEEP)
"""Kinds of folder a report is written for (a calibration has its own `calibration.md`)."""
TOP_CAUSES = 6
TOP_BOTTLENECKS = 10
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Parksim CJK SC", sans-serif'
)
"""Fonts of the page's text: the reader's own first; the embedded subset last (Chinese)."""


class ReportError(ValueError):
    """The folder cannot be reported on (not a run, comparison or sweep folder, or a
    file it needs is missing); the message names the folder and what is wrong."""


# --------------------------------------------------------------------------- page parts


@dataclass
class Figure:
    """An embedded chart."""

    src: str
    width: int
    height: int
    alt: str
    caption: str


@dataclass
class Table:
    """A table; `numeric` holds the indices of right-aligned columns."""

    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    title: str = ""
    note: str = ""


@dataclass
class Bullet:
    text: str
    cls: str = ""


@dataclass
class Section:
    """One titled part of the page, in order: paragraphs, bullets, tables, figures."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[Bullet] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Page:
    """Everything the template shows."""

    kind: str
    lang: str
    scenario: str
    seed: Any
    title: str
    subtitle: str
    headline: str
    description: str = ""
    sections: list[Section] = field(default_factory=list)
    footer: str = ""


def png_figure(path: Path, alt: str, caption: str) -> Figure:
    """A PNG file as an embedded figure (its pixel size read from the PNG header)."""
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return Figure(src, int(width), int(height), alt, caption)


# --------------------------------------------------------------------------- numbers


def num(v: Any, digits: int = 1) -> str:
    """A number as the page writes it (`–` when missing)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}"


def signed(v: Any, digits: int = 1) -> str:
    """A difference with its sign (`+1.2`, `−0.4`)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:+.{digits}f}".replace("-", "−")


def pct(v: Any) -> str:
    """A share as a percentage (`93.9 %` / `93.9%`)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v * 100:.1f} %"


class Words:
    """The catalogue in one language, with the run's calendar."""

    def __init__(self, lang: str, start: Any = None) -> None:
        self.lang = i18n.check_lang(lang)
        self.start = start

    def __call__(self, key: str, **values: Any) -> str:
        return i18n.tr(f"report.{key}", self.lang, **values)

    def when(self, day: float | None, horizon: int | None = None) -> str:
        """A day of the run as a date or day number; beyond the horizon when None."""
        if day is None:
            return self("beyond_horizon", days=horizon if horizon is not None else "?")
        return i18n.when(day, self.start, self.lang)

    def list(self, items: Sequence[str]) -> str:
        """`a, b and c` / `a、b和c`."""
        items = list(items)
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        return self("list_sep").join(items[:-1]) + self("list_and") + items[-1]


# --------------------------------------------------------------------------- a run


def _days_to(m: Mapping[str, Any] | None) -> tuple[float | None, float | None, float | None]:
    """(median, CI low, CI high) of a days-to-X entry of summary.json (None: not reached
    in enough replications / beyond the horizon)."""
    if not m:
        return None, None, None
    lo, hi = (m.get("median_ci95") or [None, None])[:2]
    return m.get("median"), lo, hi


def run_headline(summ: Mapping[str, Any], w: Words) -> str:
    """The run in one sentence: when capacity is back at 80 %, what was lost and why."""
    n = int(summ["replications"])
    horizon = int(summ["days"])
    m80 = summ["metrics"].get(DAYS_TO_80, {})
    median, lo, hi = _days_to(m80)
    reached = int(m80.get("reached", 0))
    lost = summ["metrics"][LOST_OUTPUT_DAYS]
    top = [c for c, v in _top_causes(summ, 2) if v > 0]
    why = w.list([f"{i18n.cause(c, w.lang)}" for c in top])
    if median is None:
        first = w("headline_not_80", days=horizon, k=reached, n=n)
    else:
        first = w(
            "headline_80", when=w.when(median), lo=w.when(lo, horizon), hi=w.when(hi, horizon)
        )
        if reached < n:
            first += w("reached_in", k=reached, n=n)
    ci = lost.get("ci95") or [None, None]
    second = w(
        "headline_lost", lost=num(lost["mean"]), lo=num(ci[0]), hi=num(ci[1]), causes=why or "–"
    )
    return first + w("sentence_join") + second


def _top_causes(summ: Mapping[str, Any], k: int) -> list[tuple[str, float]]:
    items = [(c, float(v.get("mean") or 0.0)) for c, v in summ["causes"].items()]
    return sorted(items, key=lambda cv: -cv[1])[:k]


def _relapsed(summ: Mapping[str, Any], name: str, w: Words) -> str:
    """`, ▼ 2 relapsed` beside a days-to-X count: how many of the replications reaching
    the level fell back more than `reporting.relapse_margin` later (`summary.json`'s
    `relapses`; nothing when none did or the run is older than relapses)."""
    entry = (summ.get("relapses") or {}).get(name)
    k = int(entry.get("relapsed") or 0) if isinstance(entry, Mapping) else 0
    return w("relapsed", k=k) if k else ""


def _relapsed_share(s: comparison.Stat | None, w: Words) -> str:
    """` ▼ 3/29` beside an option's days to 80 %: 3 of the 29 replications reaching 80 %
    fell back later (`relapsed_80` of `comparison.csv`; nothing when none did)."""
    if s is None or not s.n or s.mean != s.mean:  # NaN: none reached 80 %
        return ""
    k = round(s.mean * s.n)
    return w("relapsed_of", k=k, n=s.n) if k else ""


def _metric_rows(summ: Mapping[str, Any], w: Words) -> list[list[str]]:
    n = int(summ["replications"])
    horizon = int(summ["days"])
    rows = []
    for level in (50, 80, 95):
        name = days_to_name(level)
        m = summ["metrics"].get(name)
        if not m:
            continue
        median, lo, hi = _days_to(m)
        rows.append(
            [
                i18n.metric(name, w.lang),
                w.when(median, horizon) if median is not None else w("not_reached"),
                f"{w.when(lo, horizon)} – {w.when(hi, horizon)}" if median is not None else "–",
                f"{m.get('reached', 0)}/{n}" + _relapsed(summ, name, w),
            ]
        )
    for name, shown in (
        (LOST_OUTPUT_DAYS, num),
        ("resilience", pct),
        ("final_capacity", pct),
        ("final_resumption", pct),
        ("failed_firms", num),
    ):
        m = summ["metrics"].get(name)
        if not m:
            continue
        ci = m.get("ci95") or [None, None]
        rows.append(
            [
                i18n.metric(name, w.lang),
                shown(m.get("mean")),
                f"{shown(ci[0])} – {shown(ci[1])}",
                f"{n}/{n}",
            ]
        )
    return rows


def _scenario_facts(doc: Mapping[str, Any], firms: int | None, w: Words) -> list[Bullet]:
    """What the scenario assumed, in a few lines read from `scenario.resolved.yaml`."""
    out = []
    ent = doc.get("enterprises") or []
    above = sum(1 for e in ent if e.get("above_scale"))
    sectors = sorted({str(e.get("sector")) for e in ent})
    out.append(
        Bullet(
            w(
                "fact_firms",
                firms=firms if firms is not None else len(ent),
                listed=len(ent),
                above=above,
                sectors=w.list(sectors) or "–",
            )
        )
    )
    regions = [r.get("id") for r in doc.get("regions") or []]
    out.append(Bullet(w("fact_regions", regions=w.list([str(r) for r in regions]))))
    reo = doc.get("reopening") or {}
    out.append(
        Bullet(
            w(
                "fact_reopening",
                teams=reo.get("service_teams", "–"),
                batches=len(reo.get("whitelists") or []),
                review=reo.get("review_days", "–"),
                fail=pct(reo.get("fail_prob")),
            )
        )
    )
    logi = doc.get("logistics") or {}
    stations = logi.get("transfer_stations") or []
    out.append(
        Bullet(
            w(
                "fact_logistics",
                stations=len(stations),
                names=w.list([str(s.get("id")) for s in stations]) or "–",
                passes=logi.get("passes_per_day", "–"),
                suppliers=len(doc.get("suppliers") or []),
            )
        )
    )
    wf = doc.get("workforce") or {}
    out.append(Bullet(w("fact_workforce", quarantine=wf.get("quarantine_days", "–"))))
    for obs in (doc.get("reporting") or {}).get("observations") or []:
        out.append(
            Bullet(
                w(
                    "fact_observation",
                    label=obs.get("label") or obs.get("metric"),
                    value=pct(obs.get("value")),
                    when=w.when(obs.get("day")),
                    source=obs.get("source") or "–",
                )
            )
        )
    return out


def _caveats(w: Words, kind: str) -> list[Bullet]:
    keys = ["caveat_model", "caveat_ci", "caveat_inputs"]
    keys += {RUN: ["caveat_days_to"], COMPARISON: ["caveat_crn"], SWEEP: ["caveat_noise"]}[kind]
    return [Bullet(w(k)) for k in keys]


def _run_page(folder: Path, lang: str, draw: Drawer) -> Page:
    from sim.output.charts import causes as causes_chart
    from sim.output.charts import logistics as logistics_chart
    from sim.output.charts.causes import draw_causes
    from sim.output.charts.gantt import draw_gantt
    from sim.output.charts.logistics import bottleneck_label, draw_logistics
    from sim.output.charts.official import draw_official
    from sim.output.charts.style import run_subtitle

    run = summary.read(folder / summary.FILE)
    summ = run.raw
    n, days = int(summ["replications"]), int(summ["days"])
    w = Words(lang, run.start_date)
    daily = timeseries.read_park(
        folder / timeseries.FILE,
        (CAPACITY, RESUMED, RESUMED_ABOVE_SCALE),
        replications=n,
        days=days,
    )
    names, lost = causes.read(folder / causes.FILE, replications=n, days=days)
    doc = _yaml(folder / resolved.FILE)
    page = Page(
        kind=RUN,
        lang=lang,
        scenario=run.scenario,
        seed=run.seed,
        title=w("title_run", scenario=run.scenario),
        subtitle=run_subtitle(run, n, days, lang),
        headline=run_headline(summ, w),
        description=str(doc.get("description") or "").strip(),
    )

    key = Section("metrics", w("sec_metrics"))
    key.tables.append(
        Table(
            [w("col_metric"), w("col_value"), w("col_ci"), w("col_reached")],
            _metric_rows(summ, w),
            {1, 2, 3},
            note=w("note_metrics"),
        )
    )
    page.sections.append(key)

    curves = Section("curves", w("sec_curves"), paragraphs=[w("curves_text")])
    curves.figures.append(
        draw(
            lambda out: draw_official(daily, run, out, lang),
            w("fig_curves_alt"),
            w("fig_curves"),
        )
    )
    page.sections.append(curves)

    loss = Section("causes", w("sec_causes"), paragraphs=[w("causes_text")])
    total = float(summ["metrics"][LOST_OUTPUT_DAYS]["mean"] or 0.0)
    rows = []
    for c, v in _top_causes(summ, TOP_CAUSES):
        if v <= 0:
            continue
        share = v / total if total > 0 else math.nan
        rows.append([i18n.cause(c, lang), num(v), pct(share)])
    loss.tables.append(Table([w("col_cause"), w("col_lost"), w("col_share")], rows, {1, 2}))
    loss.figures.append(
        draw(
            lambda out: draw_causes(
                names, lost, run, out, capacity=daily.get((CAPACITY, PARK)), lang=lang
            ),
            w("fig_causes_alt"),
            w("fig_causes"),
            causes_chart.FILE,
        )
    )
    page.sections.append(loss)

    if (folder / parks.PARKS).is_file() and (folder / parks.CAUSES).is_file():
        page.sections.append(_parks_section(folder, run, lang, w, draw))

    has_ranking = (folder / bottlenecks.FILE).is_file()  # runs older than it have none
    ranked = bottlenecks.read(folder / bottlenecks.FILE) if has_ranking else []
    neck = Section("bottlenecks", w("sec_bottlenecks"))
    if ranked:
        neck.paragraphs.append(w("bottlenecks_text"))
        neck.tables.append(
            Table(
                [w("col_rank"), w("col_what"), w("col_lost"), w("col_ci")],
                [
                    [
                        str(b.rank),
                        bottleneck_label(b, lang),
                        num(b.lost_output_days, 2),
                        f"{num(b.ci95_lo, 2)} – {num(b.ci95_hi, 2)}",
                    ]
                    for b in ranked[:TOP_BOTTLENECKS]
                ],
                {0, 2, 3},
            )
        )
        neck.figures.append(
            draw(
                lambda out: draw_logistics(folder, lang, out),
                w("fig_logistics_alt"),
                w("fig_logistics"),
                logistics_chart.FILE,
            )
        )
    else:
        neck.paragraphs.append(w("no_bottlenecks"))
    page.sections.append(neck)

    if (folder / key_firms.FILE).is_file():
        stretches = key_firms.read(folder / key_firms.FILE)
        if stretches:
            rep = typical_replication(summ)
            firms = Section("key_firms", w("sec_key_firms"), paragraphs=[w("key_firms_text")])
            firms.figures.append(
                draw(
                    lambda out: draw_gantt(
                        stretches,
                        rep,
                        days=days,
                        start=run.start_date,
                        scenario=run.scenario,
                        subtitle=w("gantt_sub", replication=rep, n=n),
                        out=out,
                        lang=lang,
                    ),
                    w("fig_gantt_alt"),
                    w("fig_gantt", replication=rep),
                )
            )
            firms.tables.append(_key_firm_table(stretches, rep, w))
            page.sections.append(firms)

    assumed = Section(
        "assumptions", w("sec_assumptions"), bullets=_scenario_facts(doc, summ.get("firms"), w)
    )
    page.sections.append(assumed)
    page.sections.append(Section("caveats", w("sec_caveats"), bullets=_caveats(w, RUN)))
    page.footer = w(
        "footer_run", version=sim.__version__, sha=str(summ.get("scenario_sha256", ""))[:12]
    )
    return page


def _amount(x: float) -> str:
    """An amount of value units as a planner reads it: `23,520`, `12.5`, `0.034`."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def closure_text(row: parks.ParkRow, lang: str) -> str:
    """`park North's closure cost the region 12.5 value units (41 % of its loss)`: what
    the other parks of a region lost for want of one park's goods."""
    return i18n.tr(
        "parks.closure",
        lang,
        park=row.shown,
        value=_amount(row.cost_elsewhere_value),
        share=pct(row.cost_elsewhere_share),
    )


def _parks_section(
    folder: Path, run: summary.RunSummary, lang: str, w: Words, draw: Drawer
) -> Section:
    """A region's parks: the park whose closure cost the others most, each park's row of
    `parks.csv`, and the small multiples of recovery and causes by park."""
    from sim.output.charts import parks as parks_chart

    rows = parks.read(folder / parks.PARKS)
    n, days = run.replications, run.days
    sec = Section("parks", w("sec_parks"), paragraphs=[w("parks_text")])
    if rows and rows[0].cost_elsewhere_value > 0:
        sec.paragraphs.append(closure_text(rows[0], lang))
    sec.tables.append(
        Table(
            [
                w("col_rank"),
                w("col_park"),
                w("col_firms"),
                w("col_days80"),
                w("col_final"),
                w("col_park_lost"),
                w("col_top_cause"),
                w("col_elsewhere"),
                w("col_share"),
            ],
            [
                [
                    str(r.rank),
                    r.shown,
                    str(r.firms),
                    w.when(r.days_to_80, days),
                    pct(r.final_capacity),
                    num(r.lost_output_days),
                    i18n.cause(r.top_cause, lang) if r.top_cause else "–",
                    num(r.cost_elsewhere_value, 2),
                    pct(r.cost_elsewhere_share),
                ]
                for r in rows
            ],
            {0, 2, 4, 5, 7, 8},
            note=w("note_parks"),
        )
    )
    daily = timeseries.read(folder / timeseries.FILE, replications=n, days=days)
    sec.figures.append(
        draw(
            lambda out: parks_chart.draw_recovery_by_park(daily, rows, run, out, lang),
            w("fig_parks_recovery_alt"),
            w("fig_parks_recovery"),
            parks_chart.RECOVERY_FILE,
        )
    )
    ids, names, lost = parks.read_causes(folder / parks.CAUSES, replications=n, days=days)
    sec.figures.append(
        draw(
            lambda out: parks_chart.draw_causes_by_park(ids, names, lost, rows, run, out, lang),
            w("fig_parks_causes_alt"),
            w("fig_parks_causes"),
            parks_chart.CAUSES_FILE,
        )
    )
    return sec


def typical_replication(summ: Mapping[str, Any]) -> int:
    """The replication whose lost output is the median of all (the lower of two middles):
    the one the Gantt chart shows."""
    values = summ["metrics"][LOST_OUTPUT_DAYS].get("values") or [0.0]
    order = sorted(range(len(values)), key=lambda r: (values[r], r))
    return order[(len(order) - 1) // 2]


def _key_firm_table(stretches: Sequence[key_firms.Stretch], rep: int, w: Words) -> Table:
    """Per key firm in the shown replication: when it reopened, its days in each phase
    before that, and the days of output it lost."""
    rows = []
    mine = [s for s in stretches if s.replication == rep]
    for fid in dict.fromkeys(s.firm for s in mine):
        own = [s for s in mine if s.firm == fid]
        opened = next(
            (
                s.from_day
                for s in own
                if s.phase in (key_firms.RAMPING, key_firms.LIMITED, key_firms.FULL)
            ),
            None,
        )
        waits: dict[str, int] = {}
        for s in own:
            if opened is None or s.from_day < opened:
                waits[s.phase] = waits.get(s.phase, 0) + s.to_day - s.from_day + 1
        worst = max(waits.items(), key=lambda kv: kv[1]) if waits else None
        rows.append(
            [
                own[0].label,
                own[0].sector,
                w.when(opened) if opened is not None else w("not_reopened"),
                f"{i18n.phase(worst[0], w.lang)} ({worst[1]})" if worst else "–",
                num(sum(s.lost_days for s in own)),
            ]
        )
    return Table(
        [
            w("col_firm"),
            w("col_sector"),
            w("col_reopened"),
            w("col_longest_wait"),
            w("col_firm_lost"),
        ],
        rows,
        {4},
        note=w("note_key_firms"),
    )


# --------------------------------------------------------------------------- comparison


def verdict(s: comparison.Stat | None, w: Words, better_low: bool = True) -> tuple[str, str]:
    """Plain words on one paired difference, and its CSS class: real and better, real and
    worse, or not told apart from chance."""
    if s is None or not math.isfinite(s.diff):
        return w("verdict_na"), "noise"
    if not s.significant:
        return w("verdict_noise"), "noise"
    good = (s.diff < 0) == better_low
    return (w("verdict_better"), "real") if good else (w("verdict_worse"), "worse")


def _delta(s: comparison.Stat | None) -> str:
    if s is None or not math.isfinite(s.diff):
        return "–"
    return f"{signed(s.diff)} [{signed(s.diff_lo)}, {signed(s.diff_hi)}]"


def _compare_page(folder: Path, lang: str, draw: Drawer) -> Page:
    from sim.output.compare_plots import (
        CAPACITY_PLOT,
        CAUSES_PLOT,
        METRICS_PLOT,
        _ranked,
        draw_compare_capacity,
        draw_compare_causes,
        draw_compare_metrics,
    )

    meta = comparison.read_meta(folder / comparison.JSON)
    stats = comparison.read_comparison(folder / comparison.CSV)
    w = Words(lang, meta.start_date)
    n, days = meta.replications or 0, meta.days or 0
    ranked = _ranked(meta, stats)
    base = meta.baseline
    options = {o["name"]: o for o in meta.raw["options"]}

    def stat(name: str, metric: str) -> comparison.Stat | None:
        return stats.get((name, metric))

    others = [o for o in ranked if o != base]
    best = others[0] if others else None
    lost_best = stat(best, LOST_OUTPUT_DAYS) if best else None
    if best is None or lost_best is None:
        headline = w("headline_compare_none")
    elif lost_best.significant and lost_best.diff < 0:
        d80 = stat(best, DAYS_TO_80)
        headline = w(
            "headline_compare",
            best=best,
            saved=num(-lost_best.diff),
            lo=num(-lost_best.diff_hi),
            hi=num(-lost_best.diff_lo),
        )
        if d80 is not None and d80.significant and d80.diff < 0:
            headline += w("headline_compare_days", days=num(-d80.diff))
        headline += w("sentence_end")
    else:
        headline = w("headline_compare_no_better", n=len(others))
    page = Page(
        kind=COMPARISON,
        lang=lang,
        scenario=meta.scenario,
        seed=meta.seed,
        title=w("title_compare", scenario=meta.scenario),
        subtitle=i18n.tr("compare.sub_replications", lang, n=n, s=i18n.plural(n))
        + f" · {len(meta.options)} "
        + w("options_word")
        + f" · {i18n.tr('sub.days', lang, n=days)}",
        headline=headline,
    )
    table_rows = []
    for rank, name in enumerate(ranked, 1):
        lost_s, d80 = stat(name, LOST_OUTPUT_DAYS), stat(name, DAYS_TO_80)
        final = stat(name, "final_capacity")
        is_base = name == base
        words, _ = verdict(lost_s, w)
        table_rows.append(
            [
                str(rank),
                name + (f" ({w('baseline_word')})" if is_base else ""),
                _what(options.get(name, {}), w),
                num(d80.mean if d80 else None) + _relapsed_share(stat(name, RELAPSED_80), w),
                "—" if is_base else _delta(d80),
                num(lost_s.mean if lost_s else None),
                "—" if is_base else _delta(lost_s),
                pct(final.mean if final else None),
                "—" if is_base else words,
            ]
        )
    ranked_sec = Section("options", w("sec_options"), paragraphs=[w("options_text", n=n)])
    ranked_sec.tables.append(
        Table(
            [
                w("col_rank"),
                w("col_option"),
                w("col_changes"),
                w("col_d80"),
                w("col_d_d80"),
                w("col_lost"),
                w("col_d_lost"),
                w("col_final"),
                w("col_real"),
            ],
            table_rows,
            {0, 3, 4, 5, 6, 7},
            note=w("note_options"),
        )
    )
    ranked_sec.bullets = []
    for name in others:
        for metric, key in ((LOST_OUTPUT_DAYS, "plain_lost"), (DAYS_TO_80, "plain_d80")):
            s = stat(name, metric)
            if s is None or not math.isfinite(s.diff):
                continue
            words, cls = verdict(s, w)
            ranked_sec.bullets.append(
                Bullet(
                    w(
                        key,
                        option=name,
                        diff=signed(s.diff),
                        lo=signed(s.diff_lo),
                        hi=signed(s.diff_hi),
                        verdict=words,
                        pairs=s.n_pairs,
                    ),
                    cls,
                )
            )
    page.sections.append(ranked_sec)

    capacity = comparison.read_capacity(folder / comparison.TIMESERIES, meta.options, n, days)
    cause_names, lost = comparison.read_option_causes(folder / comparison.CAUSES)
    figs = Section("compare_figures", w("sec_compare_figures"))
    figs.figures += [
        draw(
            lambda out: draw_compare_capacity(capacity, stats, meta, out, lang),
            w("fig_compare_capacity_alt"),
            w("fig_compare_capacity"),
            CAPACITY_PLOT,
        ),
        draw(
            lambda out: draw_compare_metrics(stats, meta, out, lang),
            w("fig_compare_metrics_alt"),
            w("fig_compare_metrics"),
            METRICS_PLOT,
        ),
        draw(
            lambda out: draw_compare_causes(cause_names, lost, stats, meta, out, lang),
            w("fig_compare_causes_alt"),
            w("fig_compare_causes"),
            CAUSES_PLOT,
        ),
    ]
    page.sections.append(figs)

    base_doc = _yaml(folder / resolved.option_file(base))
    page.description = str(base_doc.get("description") or "").strip()
    assumed = Section(
        "assumptions",
        w("sec_assumptions"),
        paragraphs=[w("compare_assumed", baseline=base, seed=meta.seed, n=n)],
        bullets=_scenario_facts(base_doc, None, w),
    )
    page.sections.append(assumed)
    page.sections.append(Section("caveats", w("sec_caveats"), bullets=_caveats(w, COMPARISON)))
    page.footer = w("footer_compare", version=sim.__version__)
    return page


def _what(option: Mapping[str, Any], w: Words) -> str:
    """What an option changes: its overlay files and --set expressions."""
    parts = [Path(str(p)).name for p in option.get("policies") or []]
    parts += [str(s) for s in option.get("sets") or []]
    return "; ".join(parts) if parts else w("as_given")


# --------------------------------------------------------------------------- sweep


SENS_KEYS = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf")}
"""The index a sweep's parameters are ranked by (first-order S1 otherwise)."""


def _sweep_page(folder: Path, lang: str, draw: Drawer, manifest: Mapping[str, Any]) -> Page:
    from sim.output.sweep_plots import (
        SENSITIVITY_PLOT,
        SWEEP_PLOT,
        draw_sensitivity_plot,
        draw_sweep_plot,
    )

    meta = sweep.read_spec(folder)
    w = Words(lang)
    names = [p["name"] for p in meta["parameters"]]
    page = Page(
        kind=SWEEP,
        lang=lang,
        scenario=str(meta.get("scenario_name", "")),
        seed=meta.get("seed"),
        title=w("title_sweep", name=meta["name"]),
        subtitle=i18n.tr(
            "sweep.sub_points",
            lang,
            points=len(meta.get("points", [])),
            replications=meta.get("replications"),
        )
        + " · "
        + i18n.tr("sub.seed", lang, seed=meta.get("seed"))
        + " · "
        + i18n.tr("sub.days", lang, n=meta.get("days")),
        headline="",
        description=str(meta.get("description") or "").strip(),
    )
    ranking = Section("sensitivity", w("sec_sensitivity"))
    firsts: list[str] = []
    if (folder / sweep.SENSITIVITY).is_file():
        sens = sweep.read_sensitivity(folder)
        key, conf = SENS_KEYS.get(sens["method"], ("S1", "S1_conf"))
        ranking.paragraphs.append(w(f"sens_text_{sens['method']}"))
        for outcome, entry in sens["outcomes"].items():
            ix = entry.get("indices") or {}
            order = sorted(ix, key=lambda p: -(ix[p].get(key) or 0.0))
            share = entry.get("noise_share")
            rows = [
                [str(k), p, num(ix[p].get(key), 3), num(ix[p].get(conf), 3)]
                for k, p in enumerate(order, 1)
            ]
            ranking.tables.append(
                Table(
                    [w("col_rank"), w("col_parameter"), key, f"± ({w('col_ci')})"],
                    rows,
                    {0, 2, 3},
                    title=i18n.metric(outcome, lang),
                    note=w("noise_note", share=pct(share)) if share is not None else "",
                )
            )
            if order:
                firsts.append(
                    w(
                        "headline_sweep",
                        outcome=i18n.metric(outcome, lang),
                        parameter=order[0],
                        index=key,
                        value=num(ix[order[0]].get(key), 2),
                    )
                )
        ranking.figures.append(
            draw(
                lambda out: draw_sensitivity_plot(folder, lang, out),
                w("fig_sensitivity_alt"),
                w("fig_sensitivity"),
                SENSITIVITY_PLOT,
            )
        )
    else:
        rows_all = sweep.read_points(folder / sweep.POINTS)
        for outcome in meta["outcomes"]:
            mine = [r for r in rows_all if r["metric"] == outcome and r["mean"] not in ("", "nan")]
            mine.sort(key=lambda r: float(r["mean"]))
            if not mine:
                continue
            at = ", ".join(f"{p}={mine[0][p]}" for p in names)
            firsts.append(
                w(
                    "headline_grid",
                    outcome=i18n.metric(outcome, lang),
                    value=num(float(mine[0]["mean"])),
                    at=at,
                )
            )
            ranking.tables.append(
                Table(
                    [*names, w("col_mean"), w("col_ci")],
                    [
                        [
                            *(r[p] for p in names),
                            num(float(r["mean"])),
                            f"{num(_f(r['ci95_lo']))} – {num(_f(r['ci95_hi']))}",
                        ]
                        for r in mine[:10]
                    ],
                    {len(names), len(names) + 1},
                    title=i18n.metric(outcome, lang),
                    note=w("grid_note", shown=min(10, len(mine)), n=len(mine)),
                )
            )
        fig = draw(
            lambda out: draw_sweep_plot(folder, lang, out),
            w("fig_sweep_alt"),
            w("fig_sweep"),
            SWEEP_PLOT,
        )
        if fig is not None:
            ranking.figures.append(fig)
    page.headline = w.list(firsts) + w("sentence_end") if firsts else w("headline_sweep_none")
    page.sections.append(ranking)
    params = [
        Bullet(
            w(
                "fact_parameter",
                name=p["name"],
                paths=", ".join(p.get("paths") or [str(p.get("path", ""))]),
                values=_range(p),
            )
        )
        for p in meta["parameters"]
    ]
    runs = manifest.get("runs")
    failed = manifest.get("failed_runs")
    assumed = Section(
        "assumptions",
        w("sec_assumptions"),
        paragraphs=[
            w(
                "sweep_assumed",
                scenario=meta.get("scenario", ""),
                method=meta["design"]["method"],
                runs=runs if runs is not None else "–",
                failed=failed if failed is not None else "–",
            )
        ],
        bullets=params,
    )
    page.sections.append(assumed)
    page.sections.append(Section("caveats", w("sec_caveats"), bullets=_caveats(w, SWEEP)))
    page.footer = w("footer_sweep", version=sim.__version__, sha=str(meta.get("sha256", ""))[:12])
    return page


def _f(v: str) -> float:
    try:
        return float(v)
    except ValueError:
        return math.nan


def _range(p: Mapping[str, Any]) -> str:
    if p.get("levels") is not None:
        return ", ".join(str(v) for v in p["levels"])
    lo, hi = p.get("from"), p.get("to")
    return f"{lo} – {hi}" if lo is not None else "–"


# --------------------------------------------------------------------------- the page


Drawer = Callable[..., Figure]
"""Draws a chart (or takes the folder's own chart of that name, already in the language)
and embeds it: `draw(make, alt, caption, plot="")`."""


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else {}


def folder_kind(folder: Path, manifest: Mapping[str, Any] | None) -> str:
    """The kind of folder, from its manifest or, while it is being written, its files."""
    if manifest is not None and manifest.get("kind") in KINDS:
        return str(manifest["kind"])
    if manifest is not None and manifest.get("kind"):
        raise ReportError(f"{folder}: a {manifest['kind']} folder has no report")
    for kind, name in ((COMPARISON, comparison.JSON), (SWEEP, sweep.SPEC), (RUN, summary.FILE)):
        if (folder / name).is_file():
            return kind
    raise ReportError(f"{folder}: not a parksim run, comparison or sweep folder")


def build_page(folder: Path, lang: str, manifest: Mapping[str, Any] | None = None) -> str:
    """The HTML of the report of `folder` in `lang`. `manifest` is the folder's manifest,
    or what it will say (while the folder is being written); read from the folder when
    None. Raises ReportError (folder not reportable) or FileNotFoundError / ValueError
    (a file missing or malformed, named)."""
    folder = Path(folder)
    i18n.check_lang(lang)
    if manifest is None:
        doc, _ = read_manifest(folder)
        manifest = doc or {}
    kind = folder_kind(folder, manifest or None)
    with tempfile.TemporaryDirectory(prefix="parksim-report-") as tmp:
        counter = [0]

        same = bool(manifest.get("plots")) and manifest.get("lang", i18n.DEFAULT_LANG) == lang

        def draw(
            make: Callable[[Path], Path | None], alt: str, caption: str, plot: str = ""
        ) -> Figure:
            drawn = folder / PLOTS_DIR / plot
            if plot and same and drawn.is_file():  # the folder's chart, in this language
                return png_figure(drawn, alt, caption)
            counter[0] += 1
            path = make(Path(tmp) / f"figure{counter[0]}.png")
            if path is None:
                return None  # type: ignore[return-value]
            return png_figure(path, alt, caption)

        if kind == RUN:
            page = _run_page(folder, lang, draw)
        elif kind == COMPARISON:
            page = _compare_page(folder, lang, draw)
        else:
            page = _sweep_page(folder, lang, draw, manifest)
    return render(page)


def render(page: Page) -> str:
    """Fill the template with a page."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.output", "templates"),
        autoescape=True,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    for s in page.sections:
        s.figures = [f for f in s.figures if f is not None]
    text = "".join(
        [page.title, page.subtitle, page.headline, page.description, page.footer]
        + [
            x
            for s in page.sections
            for x in (
                s.title,
                *s.paragraphs,
                *(b.text for b in s.bullets),
                *(c for t in s.tables for c in (t.title, t.note, *t.header)),
                *(c for t in s.tables for row in t.rows for c in row),
                *(f.caption + f.alt for f in s.figures),
            )
        ]
    )
    return env.get_template("report.html.j2").render(
        **page.__dict__,
        html_lang="zh-CN" if page.lang == "zh" else "en",
        version=sim.__version__,
        font_stack=FONT_STACK,
        font_css=embedded_font_css(text),
    )


def embedded_font_css(text: str) -> str:
    """An `@font-face` rule embedding the glyphs of the shipped CJK subset that `text`
    uses beyond Latin (empty when it uses none), so Chinese reads the same anywhere."""
    chars = {c for c in text if ord(c) > 0x2E7F}
    if not chars:
        return ""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from sim.output.charts.fonts import SUBSET_FAMILY, subset_path

    font = TTFont(str(subset_path()))
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    sub = subset.Subsetter(options)
    sub.populate(unicodes={ord(c) for c in chars})
    sub.subset(font)
    font.recalcTimestamp = False
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{SUBSET_FAMILY}"; font-style: normal; font-weight: 100 900; '
        f'src: url(data:font/otf;base64,{data}) format("opentype"); }}'
    )


def write_report(
    folder: Path,
    lang: str,
    out: Path | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Write the report of `folder` to `out` (default `folder/report.html`), flushed to
    disk and put in place in one step; returns its path. Into the folder, the page is
    first written beside it, so a crash leaves no stray file inside."""
    import os

    folder = Path(folder)
    target = Path(out) if out is not None else folder / FILE
    html = build_page(folder, lang, manifest)
    if out is None:
        tmp = folder.with_name(f".{folder.name}.{FILE}.tmp")
    else:
        tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        f.write(html)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return target


__all__ = ["FILE", "ReportError", "build_page", "write_report"]
