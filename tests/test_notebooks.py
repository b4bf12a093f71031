"""Static rules every teaching notebook follows (cheap; nbval executes them separately)."""

import json
import pathlib
import re
import subprocess
import sys

import pytest

from course_lib import manifest
from course_lib._files import cell_source, notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = manifest.load().notebooks
HARD_CODED_BUDGET = re.compile(r"\b(epochs|steps_per_epoch|n_samples|max_train|trials)\s*=\s*\d")
SCALED = re.compile(r"\.scaled\([^)]*\)")  # budget.scaled(epochs=2) scales the mode's budget: allowed
PROGRESS_BAR = re.compile(r"━━━━|\d+/\d+ \[=+")


def code_cells(nb):
    return notebook_cells(ROOT / nb.path, "code")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_checked_cells_are_committed_executed(nb):
    for i, cell in enumerate(code_cells(nb)):
        if "NBVAL_CHECK_OUTPUT" in cell_source(cell):
            assert cell["execution_count"] is not None and cell["outputs"], \
                f"{nb.path} code cell {i}: marked NBVAL_CHECK_OUTPUT but committed unexecuted, so nbval skips it"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_no_hard_coded_budgets_and_a_report(nb):
    sources = [cell_source(c) for c in code_cells(nb)]
    offenders = [s.splitlines()[0] for s in sources if HARD_CODED_BUDGET.search(SCALED.sub("", s))]
    assert not offenders, f"{nb.path}: budgets must come from cl.budget(), found hard-coded values in {offenders}"
    assert any("cl.report(" in s for s in sources), f"{nb.path} never reports a metric with cl.report(...)"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_committed_outputs_have_no_progress_bar_spam(nb):
    for i, cell in enumerate(code_cells(nb)):
        text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
        assert not PROGRESS_BAR.search(text), f"{nb.path} code cell {i} committed a Keras progress bar"


@pytest.mark.slow
def test_nbval_really_compares_checked_cells(tmp_path):
    """Tamper with a committed checked output: nbval must fail on that cell."""
    nb = manifest.load().notebook("00_start_here")
    data = json.loads((ROOT / nb.path).read_text())
    checked = next(c for c in data["cells"] if "NBVAL_CHECK_OUTPUT" in "".join(c.get("source", [])))
    stream = next(o for o in checked["outputs"] if o["output_type"] == "stream")
    stream["text"] = "".join(stream["text"]).replace("512", "513")
    (tmp_path / "tampered.ipynb").write_text(json.dumps(data))
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", "tampered.ipynb"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1 failed" in proc.stdout and "513" in proc.stdout


EXERCISE_LINK = re.compile(r"\]\((\.\./\.\./exercises/(u\d+)/([a-z0-9_]+)\.ipynb)\)")


@pytest.mark.parametrize("nb", [nb for nb in NOTEBOOKS if manifest.load().unit(nb.unit).exercises],
                         ids=lambda nb: nb.stem)
def test_each_notebook_links_to_an_exercise_of_its_unit(nb):
    unit = manifest.load().unit(nb.unit)
    text = "".join(cell_source(c) for c in notebook_cells(ROOT / nb.path, "markdown"))
    links = EXERCISE_LINK.findall(text)
    assert links, f"{nb.path} links to none of its unit's exercises ({[e.id for e in unit.exercises]})"
    for target, unit_id, name in links:
        assert (ROOT / nb.path).parent.joinpath(target).resolve().is_file(), f"{nb.path}: broken link {target}"
        assert f"{unit_id}.{name}" in {e.id for e in unit.exercises}, f"{nb.path}: {target} is not in the manifest"
