"""Syllabus coverage: every topic of a unit is taught by a notebook section that really exists.

The manifest says which notebook section covers which topic. These tests fail when a
Unit 1 topic has no covering section, or when a section named in the manifest is not a
markdown heading of its notebook. Every unit that lists notebooks is held to the same rule.
"""

import json
import pathlib
import re

import pytest

from course_lib import manifest
from course_lib._files import cell_source, notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
COURSE = manifest.load()
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def headings(notebook_path: pathlib.Path) -> list[str]:
    """The text of every markdown heading in a notebook, in order."""
    found = []
    for cell in notebook_cells(notebook_path, "markdown"):
        found += [m.group(1) for line in cell_source(cell).splitlines() if (m := _HEADING.match(line))]
    return found


def uncovered_topics(unit: manifest.Unit) -> list[str]:
    covered = {topic for nb in unit.notebooks for topic, _ in nb.covers}
    return [t.id for t in unit.topics if t.id not in covered]


def missing_sections(unit: manifest.Unit, root: pathlib.Path = ROOT) -> list[str]:
    problems = []
    for nb in unit.notebooks:
        path = root / nb.path
        if not path.is_file():
            problems.append(f"{nb.path}: file missing")
            continue
        present = set(headings(path))
        problems += [f"{nb.path}: no heading {section!r} (for {topic})"
                     for topic, section in nb.covers if section not in present]
    return problems


UNITS_WITH_NOTEBOOKS = [u for u in COURSE.units if u.notebooks]


def test_unit1_has_notebooks():
    assert COURSE.unit("u1").notebooks, "Unit 1 lists no notebooks in course_lib/manifest.toml"


@pytest.mark.parametrize("unit", UNITS_WITH_NOTEBOOKS, ids=[u.id for u in UNITS_WITH_NOTEBOOKS])
def test_every_topic_has_a_covering_section(unit):
    assert uncovered_topics(unit) == []


@pytest.mark.parametrize("unit", UNITS_WITH_NOTEBOOKS, ids=[u.id for u in UNITS_WITH_NOTEBOOKS])
def test_every_covering_section_is_a_heading_of_its_notebook(unit):
    assert missing_sections(unit) == []


def test_the_checks_catch_gaps(tmp_path):
    """An uncovered topic and a misnamed section are both reported."""
    course = manifest.parse(
        'repository = "https://github.com/o/r"\n'
        '[[units]]\nid = "u9"\ndir = "u9_x"\ntitle = "T"\n'
        'topics = [{ id = "u9.a", text = "A" }, { id = "u9.b", text = "B" }]\n'
        '[[units.notebooks]]\nfile = "n.ipynb"\ntitle = "N"\n'
        'covers = [{ topic = "u9.a", section = "1. Alpha" }]\n')
    unit = course.unit("u9")
    assert uncovered_topics(unit) == ["u9.b"]
    folder = tmp_path / "notebooks" / "u9_x"
    folder.mkdir(parents=True)
    cell = {"cell_type": "markdown", "metadata": {}, "source": ["# N\n", "\n", "## 1. Alphabet\n"]}
    (folder / "n.ipynb").write_text(json.dumps({"cells": [cell]}))
    assert missing_sections(unit, tmp_path) == ["notebooks/u9_x/n.ipynb: no heading '1. Alpha' (for u9.a)"]
    cell["source"][-1] = "## 1. Alpha\n"
    (folder / "n.ipynb").write_text(json.dumps({"cells": [cell]}))
    assert missing_sections(unit, tmp_path) == []


def test_headings_parser(tmp_path):
    cell = {"cell_type": "markdown", "source": "# Title\ntext with a # inside\n### 2.1 Sub ###\n    # code, not heading"}
    code = {"cell_type": "code", "source": "# a comment"}
    path = tmp_path / "probe.ipynb"
    path.write_text(json.dumps({"cells": [cell, code]}))
    assert headings(path) == ["Title", "2.1 Sub"]
