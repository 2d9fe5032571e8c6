"""`report.html`: one self-contained page per run, comparison and sweep folder, listed
in the manifest and checked by `parksim verify`; `parksim report` writes it again."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sim.files import report as report_file
from sim.files.manifest import read_manifest
from sim.output import i18n
from sim.output.report import (
    ReportError,
    Words,
    build_page,
    embedded_font_css,
    run_headline,
    typical_replication,
    verdict,
)
from sim.output.results import verify
from tests.conftest import SCENARIOS, run_cli

DATA_PNG = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"')


def _page(folder: Path) -> str:
    return (folder / report_file.FILE).read_text(encoding="utf-8")


def assert_self_contained(html: str) -> None:
    """Nothing fetched: no script, no stylesheet link, every image a PNG data URI, no URL
    in any src, href or CSS url() but data: ones."""
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert len(DATA_PNG.findall(html)) == html.count("<img ")
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert all(u.startswith("data:") for u in re.findall(r"url\(([^)]*)\)", html))


def test_a_run_writes_its_report_in_chinese(zh_run: Path) -> None:
    html = _page(zh_run)
    assert_self_contained(html)
    assert '<html lang="zh-CN">' in html
    assert "按当前方案，园区产能预计于" in html  # the headline, in the articles' words
    for section in ("curves", "causes", "bottlenecks", "key_firms", "assumptions", "caveats"):
        assert f'<section id="{section}">' in html
    assert "复工率" in html and "产能恢复率" in html
    assert html.count("<img ") == 4  # curves, causes, logistics, Gantt
    assert "@font-face" in html  # the glyphs of its Chinese text travel with it
    doc, _ = read_manifest(zh_run)
    assert doc is not None and doc["report"] is True and doc["lang"] == "zh"
    assert report_file.FILE in doc["files"]
    assert verify(zh_run) == []


def test_the_report_names_its_folder_and_verify_checks_it(zh_run: Path, tmp_path: Path) -> None:
    assert report_file.read_meta(zh_run / report_file.FILE) == {
        "kind": "run",
        "scenario": "demo_park",
        "seed": "7",
        "lang": "zh",
    }
    copy = tmp_path / "copy"
    shutil.copytree(zh_run, copy)
    page = _page(copy).replace('name="parksim-seed" content="7"', 'name="parksim-seed" content="8"')
    (copy / report_file.FILE).write_text(page, encoding="utf-8")
    assert any("content differs" in p for p in verify(copy))
    # listed again with its new hash, it still describes another run
    man = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    from sim.files.manifest import sha256_file

    man["files"][report_file.FILE] = sha256_file(copy / report_file.FILE)
    (copy / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    assert verify(copy) == [
        f"{copy / report_file.FILE}: describes another folder: seed '8' (manifest: '7')"
    ]


def test_a_missing_report_the_manifest_promises_is_reported(zh_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(zh_run, copy)
    (copy / report_file.FILE).unlink()
    assert any(p.endswith("report.html: missing") for p in verify(copy))


def test_the_same_folder_gives_the_same_page(zh_run: Path) -> None:
    assert build_page(zh_run, "zh") == _page(zh_run)


def test_english_report_of_the_same_folder(zh_run: Path) -> None:
    html = build_page(zh_run, "en")
    assert_self_contained(html)
    assert "Under the current plan, park capacity is expected to be back at 80 %" in html
    assert "按当前方案" not in html


def test_parksim_report_writes_elsewhere_without_touching_the_folder(
    zh_run: Path, tmp_path: Path
) -> None:
    before = (zh_run / "manifest.json").read_bytes()
    out = tmp_path / "memo.html"
    done = run_cli("report", str(zh_run), "--lang", "en", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert "Under the current plan" in out.read_text(encoding="utf-8")
    assert (zh_run / "manifest.json").read_bytes() == before


def test_parksim_report_into_the_folder_lists_it(zh_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(zh_run, copy)
    (copy / report_file.FILE).unlink()
    man = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    del man["files"][report_file.FILE]
    man["report"] = False
    (copy / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    assert verify(copy) == []
    done = run_cli("report", str(copy))
    assert done.returncode == 0, done.stderr
    doc, _ = read_manifest(copy)
    assert doc is not None and doc["report"] is True and report_file.FILE in doc["files"]
    assert "按当前方案" in _page(copy)  # the folder's language by default
    assert verify(copy) == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.write_text("x"), "not a results folder"),
        (lambda p: p.mkdir(), "no manifest.json"),
    ],
)
def test_parksim_report_refuses_what_is_not_a_results_folder(
    tmp_path: Path, setup, message: str
) -> None:
    target = tmp_path / "thing"
    setup(target)
    done = run_cli("report", str(target))
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_comparison_report_ranks_the_options_in_plain_words(demo_compare: Path) -> None:
    html = _page(demo_compare)
    assert_self_contained(html)
    assert '<section id="options">' in html
    for option in ("more_service_teams", "second_transfer_station", "baseline"):
        assert option in html
    # every option but the baseline is judged in plain words, on both headline metrics
    judged = re.findall(r"<li class=\"(real|worse|noise)\">「([a-z_]+)」", html)
    assert sorted({name for _, name in judged}) == ["more_service_teams", "second_transfer_station"]
    assert html.count("<img ") == 3
    assert verify(demo_compare) == []


def test_the_demo_comparison_report_is_under_2_mb(demo_compare: Path) -> None:
    assert (demo_compare / report_file.FILE).stat().st_size < 2_000_000


def test_a_sweep_report_ranks_the_parameters(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"""name: tiny
scenario: {SCENARIOS / "demo_park.yaml"}
parameters:
  - {{path: reopening.service_teams, name: teams, levels: [1, 4]}}
