import json
import pathlib
import re

import pytest

from course_lib import badges, manifest
from course_lib._files import notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
COURSE = manifest.load()


def test_manifest_and_files_agree():
    """Every notebook file is in the manifest, and every manifest entry has a file."""
    assert badges.file_problems(COURSE, ROOT) == []


def test_generated_content_matches_manifest():
    """Titles, Colab badges, setup cells and the README table are what `course badges` generates."""
    assert badges.sync(ROOT, write=False) == []


def test_repository_url_lives_in_one_place():
    url = COURSE.repository
    offenders = []
    for path in ROOT.rglob("*"):
        if any(part in {".git", ".venv", "build", "__pycache__"} for part in path.parts) or not path.is_file():
            continue
        if path.suffix in {".py", ".md", ".toml", ".yml", ".cfg", ".sh", ""} and path.name != "manifest.toml":
            try:
                text = path.read_text(errors="ignore")
            except FileNotFoundError:  # removed while we walk (another process's temp file)
                continue
            if url in text:
                offenders.append(str(path.relative_to(ROOT)))
    # Notebooks and the README carry generated copies, which test_generated_content_matches_manifest checks.
    assert [p for p in offenders if p != "README.md"] == []


def test_every_notebook_has_badge_and_setup_cell():
    for nb in COURSE.notebooks:
        cells = notebook_cells(ROOT / nb.path)
        assert cells[0]["cell_type"] == "markdown"
        assert COURSE.badge(nb.path) in "".join(cells[0]["source"]), nb.path
        first_code = next(c for c in cells if c["cell_type"] == "code")
        assert "".join(first_code["source"]) == COURSE.setup_cell(), nb.path


def test_badge_mismatch_is_reported(tmp_path):
    nb = COURSE.notebooks[0]
    copy = tmp_path / "nb.ipynb"
    data = json.loads((ROOT / nb.path).read_text())
    data["cells"][0]["source"] = ["".join(data["cells"][0]["source"]).replace("u0_start", "u9_elsewhere")]
    copy.write_text(json.dumps(data))
    problems = badges.sync_notebook(COURSE, copy, nb.path, nb.title, write=False)
    assert problems and "badge" in problems[0]
    assert badges.sync_notebook(COURSE, copy, nb.path, nb.title, write=True)
    assert badges.sync_notebook(COURSE, copy, nb.path, nb.title, write=False) == []


def test_stray_and_missing_files_are_reported(tmp_path):
    (tmp_path / "notebooks" / "u0_start").mkdir(parents=True)
    (tmp_path / "notebooks" / "u0_start" / "stray.ipynb").write_text("{}")
    problems = badges.file_problems(COURSE, tmp_path)
    assert any("stray.ipynb: notebook file is not in" in p for p in problems)
    assert any("00_start_here.ipynb: listed in the manifest but the file does not exist" in p for p in problems)


def test_select_targets():
    assert COURSE.select(None) == COURSE.notebooks
    assert COURSE.select("u0") == list(COURSE.unit("u0").notebooks)
    assert COURSE.select("u0_start") == COURSE.select("u0")
    assert COURSE.select("00_start_here")[0].path == "notebooks/u0_start/00_start_here.ipynb"
    with pytest.raises(KeyError, match="neither a unit"):
        COURSE.select("u99")


def test_manifest_validation_errors():
    good = '[[units]]\nid="u1"\ndir="u1_x"\ntitle="t"\ntopics=[{id="u1.a", text="A"}]\n'
    with pytest.raises(ValueError, match="repository"):
        manifest.parse(good)
    bad_topic = ('repository="https://github.com/o/r"\n' + good +
                 '[[units.notebooks]]\nfile="a.ipynb"\ntitle="A"\ncovers=[{topic="u1.zzz", section="s"}]\n')
    with pytest.raises(ValueError, match="u1.zzz"):
        manifest.parse(bad_topic)


def test_colab_url_shape():
    url = COURSE.colab_url("notebooks/x/y.ipynb")
    assert url.startswith("https://colab.research.google.com/github/")
    assert url.endswith(f"/blob/{COURSE.branch}/notebooks/x/y.ipynb")


def test_units_map_to_library_modules_that_exist():
    package = pathlib.Path(manifest.__file__).parent
    course = manifest.load()
    claimed = set()
    for unit in course.units:
        for name in unit.library:
            path = package.joinpath(*name.split("."))
            assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), \
                f"manifest: unit {unit.id} lists course_lib.{name}, which does not exist"
            claimed.add(name)
    # Every teaching module of the topic packages serves some unit, so none is orphaned.
    for folder in ("scratch", "plots"):
        for path in sorted((package / folder).glob("[!_]*.py")):
            assert f"{folder}.{path.stem}" in claimed, f"course_lib.{folder}.{path.stem} is not in any unit's library"


LIMITS_BASE = ('repository="https://github.com/o/r"\n[[units]]\nid="u9"\ndir="u9_x"\ntitle="t"\n'
               '[[units.exercises]]\nname="cnn"\ntitle="A CNN exercise"\n')


def test_exercise_limits_parse_and_default_to_none():
    ex = manifest.parse(LIMITS_BASE + "timeout_s=600\nmemory_mb=8192\nneeds_gpu=true\n").exercise("u9.cnn")
    assert (ex.timeout_s, ex.memory_mb, ex.needs_gpu) == (600.0, 8192, True)
    plain = manifest.parse(LIMITS_BASE).exercise("u9.cnn")
    assert (plain.timeout_s, plain.memory_mb, plain.needs_gpu) == (None, None, False)
    assert all(e.timeout_s is None and not e.needs_gpu for e in COURSE.exercises)  # Unit 1 runs on the defaults


@pytest.mark.parametrize("line, message", [
    ("timeout_s=0", "exercise u9.cnn: timeout_s must be a number of seconds ≥ 0.1, got 0"),
    ("timeout_s='600'", "timeout_s must be a number of seconds ≥ 0.1, got '600'"),
    ("memory_mb=100", "exercise u9.cnn: memory_mb must be an integer ≥ 256 (megabytes), got 100"),
    ("memory_mb=4096.5", "memory_mb must be an integer ≥ 256 (megabytes), got 4096.5"),
    ("needs_gpu='yes'", "needs_gpu must be true or false, got 'yes'"),
    ("memory_MB=8192", "exercise u9.cnn has unknown key(s) ['memory_MB']"),
])
def test_bad_exercise_limits_are_named(line, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        manifest.parse(LIMITS_BASE + line + "\n")
