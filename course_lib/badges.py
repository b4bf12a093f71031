"""Generate, or check, everything that is derived from the manifest.

* each notebook's title line and Colab badge (top of the first markdown cell),
* each notebook's first code cell (the Colab-aware setup cell),
* the unit table in README.md, between ``<!-- units:start -->`` and ``<!-- units:end -->``.

``course badges`` rewrites them; ``course badges --check`` lists every mismatch and
fails, as do the tests. Files on disk that the manifest does not know, and manifest
entries without a file, are reported too.
"""

from __future__ import annotations

import json
import pathlib
import uuid

from . import manifest
from ._files import cell_source, read_notebook

README_START = "<!-- units:start -->"
README_END = "<!-- units:end -->"
_FOLDERS = ("notebooks", "exercises", "solutions")


def _write(path: pathlib.Path, nb: dict) -> None:
    for cell in nb["cells"]:  # nbformat 4.5 requires cell ids
        cell.setdefault("id", uuid.uuid4().hex[:8])
    nb["nbformat"], nb["nbformat_minor"] = 4, max(5, nb.get("nbformat_minor", 5))
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _as_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def expected_header(course: manifest.Course, title: str, path: str) -> str:
    return f"# {title}\n\n{course.badge(path)}\n"


def header_of(markdown: str) -> tuple[str, str]:
    """Split a first markdown cell into its generated header and the hand-written rest."""
    lines = markdown.splitlines(keepends=True)
    for i, line in enumerate(lines[:4]):
        if manifest.COLAB_BADGE_IMAGE in line:
            return "".join(lines[: i + 1]), "".join(lines[i + 1:])
    if lines and lines[0].startswith("# "):
        return lines[0], "".join(lines[1:])
    return "", markdown


def sync_notebook(course: manifest.Course, path: pathlib.Path, rel: str, title: str, *, write: bool) -> list[str]:
    """Problems with one notebook's header and setup cell; fixes them when ``write``."""
    try:
        nb = read_notebook(path)
    except (OSError, json.JSONDecodeError) as exc:
        return [f"{rel}: cannot read notebook ({exc})"]
    cells = nb.setdefault("cells", [])
    problems = []
    first_md = next((c for c in cells if c.get("cell_type") == "markdown"), None)
    want_header = expected_header(course, title, rel)
    if first_md is None or cells.index(first_md) != 0:
        problems.append(f"{rel}: the first cell must be markdown with the title and Colab badge")
        if write:
            first_md = {"cell_type": "markdown", "metadata": {}, "source": []}
            cells.insert(0, first_md)
    if first_md is not None:
        header, rest = header_of(cell_source(first_md))
        if header.rstrip("\n") != want_header.rstrip("\n"):
            if cells.index(first_md) == 0:
                problems.append(f"{rel}: title/badge do not match the manifest (expected {want_header.strip()!r})")
            if write:
                first_md["source"] = _as_lines(want_header + (rest if rest.startswith("\n") else "\n" + rest)
                                               if rest.strip() else want_header)
    want_setup = course.setup_cell()
    code_cells = [c for c in cells if c.get("cell_type") == "code"]
    if not code_cells or cell_source(code_cells[0]) != want_setup:
        problems.append(f"{rel}: the first code cell is not the generated setup cell")
        if write:
            if code_cells and cell_source(code_cells[0]).startswith(manifest.SETUP_MARKER):
                code_cells[0]["source"] = _as_lines(want_setup)
            else:
                new = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": _as_lines(want_setup)}
                cells.insert(1, new)
    if write and problems:
        _write(path, nb)
    return problems


def readme_table(course: manifest.Course) -> str:
    rows = ["| Unit | Notebook | Colab | Exercises |", "|---|---|---|---|"]
    for unit in course.units:
        exercises = ", ".join(f"`{ex.id}`" for ex in unit.exercises) or "—"
        if not unit.notebooks:
            rows.append(f"| {unit.id}: {unit.title} | _in preparation_ | | {exercises} |")
        for i, nb in enumerate(unit.notebooks):
            label = f"{unit.id}: {unit.title}" if i == 0 else ""
            rows.append(f"| {label} | [{nb.title}]({nb.path}) | {course.badge(nb.path)} | "
                        f"{exercises if i == 0 else ''} |")
    return "\n".join(rows)


def sync_readme(course: manifest.Course, root: pathlib.Path, *, write: bool) -> list[str]:
    path = root / "README.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if README_START not in text or README_END not in text:
        return [f"README.md: missing the {README_START} ... {README_END} markers for the unit table"]
    before, rest = text.split(README_START, 1)
    _, after = rest.split(README_END, 1)
    new = f"{before}{README_START}\n{readme_table(course)}\n{README_END}{after}"
    if new == text:
        return []
    if write:
        path.write_text(new, encoding="utf-8")
    return ["README.md: the unit table does not match the manifest"]


def file_problems(course: manifest.Course, root: pathlib.Path) -> list[str]:
    """Notebook files the manifest does not list, and manifest entries with no file."""
    known = {nb.path for nb in course.notebooks}
    known |= {p for ex in course.exercises for p in (ex.stub, ex.solution)}
    problems = []
    for folder in _FOLDERS:
        for path in sorted((root / folder).glob("**/*.ipynb")):
            rel = path.relative_to(root).as_posix()
            if ".ipynb_checkpoints" not in rel and rel not in known:
                problems.append(f"{rel}: notebook file is not in course_lib/manifest.toml")
    for rel in sorted(known):
        if not (root / rel).is_file():
            problems.append(f"{rel}: listed in the manifest but the file does not exist")
    return problems


def sync(root: pathlib.Path, *, write: bool) -> list[str]:
    """All problems found (before fixing, when ``write``)."""
    course = manifest.load()
    problems = file_problems(course, root)
    targets = [(nb.path, nb.title) for nb in course.notebooks]
    targets += [(p, ex.title) for ex in course.exercises for p in (ex.stub, ex.solution)]
    for rel, title in targets:
        if (root / rel).is_file():
            problems += sync_notebook(course, root / rel, rel, title, write=write)
    problems += sync_readme(course, root, write=write)
    return problems
