"""Pins live in pyproject.toml; environment.yml must mirror them exactly."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([A-Za-z0-9._+-]+)$")


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    pins = {}
    for spec in specs:
        match = PIN.match(spec.split(";")[0].strip())
        assert match, f"pyproject.toml: {spec!r} is not pinned with == (every dependency is pinned)"
        pins[match.group(1).lower()] = match.group(2)
    return pins


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = line.strip()
        if item.startswith("- ") and "==" in item:
            name, version = item[2:].split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_environment_yml_matches_pyproject():
    py, env = pyproject_pins(), environment_pins()
    missing = sorted(set(py) - set(env))
    extra = sorted(set(env) - set(py))
    differ = {k: (py[k], env[k]) for k in set(py) & set(env) if py[k] != env[k]}
    assert not missing, f"environment.yml lacks pins that pyproject.toml has: {missing}"
    assert not extra, f"environment.yml pins packages pyproject.toml does not: {extra}"
    assert not differ, f"versions differ (pyproject, environment.yml): {differ}"


def test_environment_python_is_supported():
    match = re.search(r"- python=(\d+\.\d+)", (ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert match and match.group(1) == "3.11" and "<3.13" in requires


def test_installed_versions_match_pins():
    """The environment the tests run in is the pinned one (catches a stale virtualenv)."""
    import importlib.metadata

    wrong = {}
    for name, version in pyproject_pins().items():
        installed = importlib.metadata.version(name)
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from the pins (pinned, installed): {wrong}; rerun the bootstrap"


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
