"""The documentation: a short README, links that resolve, sources cited by name,
and every command and flag of the CLI documented somewhere a reader can find it."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest
import yaml

from sim.cli import build_parser
from tests.conftest import ROOT, SCENARIOS

README = ROOT / "README.md"
README_MAX_BYTES = 12 * 1024
DOCS = sorted((ROOT / "docs").glob("*.md"))
USER_DOCS = [README, *DOCS]
"""What a reader goes through: the README and the pages it leads to."""
LINKED_DOCS = [
    *USER_DOCS,
    SCENARIOS / "README.md",
    ROOT / "CHANGELOG.md",
    ROOT / "benchmarks" / "README.md",
    ROOT / "results" / "README.md",
]
"""Every Markdown file whose links are checked."""
SCENARIO_FILES = sorted(SCENARIOS.rglob("*.yaml"))

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
AUTOLINK = re.compile(r"<([a-z][a-z0-9+.-]*:[^>\s]*)>", re.I)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$", re.M)
HTML_ANCHOR = re.compile(r"<a\b[^>]*\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)


def _prose(text: str) -> str:
    """The text outside fenced code blocks and HTML comments (blanked, keeping lines)."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return COMMENT.sub(blank, FENCE.sub(blank, text))


def links(text: str) -> list[str]:
    """Targets of every link and image in a Markdown text (not in code)."""
    prose = CODE_SPAN.sub(lambda m: "x" * len(m.group(0)), _prose(text))
    found = [m.group(1) for m in INLINE_LINK.finditer(prose)]
    found += REFERENCE_DEF.findall(prose)
    found += HTML_LINK.findall(prose)
    found += AUTOLINK.findall(prose)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: rendered text, lower case, punctuation dropped,
    spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links → their text
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*)", "", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a link into `path` may use (duplicate headings get -1, -2, …)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    text = path.read_text(encoding="utf-8")
    for m in HEADING.finditer(_prose(text)):
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    out.update(HTML_ANCHOR.findall(text))
    return out


def test_slugs_follow_github() -> None:
    assert slug("Chengdu transfer station (2022)") == "chengdu-transfer-station-2022"
    assert slug("Overlays: `--policy`") == "overlays---policy"
    assert slug("The levers, one line of YAML each") == "the-levers-one-line-of-yaml-each"
    assert slug("Firms: listed, generated, or from a spreadsheet") == (
        "firms-listed-generated-or-from-a-spreadsheet"
    )
    assert slug("`parksim run`") == "parksim-run"


def test_links_are_found_outside_code_only() -> None:
    text = (
        "See [a](a.md#x) and ![img](img/p.png 'x').\n"
        "`[not](a link)` and\n```\n[nor](this.md)\n```\n<!-- [nor](that.md) -->\n"
        '<a href="b.md">b</a>\n[ref]: c.md\n'
    )
    assert links(text) == ["a.md#x", "img/p.png", "c.md", "b.md"]


def test_readme_is_short() -> None:
    size = README.stat().st_size
    assert size <= README_MAX_BYTES, (
        f"README.md is {size:,} bytes; the limit is {README_MAX_BYTES:,}: move detail into docs/"
    )


def test_readme_quick_start_is_make_run_and_make_test() -> None:
    """CI runs exactly the README's test command (`.ci/run`)."""
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^make run +# ", text, re.M)
    assert re.search(r"^make test +# ", text, re.M)


@pytest.mark.parametrize("doc", LINKED_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(doc: Path) -> None:
    root = os.path.normpath(ROOT)
    problems = []
    for target in links(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            problems.append(f"{target}: leaves the repository (keep documentation in it)")
            continue
        path, _, anchor = target.partition("#")
        if not path:
            dest = os.path.normpath(doc)
        elif path.startswith("/"):
            problems.append(f"{target}: absolute path; write it relative to {doc.name}")
            continue
        else:
            dest = os.path.normpath(os.path.join(doc.parent, path))
        if os.path.commonpath([root, dest]) != root:
            problems.append(f"{target}: goes outside the repository")
        elif not os.path.exists(dest):
            problems.append(f"{target}: no such file")
        elif anchor and dest.endswith(".md") and anchor not in anchors(Path(dest)):
            problems.append(f"{target}: no heading with anchor #{anchor}")
    assert not problems, f"{doc.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_sources_are_cited_by_place_and_date(doc: Path) -> None:
    """Readers cannot look up a seed number; they can look up 'Jinshan, 12 May 2022'."""
    text = doc.read_text(encoding="utf-8")
    assert not re.search(r"seed 00\d", text, re.I), "cite the article as in docs/model.md#sources"
    assert "MODEL.md" not in text, "the model is described in docs/model.md"


def _comment_hits(text: str) -> list[int]:
    """Lines where 'seed 00' occurs outside every YAML value (so in a comment)."""
    spans = [
        (t.start_mark.index, t.end_mark.index)
        for t in yaml.scan(text)
        if isinstance(t, yaml.ScalarToken)
    ]
    return [
        text.count("\n", 0, m.start()) + 1
        for m in re.finditer(r"seed 00\d", text, re.I)
        if not any(a <= m.start() < b for a, b in spans)
    ]


def test_comment_hits_sees_comments_not_values() -> None:
    text = 'a: "seed 002, Jinshan"   # seed 002\n# Seed 001\nb: |\n  seed 003\n'
    assert _comment_hits(text) == [1, 2]


@pytest.mark.parametrize("scenario", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_scenario_comments_cite_sources_by_place_and_date(scenario: Path) -> None:
    lines = _comment_hits(scenario.read_text(encoding="utf-8"))
    assert not lines, f"{scenario.name}: 'seed 00X' in the comments of lines {lines}"


def _commands_and_flags() -> list[str]:
    """`parksim <subcommand>`, every long option and every choice of the CLI."""
    words: set[str] = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    words.add(f"{prefix} {name}")
                    walk(sub, f"{prefix} {name}")
                continue
            if isinstance(action, argparse._HelpAction):
                continue
            words.update(s for s in action.option_strings if s.startswith("--"))
            if action.option_strings and action.choices:
                words.update(str(c) for c in action.choices)

    walk(build_parser(), "parksim")
    return sorted(words)


@pytest.mark.parametrize("word", _commands_and_flags())
def test_every_command_and_flag_is_documented(word: str) -> None:
    """A reader following the README into docs/ finds every command and option."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in USER_DOCS)
    assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), (
        f"`{word}` is in `parksim --help` but in neither README.md nor docs/*.md"
    )
