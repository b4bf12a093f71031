"""Colab support: add course_lib's missing dependencies without replacing Colab's own.

The generated setup cell installs course_lib with ``--no-deps`` and then calls
:func:`install_missing`, which installs only the requirements that are not installed
at all, at our pinned versions. TensorFlow, Keras, NumPy and the rest that Colab
already provides stay as Colab built them.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)(;.*)?$")


def runtime_requirements(distribution: str = "course-lib") -> list[tuple[str, str]]:
    """(name, specifier) pairs of ``distribution``'s runtime requirements, without extras."""
    found = []
    for line in importlib.metadata.requires(distribution) or []:
        match = _REQUIREMENT.match(line)
        if not match:
            raise ValueError(f"cannot parse requirement {line!r} of {distribution}")
        name, _, spec, marker = match.groups()
        if marker and "extra" in marker:
            continue
        found.append((name, spec.strip()))
    return found


def missing_requirements(distribution: str = "course-lib") -> list[str]:
    """Pip specifiers for runtime requirements that are not installed in any version."""
    missing = []
    for name, spec in runtime_requirements(distribution):
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{name}{spec}")
    return missing


def install_missing(distribution: str = "course-lib", *, dry_run: bool = False) -> list[str]:
    """Install the missing requirements with pip; return what was (or would be) installed."""
    missing = missing_requirements(distribution)
    if missing and not dry_run:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    print(f"course_lib: installed {', '.join(missing)}" if missing else "course_lib: all requirements present")
    return missing
