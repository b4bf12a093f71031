"""One checks module per exercise, laid out like the notebooks: ``u1.activations`` lives in
``u1/activations.py``, mirroring ``exercises/u1/activations.ipynb``.

Each module defines

* ``PARTS``, a list of :class:`course_lib.grading.core.Part`, and
* ``MISTAKES``, at least three :class:`course_lib.grading.core.Mistake`\\ s: typical wrong
  answers (near misses among them: off by 1e-3 relative, a sign, an axis, an in-place
  update, an off-by-one, an ignored argument), each with the part it must fail and a
  fragment of the hint it must print. ``tests/test_mistakes_contract.py`` proves every
  one of them, for every exercise in the manifest, so a new unit inherits the contract
  simply by adding its module here.

Judges share their private NumPy references through :mod:`course_lib.grading.references`.

Instructors can add hidden parts with ``course grade --extra-checks DIR``: a file with its
own ``PARTS``, never shipped to students, found as ``DIR/u1/activations.py`` (the same
layout as here) or, as before, ``DIR/u1_activations.py``; having both is an error.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import re

from ..core import Mistake, Part

_EXERCISE_ID = re.compile(r"^u\d+\.[a-z][a-z0-9_]*$")
_FOLDER = pathlib.Path(__file__).parent
MIN_MISTAKES = 3


def module_name(exercise: str) -> str:
    """The dotted module path below this package: ``"u1.activations"`` → ``"u1.activations"``."""
    return exercise


def relative_path(exercise: str) -> pathlib.PurePosixPath:
    """Where the checks of ``exercise`` live below this package: ``u1/activations.py``."""
    unit, name = exercise.split(".", 1)
    return pathlib.PurePosixPath(unit, f"{name}.py")


def available() -> list[str]:
    """Exercise ids that have a checks module here."""
    return sorted(f"{p.parent.name}.{p.stem}" for p in _FOLDER.glob("u*/*.py")
                  if _EXERCISE_ID.match(f"{p.parent.name}.{p.stem}"))


def _validated(parts, where: str) -> list[Part]:
    if not isinstance(parts, (list, tuple)) or not parts or not all(isinstance(p, Part) for p in parts):
        raise ValueError(f"{where}: PARTS must be a non-empty list of course_lib.grading.core.Part")
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: part names must be unique, got {names}")
    return list(parts)


def _module(exercise: str):
    if not isinstance(exercise, str) or exercise not in available():
        raise ValueError(f"exercise must be one of {available()}, got {exercise!r}")
    return importlib.import_module(f"{__name__}.{module_name(exercise)}")


def load(exercise: str, extra_dir: str | pathlib.Path | None = None) -> list[Part]:
    """The parts of ``exercise``: the shipped ones, then any hidden ones from ``extra_dir``."""
    module = _module(exercise)
    parts = _validated(getattr(module, "PARTS", None), f"{module.__name__}")
    if extra_dir is not None:
        parts = parts + load_extra(exercise, extra_dir, {p.name for p in parts})
    return parts


def mistakes(exercise: str) -> list[Mistake]:
    """The typical mistakes that ``exercise``'s checks must catch, validated against its parts."""
    module = _module(exercise)
    found = getattr(module, "MISTAKES", None)
    where = module.__name__
    if not isinstance(found, (list, tuple)) or not all(isinstance(m, Mistake) for m in found):
        raise ValueError(f"{where}: MISTAKES must be a list of course_lib.grading.core.Mistake")
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: mistake names must be unique, got {names}")
    parts = {p.name for p in load(exercise)}
    unknown = sorted({m.part for m in found} - parts)
    if unknown:
        raise ValueError(f"{where}: MISTAKES name part(s) {unknown}, which are not among {sorted(parts)}")
    return list(found)


def _extra_path(exercise: str, folder: pathlib.Path) -> pathlib.Path:
    nested = folder.joinpath(*relative_path(exercise).parts)
    flat = folder / f"{exercise.replace('.', '_')}.py"
    if nested.is_file() and flat.is_file():
        raise ValueError(f"extra_checks: both {nested} and {flat} exist for {exercise}; keep one")
    if nested.is_file():
        return nested
    if flat.is_file():
        return flat
    found = sorted(p.relative_to(folder).as_posix() for p in folder.glob("**/*.py")) or "no .py files"
    raise FileNotFoundError(f"extra_checks: expected {relative_path(exercise)} (or {flat.name}) in {folder} "
                            f"for {exercise}, found {found}")


def load_extra(exercise: str, extra_dir: str | pathlib.Path, taken: set[str]) -> list[Part]:
    folder = pathlib.Path(extra_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"extra_checks must be a directory, got {str(folder)!r} (not found)")
    path = _extra_path(exercise, folder)
    # A fresh module object that is not registered in sys.modules.
    spec = importlib.util.spec_from_file_location(f"_course_extra_checks_{exercise.replace('.', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ValueError(f"extra_checks: {path} does not parse: {exc.msg} (line {exc.lineno})") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the instructor's module, reported, not a traceback
        message = str(exc)[:300]
        raise ValueError(f"extra_checks: importing {path} raised {type(exc).__name__}"
                         + (f": {message}" if message else "")) from None
    parts = _validated(getattr(module, "PARTS", None), str(path))
    clash = sorted(taken & {p.name for p in parts})
    if clash:
        raise ValueError(f"{path}: part names {clash} are already used by the shipped checks; rename them")
    return parts


TYPICAL_MISTAKES_HEADING = "## Typical mistakes"


def typical_mistakes_markdown(exercise: str) -> str:
    """The "Typical mistakes" cell of the exercise's notebooks, written from its ``MISTAKES``.

    Stub and solution carry it unchanged; ``tests/test_mistakes_contract.py`` checks that it
    matches the checks module, so the list students read is the list the checks recognise.
    """
    lines = [TYPICAL_MISTAKES_HEADING, "",
             "Each of these gets its own hint from `check`. Before you run it, read your code against the list:", ""]
    for mistake in mistakes(exercise):
        lines.append(f"- `{mistake.part}`: {mistake.note}")
    return "\n".join(lines)
