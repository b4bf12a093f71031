"""Ranges live in pyproject.toml, exact pins in constraints.txt (mirrored by environment.yml),
the tested floor in constraints-floor.txt; these tests keep the four in agreement."""

import os
import pathlib
import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([A-Za-z0-9._+-]+)$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(runtime_only: bool = False) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    if not runtime_only:
        for extra in project.get("optional-dependencies", {}).values():
            specs += extra
    return {canonical(r.name): r for r in map(Requirement, specs)}


def constraint_pins(path: pathlib.Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        item = line.split("#")[0].strip()
        if item:
            match = PIN.match(item)
            assert match, f"{path.name}: {item!r} is not an exact pin (name==version)"
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = line.strip()
        if item.startswith("- ") and "==" in item:
            name, version = item[2:].split("==")
            pins[canonical(name.strip())] = version.strip()
    return pins


def test_every_requirement_is_a_range_with_a_floor():
    for name, req in requirements().items():
        lower = [s for s in req.specifier if s.operator == ">="]
        assert lower, f"pyproject.toml: {req} has no lower bound (>=): the floor must be declared"
        assert not [s for s in req.specifier if s.operator == "=="], \
            f"pyproject.toml: {req} is an exact pin; exact versions belong in constraints.txt"


def test_environment_yml_matches_constraints():
    dev, env = constraint_pins(ROOT / "constraints.txt"), environment_pins()
    missing = sorted(set(dev) - set(env))
    extra = sorted(set(env) - set(dev))
    differ = {k: (dev[k], env[k]) for k in set(dev) & set(env) if dev[k] != env[k]}
    assert not missing, f"environment.yml lacks pins that constraints.txt has: {missing}"
    assert not extra, f"environment.yml pins packages constraints.txt does not: {extra}"
    assert not differ, f"versions differ (constraints.txt, environment.yml): {differ}"


def test_constraints_pin_every_requirement_within_its_range():
    reqs = requirements()
    for path in (ROOT / "constraints.txt", ROOT / "constraints-floor.txt"):
        pins = constraint_pins(path)
        assert sorted(pins) == sorted(reqs), (
            f"{path.name} pins {sorted(set(pins) ^ set(reqs))} differently from pyproject.toml's requirements")
        outside = {n: (pins[n], str(reqs[n].specifier)) for n in reqs if pins[n] not in reqs[n].specifier}
        assert not outside, f"{path.name}: pins outside pyproject.toml's ranges (pin, range): {outside}"


def test_the_floor_is_each_range_lower_bound():
    """constraints-floor.txt tests exactly the oldest versions pyproject.toml admits."""
    floor = constraint_pins(ROOT / "constraints-floor.txt")
    for name, req in requirements(runtime_only=True).items():
        lower = max(Version(s.version) for s in req.specifier if s.operator == ">=")
        assert Version(floor[name]) == lower, f"{name}: floor pin {floor[name]} != lower bound {lower} in pyproject.toml"
    dev = constraint_pins(ROOT / "constraints.txt")
    assert Version(floor["tensorflow"]) < Version(dev["tensorflow"]) and Version(floor["keras"]) < Version(dev["keras"])


def test_environment_python_is_supported():
    match = re.search(r"- python=(\d+\.\d+)", (ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert match and match.group(1) == "3.11" and "<3.13" in requires


def test_installed_versions_match_pins():
    """The environment the tests run in holds its constraints file's versions (catches a stale virtualenv).

    bootstrap.py's floor run sets COURSE_CONSTRAINTS to constraints-floor.txt; otherwise constraints.txt.
    """
    import importlib.metadata

    path = pathlib.Path(os.environ.get("COURSE_CONSTRAINTS", ROOT / "constraints.txt"))
    wrong = {}
    for name, version in constraint_pins(path).items():
        installed = importlib.metadata.version(name)
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from {path.name} (pinned, installed): {wrong}; rerun the bootstrap"


def test_metadata_builds_without_deprecated_fields():
    # setuptools deprecates the table form of project.license: it must be an SPDX expression.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(pyproject["project"]["license"], str), "project.license must be an SPDX string such as 'MIT'"
    assert not any(c.startswith("License ::") for c in pyproject["project"].get("classifiers", []))


def test_every_package_data_pattern_matches_a_file():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package, patterns in package_data.items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"package-data {package}: {pattern!r} matches no file in {folder}"
