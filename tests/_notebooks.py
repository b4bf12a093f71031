"""Small notebooks for the grading tests: built from cell sources, or the answers of a shipped one."""

from __future__ import annotations

import json
import pathlib
import textwrap

from course_lib._files import cell_source, notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]


def notebook(*cells: str) -> bytes:
    """An nbformat 4.5 notebook, as bytes, whose code cells are ``cells`` (dedented)."""
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                   "source": textwrap.dedent(c).strip("\n")} for i, c in enumerate(cells)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def answer_cells(path: str) -> list[str]:
    """The sources of the cells tagged ``answer`` in the repository notebook at ``path``."""
    return [cell_source(c) for c in notebook_cells(ROOT / path) if "answer" in c.get("metadata", {}).get("tags", [])]


def write_nb(path: pathlib.Path, *sources: str) -> None:
    """Write a notebook of code cells (one per source) that asks for the python3 kernel, for the runner tests."""
    cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
              "source": src} for i, src in enumerate(sources)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                    "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
