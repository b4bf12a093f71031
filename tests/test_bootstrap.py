"""bootstrap.py, the two README commands: pytest exit codes, unit selection, the install stamp."""

import hashlib
import importlib.util
import pathlib
import sys
import types

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "bootstrap.py")
bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootstrap)


@pytest.fixture
def fake_pytest(monkeypatch):
    """Replace the environment set-up and the pytest call; record the command."""
    calls = []
    monkeypatch.setattr(bootstrap, "ensure_environment", lambda: pathlib.Path(sys.executable))
    monkeypatch.delenv("UNIT", raising=False)

    def use(exit_code):
        monkeypatch.setattr(bootstrap, "run", lambda cmd, **kw: calls.append([str(c) for c in cmd]) or exit_code)
        return calls

    return use


def args(target=None):
    return types.SimpleNamespace(target=target, workers=2, pytest_args=[])


@pytest.mark.parametrize("code", [0, 1, 2])
def test_pytest_exit_codes_pass_through(fake_pytest, code):
    fake_pytest(code)
    assert bootstrap.test(args()) == code


def test_no_tests_collected_fails_the_full_suite(fake_pytest):
    fake_pytest(5)
    assert bootstrap.test(args()) == 1


def test_no_tests_collected_is_fine_for_one_unit(fake_pytest):
    calls = fake_pytest(5)
    assert bootstrap.test(args("u0")) == 0
    assert calls[0][-2:] == ["tests", "notebooks/u0_start"]


def test_unit_from_environment_and_unknown_unit(fake_pytest, monkeypatch):
    calls = fake_pytest(0)
    monkeypatch.setenv("UNIT", "u1")
    assert bootstrap.test(args()) == 0 and calls[0][-1] == "notebooks/u1_basics"
    with pytest.raises(SystemExit, match="unknown unit 'u42'"):
        bootstrap.test(args("u42"))


def test_install_is_skipped_when_the_stamp_matches(monkeypatch, tmp_path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    stamp = venv / ".course-install-stamp"
    monkeypatch.setattr(bootstrap, "VENV", venv)
    installs = []
    monkeypatch.setattr(bootstrap, "run", lambda cmd, **kw: installs.append(cmd) or 0)
    stamp.write_text(bootstrap.install_digest(bootstrap.CONSTRAINTS))
    assert bootstrap.ensure_environment() == python and installs == []
    stamp.write_text("an older pyproject.toml")
    bootstrap.ensure_environment()
    assert any("-e" in cmd and ".[test]" in cmd and "-c" in cmd and bootstrap.CONSTRAINTS in cmd for cmd in installs)
    assert stamp.read_text() == bootstrap.install_digest(bootstrap.CONSTRAINTS)
    # The floor environment is stamped by its own constraints: the dev stamp does not satisfy it.
    installs.clear()
    bootstrap.ensure_environment(venv, bootstrap.FLOOR_CONSTRAINTS)
    assert any(bootstrap.FLOOR_CONSTRAINTS in cmd for cmd in installs)
    assert stamp.read_text() == bootstrap.install_digest(bootstrap.FLOOR_CONSTRAINTS)
