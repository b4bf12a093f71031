"""The generated setup cell: a no-op outside Colab; on Colab it installs without touching TensorFlow."""

import sys
import types

from IPython.core.inputtransformer2 import TransformerManager

from course_lib import colab, manifest


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


def test_missing_requirements_only_lists_absent_packages(monkeypatch):
    import importlib.metadata as md

    real = md.version

    def fake_version(name):
        if name == "keras-tuner":
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(md, "version", fake_version)
    assert colab.missing_requirements() == ["keras-tuner==1.4.8"]
    assert colab.install_missing(dry_run=True) == ["keras-tuner==1.4.8"]