design: {{method: grid}}
replications: 2
outcomes: [lost_output_days]
seed: 3
""",
        encoding="utf-8",
    )
    out = tmp_path / "sw"
    done = run_cli("sweep", str(sweep), "--executor", "serial", "--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert f"report: {out / report_file.FILE}" in done.stdout
    html = _page(out)
    assert_self_contained(html)
    assert "the lowest lost output (baseline-days)" in html  # the grid's best point
    assert '<section id="sensitivity">' in html
    assert verify(out) == []
    # again, complete: the report is written again, in the language asked for
    done = run_cli("sweep", str(sweep), "--executor", "serial", "--out", str(out), "--lang", "zh")
    assert done.returncode == 0, done.stderr
    assert "参数扫描" in _page(out)
    assert verify(out) == []


def test_no_report_and_no_plots_write_none(tmp_path: Path) -> None:
    for flag in ("--no-report", "--no-plots"):
        out = tmp_path / flag
        done = run_cli(
            "run",
            str(SCENARIOS / "demo_park.yaml"),
            "--replications",
            "1",
            "--days",
            "10",
            flag,
            "--out",
            str(out),
            "--quiet",
        )
        assert done.returncode == 0, done.stderr
        assert not (out / report_file.FILE).exists()
        doc, _ = read_manifest(out)
        assert doc is not None and doc["report"] is False
        assert verify(out) == []


def test_a_calibration_or_unknown_folder_has_no_report(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not a parksim run, comparison or sweep"):
        build_page(tmp_path, "en", manifest={})
    with pytest.raises(ReportError, match="a calibration folder has no report"):
        build_page(tmp_path, "en", manifest={"kind": "calibration"})


# --------------------------------------------------------------------------- pieces


SUMMARY = {
    "replications": 4,
    "days": 60,
    "metrics": {
        "days_to_80": {"median": 30.0, "median_ci95": [28.0, None], "reached": 3},
        "lost_output_days": {"mean": 12.34, "ci95": [10.0, 14.5], "values": [9, 15, 12, 11]},
    },
    "causes": {"labour": {"mean": 5.0}, "input:芯片": {"mean": 6.0}, "failed": {"mean": 0.0}},
}


def test_the_headline_of_a_run() -> None:
    import datetime as dt

    zh = run_headline(SUMMARY, Words("zh", dt.date(2022, 4, 1)))
    assert zh == (
        "按当前方案，园区产能预计于2022年5月1日恢复至80%"
        "（95%置信区间 2022年4月29日–60天模拟期之后）（4次模拟中3次达到）；"
        "模拟期内损失产出约12.3个基期日（95%置信区间 10.0–14.5），"
        "主要原因是缺料：芯片和用工不足。"
    )
    en = run_headline(SUMMARY, Words("en"))
    assert en.startswith(
        "Under the current plan, park capacity is expected to be back at 80 % on day 30 "
        "(95 % CI day 28 – beyond the 60 days simulated) (reached in 3 of 4 replications); "
    )
    never = {**SUMMARY, "metrics": {**SUMMARY["metrics"], "days_to_80": {"reached": 1}}}
    assert "恢复不到80%（4次模拟中1次达到）" in run_headline(never, Words("zh"))


def test_the_gantt_shows_the_replication_of_median_lost_output() -> None:
    assert typical_replication(SUMMARY) == 3  # 9, 11, 12, 15: the lower middle, 11
    assert typical_replication({"metrics": {"lost_output_days": {"values": [5.0]}}}) == 0


def test_verdicts_say_which_differences_are_real() -> None:
    from sim.files.comparison import Stat

    def s(diff: float, significant: bool) -> Stat:
        return Stat("a", "lost_output_days", 1, 0, 2, 4, diff, diff - 1, diff + 1, 4, significant)

    w = Words("en")
    assert verdict(s(-2.0, True), w) == ("real: better than the baseline", "real")
    assert verdict(s(2.0, True), w) == ("real: worse than the baseline", "worse")
    assert verdict(s(-0.5, False), w) == ("not told apart from chance", "noise")
    assert verdict(None, w)[1] == "noise"


def test_the_embedded_font_holds_just_the_page_glyphs() -> None:
    assert embedded_font_css("English only, 100 %") == ""
    css = embedded_font_css("复工率")
    assert css.startswith('@font-face { font-family: "Parksim CJK SC"')
    assert 1_000 < len(css) < 20_000  # three glyphs, not the 1.5 MB font
    assert i18n.tr("report.sec_caveats", "zh") == "说明与局限"


def test_parksim_report_keeps_out_of_the_folder_but_its_own_file(
    zh_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(zh_run, copy)
    done = run_cli("report", str(copy), "--out", str(copy / "memo.html"))
    assert done.returncode == 2 and "inside the results folder" in done.stderr
    assert not (copy / "memo.html").exists()
    done = run_cli("report", str(copy), "--out", str(copy / report_file.FILE), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert verify(copy) == []
    assert not list(tmp_path.glob(".*.tmp"))


def test_plots_redrawn_in_english_make_english_the_folders_language(
    zh_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(zh_run, copy)
    done = run_cli("plot", str(copy), "--lang", "en")
    assert done.returncode == 0, done.stderr
    doc, _ = read_manifest(copy)
    assert doc is not None and doc["lang"] == "en" and doc["report"] is True
    assert verify(copy) == []
    done = run_cli("report", str(copy))
    assert done.returncode == 0, done.stderr
    assert "Under the current plan" in _page(copy)


def test_relapses_are_flagged_beside_days_to_80() -> None:
    """A run's metric table and a comparison's option table say how many replications fell
    back after reaching 80 % (issue 18.6), and say nothing when none did."""
    import dataclasses

    from sim.files.comparison import Stat
    from sim.output.report import Words, _relapsed, _relapsed_share

    summ = {"relapses": {"days_to_80": {"reached": 9, "relapsed": 2}}}
    assert _relapsed(summ, "days_to_80", Words("en")) == ", ▼ 2 relapsed"
    assert _relapsed(summ, "days_to_80", Words("zh")) == "，▼ 2 次回落"
    assert _relapsed({}, "days_to_80", Words("en")) == ""  # a run older than relapses
    names = [f.name for f in dataclasses.fields(Stat)]
    row = dict.fromkeys(names, float("nan")) | {"option": "teams", "metric": "relapsed_80"}
    row |= {"mean": 0.7, "n": 10, "n_pairs": 10, "significant": False}
    assert _relapsed_share(Stat(**row), Words("en")) == " ▼ 7/10"
    assert _relapsed_share(Stat(**(row | {"mean": 0.0})), Words("en")) == ""
    assert _relapsed_share(None, Words("en")) == ""
