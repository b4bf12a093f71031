"""One checks module per exercise: ``u1.activations`` lives in ``u1_activations.py``.

Each module defines ``PARTS``, a list of :class:`course_lib.grading.core.Part`.
Instructors can add hidden parts with ``course grade --extra-checks DIR``: a file
``DIR/u1_activations.py`` with its own ``PARTS``, which is never shipped to students.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import re

from ..core import Part

_EXERCISE_ID = re.compile(r"^u\d+\.[a-z][a-z0-9_]*$")


def module_name(exercise: str) -> str:
    return exercise.replace(".", "_")


def available() -> list[str]:
    """Exercise ids that have a checks module here."""
    folder = pathlib.Path(__file__).parent
    return sorted(p.stem.replace("_", ".", 1) for p in folder.glob("u*_*.py"))


def _validated(parts, where: str) -> list[Part]:
    if not isinstance(parts, (list, tuple)) or not parts or not all(isinstance(p, Part) for p in parts):
        raise ValueError(f"{where}: PARTS must be a non-empty list of course_lib.grading.core.Part")
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: part names must be unique, got {names}")
    return list(parts)


def load(exercise: str, extra_dir: str | pathlib.Path | None = None) -> list[Part]:
    """The parts of ``exercise``: the shipped ones, then any hidden ones from ``extra_dir``."""
    if not isinstance(exercise, str) or exercise not in available():
        raise ValueError(f"exercise must be one of {available()}, got {exercise!r}")
    module = importlib.import_module(f"{__name__}.{module_name(exercise)}")
    parts = _validated(getattr(module, "PARTS", None), f"{module.__name__}")
    if extra_dir is not None:
        parts = parts + load_extra(exercise, extra_dir, {p.name for p in parts})
    return parts


def load_extra(exercise: str, extra_dir: str | pathlib.Path, taken: set[str]) -> list[Part]:
    folder = pathlib.Path(extra_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"extra_checks must be a directory, got {str(folder)!r} (not found)")
    path = folder / f"{module_name(exercise)}.py"
    if not path.is_file():
        raise FileNotFoundError(f"extra_checks: expected {path.name} in {folder} for {exercise}, found "
                                f"{sorted(p.name for p in folder.glob('*.py')) or 'no .py files'}")
    # A fresh module object that is not registered in sys.modules.
    spec = importlib.util.spec_from_file_location(f"_course_extra_checks_{module_name(exercise)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parts = _validated(getattr(module, "PARTS", None), str(path))
    clash = sorted(taken & {p.name for p in parts})
    if clash:
        raise ValueError(f"{path}: part names {clash} are already used by the shipped checks; rename them")
    return parts
