"""Reading scenario YAML: marks, YAML 1.2 scalars, and every refusal as a located ScenarioError."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import pytest

from sim.scenario import source
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.source import MAX_DEPTH, MAX_VALUES, Mark, Source, load_yaml, load_yaml_text

SCENARIO_FILES = list((Path(__file__).resolve().parents[2] / "scenarios").rglob("*.yaml"))

NESTED = """\
park:
  name: Qingtaishan
  firms:
    - id: steel
      staff: 120
    - {id: coal, staff: 40}
"""


def _error(text: str, name: str = "s.yaml") -> ScenarioError:
    """The ScenarioError raised for `text`; fails the test when none is raised."""
    with pytest.raises(ScenarioError) as info:
        load_yaml_text(text, name)
    return info.value


def _assert_located(err: ScenarioError, name: str, line: int) -> None:
    """The rendered error names the file and the line (the one thing a planner needs)."""
    assert f"{name}:{line}" in str(err)


def test_marks_of_nested_keys_and_list_items() -> None:
    src = load_yaml_text(NESTED, "park.yaml")
    assert src.data == {
        "park": {
            "name": "Qingtaishan",
            "firms": [{"id": "steel", "staff": 120}, {"id": "coal", "staff": 40}],
        }
    }
    assert src.marks[()] == Mark("park.yaml", 1, 1)
    assert src.marks[("park",)] == Mark("park.yaml", 1, 1)
    assert src.marks[("park", "name")] == Mark("park.yaml", 2, 3)
    assert src.marks[("park", "firms", 0)] == Mark("park.yaml", 4, 7)
    assert src.marks[("park", "firms", 0, "staff")] == Mark("park.yaml", 5, 7)
    assert src.marks[("park", "firms", 1)] == Mark("park.yaml", 6, 7)
    assert src.marks[("park", "firms", 1, "staff")] == Mark("park.yaml", 6, 18)


def test_every_node_has_a_mark() -> None:
    src = load_yaml_text(NESTED, "park.yaml")
    assert len(src.marks) == 10  # root, park, name, firms, 2 items, 2 x (id, staff)


def test_mark_for_walks_up_to_a_known_path() -> None:
    src = load_yaml_text(NESTED, "park.yaml")
    assert src.mark_for(["park", "firms", 1, "staff", "int-tag"]) == Mark("park.yaml", 6, 18)
    assert src.mark_for(("park", "missing_field")) == Mark("park.yaml", 1, 1)
    assert src.mark_for(()) == Mark("park.yaml", 1, 1)
    assert Source({}, {}).mark_for(("a",)) is None


def test_duplicate_key_names_both_lines() -> None:
    err = _error("a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n")
    assert len(err.problems) == 1
    problem = err.problems[0]
    assert (problem.line, problem.column) == (5, 3)
    assert problem.path == ("b", "c")
    assert "line 3" in problem.message
    _assert_located(err, "s.yaml", 5)


def test_all_duplicate_keys_are_reported_together() -> None:
    err = _error("a: 1\na: 2\nb: 1\nb: 2\n")
    assert [p.line for p in err.problems] == [2, 4]


def test_yaml_1_1_booleans_stay_text() -> None:
    src = load_yaml_text("on: yes\noff: no\ny: n\nflag: true\nother: False\n", "s.yaml")
    assert src.data == {"on": "yes", "off": "no", "y": "n", "flag": True, "other": False}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e-3", 0.001),
        ("1E5", 100000.0),
        ("-2.5e+3", -2500.0),
        (".5", 0.5),
        ("+12", 12),
        ("0x1F", 31),
        ("0o17", 15),
        (".inf", math.inf),
        ("-.inf", -math.inf),
        ("~", None),
        ("", None),
        ("Null", None),
        ("'1e-3'", "1e-3"),
        ('"true"', "true"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("12:30", "12:30"),
    ],
)
def test_scalars_follow_yaml_1_2_core(text: str, value: object) -> None:
    data = load_yaml_text(f"v: {text}\n", "s.yaml").data["v"]
    assert data == value
    assert type(data) is type(value)


def test_nan_is_kept_for_the_schema_to_reject() -> None:
    assert math.isnan(load_yaml_text("v: .nan\n", "s.yaml").data["v"])


def test_dates_stay_strings() -> None:
    src = load_yaml_text("start: 2022-04-16\nat: 2022-04-16 08:00:00\n", "s.yaml")
    assert src.data == {"start": "2022-04-16", "at": "2022-04-16 08:00:00"}


@pytest.mark.parametrize("key", ["1", "null", "true", "1.5", "[a, b]"])
def test_non_text_keys_are_refused(key: str) -> None:
    err = _error(f"a: 1\n{key}: x\n")
    assert "keys must be text" in str(err)
    _assert_located(err, "s.yaml", 2)


def test_quoted_number_key_is_text() -> None:
    assert load_yaml_text("'1': x\n", "s.yaml").data == {"1": "x"}


def test_syntax_error_has_line_and_column() -> None:
    err = _error("a: 1\nb: [1, 2\nc: 3\n")
    (problem,) = err.problems
    assert problem.file == "s.yaml"
    assert problem.line == 3 and problem.column is not None
    assert "invalid YAML" in problem.message
    assert "while parsing a flow sequence at line 2" in problem.message


def test_mapping_value_in_plain_scalar_is_a_syntax_error() -> None:
    err = _error("a: b: c\n")
    assert err.problems[0].line == 1
    assert err.problems[0].column == 5
    _assert_located(err, "s.yaml", 1)


def _billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghij"
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.perf_counter()
    err = _error(_billion_laughs())
    assert time.perf_counter() - started < 2.0
    assert "2,000,000 nodes" in str(err)
    _assert_located(err, "s.yaml", 7)  # 9**7 lols: the first value past the budget


def test_shared_anchors_within_budget_are_expanded() -> None:
    src = load_yaml_text("base: &b {staff: 3}\nfirms: [*b, *b]\n", "s.yaml")
    assert src.data["firms"] == [{"staff": 3}, {"staff": 3}]
    src.data["firms"][0]["staff"] = 4
    assert src.data["firms"][1]["staff"] == 3  # expanded into independent copies
    assert src.marks[("firms", 1, "staff")] == Mark("s.yaml", 1, 11)


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x\n  b: *x\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    err = _error(text)
    assert "recursive" in str(err)
    _assert_located(err, "s.yaml", 1)


def test_nesting_limit() -> None:
    ok = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    assert load_yaml_text(ok, "s.yaml").data is not None
    deep = "[" * (MAX_DEPTH + 1) + "1" + "]" * (MAX_DEPTH + 1)
    err = _error(deep)
    assert "deeper than" in str(err)
    _assert_located(err, "s.yaml", 1)


def test_very_deep_nesting_is_an_error_not_a_recursion_error() -> None:
    err = _error("a: " + "[" * 50_000)
    assert "deeper than" in str(err)


def test_nesting_through_aliases_is_limited() -> None:
    half = MAX_DEPTH // 2 + 10
    text = "x: &x " + "[" * half + "1" + "]" * half + "\ny: " + "[" * half + "*x" + "]" * half
    err = _error(text + "\n")
    assert "aliases" in str(err)


def test_multiple_documents_are_refused() -> None:
    err = _error("a: 1\n---\nb: 2\n")
    assert "document" in str(err)
    _assert_located(err, "s.yaml", 2)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_document_is_an_empty_mapping(text: str) -> None:
    src = load_yaml_text(text, "s.yaml")
    assert src.data == {}
    assert src.marks == {(): Mark("s.yaml", 1, 1)}


def test_unsupported_tags_are_refused() -> None:
    err = _error("a: !!python/object/apply:os.system [echo]\nb: !!binary aGk=\nc: !env HOME\n")
    assert [p.line for p in err.problems] == [1, 2, 3]
    assert all("unsupported YAML tag" in p.message for p in err.problems)


def test_merge_keys_are_refused() -> None:
    err = _error("base: &b {x: 1}\nfirm:\n  <<: *b\n")
    assert "merge keys" in str(err)
    _assert_located(err, "s.yaml", 3)


def test_control_character_is_located() -> None:
    err = _error("a: 1\nb: x\x07y\n")
    assert err.problems[0].line == 2
    assert err.problems[0].column == 5


# --- files ---------------------------------------------------------------------------------------


def test_load_yaml_uses_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "park.yaml"
    path.write_text(NESTED, encoding="utf-8")
    src = load_yaml(path)
    assert src.data["park"]["firms"][1]["id"] == "coal"
    assert src.marks[("park", "name")] == Mark(str(path), 2, 3)


def test_bom_does_not_shift_columns(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    src = load_yaml(path)
    assert src.data == {"a": 1}
    assert src.marks[("a",)] == Mark(str(path), 1, 1)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_yaml(path)
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="directory"):
        load_yaml(tmp_path)


def test_too_large_file_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100, encoding="utf-8")

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(ScenarioError) as info:
        load_yaml(path, max_bytes=100)
    assert str(path) in str(info.value)
    assert "100 bytes" in str(info.value)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_bytes(b"a: 1\n")
    assert load_yaml(path, max_bytes=5).data == {"a": 1}


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("a: 1\nname: 青台山\n".encode("gbk"))
    with pytest.raises(ScenarioError) as info:
        load_yaml(path)
    (problem,) = info.value.problems
    assert "UTF-8" in problem.message
    assert (problem.line, problem.column) == (2, 7)
    assert f"{path}:2" in str(info.value)


def test_utf8_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf8.yaml"
    path.write_text("name: 青台山\nx: 1\n", encoding="utf-8")
    src = load_yaml(path)
    assert src.data == {"name": "青台山", "x": 1}
    assert src.marks[("x",)].line == 2


def test_file_errors_carry_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_yaml(path)
    assert f"{path}:2:1" in str(info.value)


def test_global_safe_loader_is_not_changed() -> None:
    import yaml

    load_yaml_text("on: 1e-3\n", "s.yaml")
    assert yaml.safe_load("x: on\ny: 1e-3\n") == {"x": True, "y": "1e-3"}


# --- big files: values counted while composing, libyaml when present (issue 13) -------


def test_a_huge_flow_list_is_refused_at_the_value_budget() -> None:
    # Composed whole before being counted, a 20 MB list of numbers parsed for minutes
    # and ended in a traceback; now the composer stops at MAX_VALUES (where the
    # problem is located shows it stopped there: the list goes on far beyond).
    text = "name: x\nl: [" + "1," * 1_000_000 + "1]\n"
    err = _error(text)
    (p,) = err.problems
    assert p.line == 2 and p.column is not None
    assert 2 * (MAX_VALUES - 10) < p.column < 2 * (MAX_VALUES + 10) < 2 * 1_000_000
    assert f"more than {MAX_VALUES:,} values" in p.message
    assert "registry CSV" in p.message


def test_a_block_list_past_the_budget_is_refused_at_its_first_value_too(monkeypatch) -> None:
    monkeypatch.setattr(source, "MAX_VALUES", 1000)
    (p,) = _error("name: x\nl:\n" + "- 1\n" * 2000).problems
    # the mapping, two keys, `x` and the list are five values: item 995 is the 1,001st
    assert (p.line, p.column) == (2 + 1000 - 4, 3)
    assert "more than 1,000 values" in p.message


def test_values_up_to_the_budget_are_read(monkeypatch) -> None:
    monkeypatch.setattr(source, "MAX_VALUES", 1000)
    src = load_yaml_text("l: [" + "1," * 996 + "1]\n", "s.yaml")
    assert len(src.data["l"]) == 997  # + the mapping, the key and the list
    _error("l: [" + "1," * 997 + "1]\n")


def test_a_20_mb_value_or_comment_is_read_quickly() -> None:
    for text in (
        "d: " + "a" * 19_000_000 + "\n",
        'd: "' + "a" * 19_000_000 + '"\n',
        "d: 1\n" + ("# " + "x" * 998 + "\n") * 19_000,
    ):
        started = time.perf_counter()
        src = load_yaml_text(text, "s.yaml")
        assert time.perf_counter() - started < 5.0
        assert src.data["d"] in (1, "a" * 19_000_000)


def test_a_long_key_is_refused_or_cut_in_messages() -> None:
    # a plain key is at most 1,024 characters (YAML); an explicit `? key` is not
    p = _error("k" * 5000 + ": 1\n").problems[0]
    assert p.line == 1 and "invalid YAML" in p.message
    src = load_yaml_text("? " + "k" * 1_000_000 + "\n: 1\n", "s.yaml")
    (key,) = src.data
    assert len(key) == 1_000_000
    shown = str(Problem("unknown key", path=(key,), file="s.yaml", line=1))
    assert len(shown) < 200


SNIPPETS = [
    NESTED,
    "a: &a {x: 1, y: [2, 3]}\nb: *a\nc: [*a, *a]\n",
    "s: 'single ''quoted'''\nd: \"esc \\t \\u00e9 \\x41\"\nl: |\n  one\n   two\nf: >\n  a\n  b\n",
    "? complex\n: value\n'quoted key': 1\n\"dq\": 2\n",
    "工厂: {产值: 1.5, 人数: 0x1F}\nempty:\nnull_: ~\nt: [true, False, .inf, -.inf, 1e-3]\n",
    "---\nx: 1\n...\n",
    "list:\n- a\n-   - b\n    - c\n- {k: v}\n",
]


@pytest.mark.parametrize(
    "text",
    SNIPPETS + [p.read_text(encoding="utf-8") for p in sorted(SCENARIO_FILES)],
    ids=[f"snippet{i}" for i in range(len(SNIPPETS))] + [p.name for p in sorted(SCENARIO_FILES)],
)
def test_libyaml_and_pyyaml_read_the_same_data_and_marks(monkeypatch, text: str) -> None:
    if len(source._LOADERS) == 1:
        pytest.skip("PyYAML without libyaml")
    fast = load_yaml_text(text, "s.yaml")
    monkeypatch.setattr(source, "_LOADERS", (source._Loader,))
    slow = load_yaml_text(text, "s.yaml")
    assert repr(fast.data) == repr(slow.data)  # repr: nan != nan, and types count
    assert fast.marks == slow.marks


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n\tb: 2\n",
        "a: [1,\n",
        "a: b: c\n",
        "x: 1\nname: x\x07\n",
        "a:\n  - b\n  c: d\n",
        "x: 1\n---\ny: 2\n",
        "'unclosed\n",
        "a: &x 1\nb: *y\n",
    ],
)
def test_an_error_libyaml_finds_is_reported_in_pyyaml_words(monkeypatch, text: str) -> None:
    fast = _error(text)
    monkeypatch.setattr(source, "_LOADERS", (source._Loader,))
    slow = _error(text)
    assert str(fast) == str(slow)


def test_an_error_deep_in_a_big_file_keeps_libyaml_words_and_is_quick() -> None:
    if len(source._LOADERS) == 1:
        pytest.skip("PyYAML without libyaml")
    text = "d: 1\n" + ("# " + "x" * 998 + "\n") * 5000 + "e: [1,\n"
    started = time.perf_counter()
    p = _error(text).problems[0]
    assert time.perf_counter() - started < 3.0
    assert p.line is not None and p.line > 5000
    assert "invalid YAML" in p.message
