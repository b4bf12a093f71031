"""The `course` command: fast paths stay TensorFlow-free; doctor never hangs offline."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest

from course_lib import cli, manifest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_python(code: str, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["list", "--topics"], ["badges", "--check"], ["data", "list"]])
def test_light_commands_do_not_import_tensorflow(argv):
    proc = run_python(f"""
        import sys
        from course_lib import cli
        try:
            cli.main({argv!r})
        except SystemExit:
            pass
        heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
        print("HEAVY", heavy)
    """)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, f"`course {' '.join(argv)}` imported {proc.stdout.split('HEAVY')[-1]}"


def test_list_shows_units_notebooks_and_topics(capsys):
    assert cli.main(["list", "--topics"]) == 0
    out = capsys.readouterr().out
    assert "u0  Start here" in out and "00_start_here.ipynb" in out
    course = manifest.load()
    for unit in course.units:
        covered = {topic for nb in unit.notebooks for topic, _ in nb.covers}
        for topic in unit.topics:
            assert f"{'✓' if topic.id in covered else '·'} {topic.id}" in out


def test_run_rejects_unknown_target(capsys):
    assert cli.main(["run", "u99", "--mode", "smoke"]) == 2
    assert "neither a unit" in capsys.readouterr().err


@pytest.mark.slow
def test_doctor_with_a_dead_network_finishes_and_says_so(tmp_path):
    """Simulate an unplugged network whose DNS hangs: doctor must still finish promptly."""
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""
        import socket, time
        def _hang(*a, **k):
            time.sleep(600)
        socket.create_connection = _hang
        socket.getaddrinfo = _hang
    """))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("COURSE_OFFLINE", None)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "course_lib.cli", "doctor", "--json", "--timeout", "2"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["network"]["reachable"] is False
    assert report["network"]["probe_seconds"] < 3
    assert report["packages"]["tensorflow"] == "2.21.0"
    assert report["devices"]["keras_backend"] == "tensorflow"
    assert report["datasets_offline"]["digits"] is True
    assert elapsed < 60


def test_doctor_text_report_is_pasteable(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### course doctor\n```") and out.rstrip().endswith("```")
    assert "network      unreachable" in out and "forced by COURSE_OFFLINE=1" in out
