"""The `course` command: fast paths stay TensorFlow-free; doctor never hangs offline."""

import importlib.metadata
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
    assert report["packages"]["tensorflow"] == importlib.metadata.version("tensorflow")
    assert report["devices"]["keras_backend"] == "tensorflow"
    assert report["datasets_offline"]["digits"] is True
    assert elapsed < 60


def test_doctor_text_report_is_pasteable(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### course doctor\n```") and out.rstrip().endswith("```")
    assert "network      unreachable" in out and "forced by COURSE_OFFLINE=1" in out


# ------------------------------------------------------------------------------- unusable environment variables

MODE_ERROR = ("course: error: environment variable COURSE_MODE must be one of ('smoke', 'default', 'full'), "
              "got 'turbo'\n")


def test_unknown_mode_stops_run_with_a_message_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODE", "turbo")
    assert cli.main(["run", "00_start_here"]) == 2
    captured = capsys.readouterr()
    assert captured.err == MODE_ERROR and captured.out == ""


def test_unknown_mode_stops_doctor_after_its_report(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODE", "turbo")
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert cli.main(["doctor"]) == 2
    captured = capsys.readouterr()
    assert captured.err == MODE_ERROR
    assert "mode         INVALID   seed 42" in captured.out
    assert "PROBLEM      environment variable COURSE_MODE must be one of" in captured.out
    assert captured.out.rstrip().endswith("```")  # the rest of the report is still there to paste


@pytest.mark.parametrize("argv,why", [
    (["list", "u0"], "this command does not use it"),
    (["data", "list"], "this command does not use it"),
    (["run", "u99", "--mode", "smoke"], "--mode smoke overrides it"),
])
def test_commands_that_do_not_read_the_mode_warn_about_it(monkeypatch, tmp_path, capsys, argv, why):
    monkeypatch.setenv("COURSE_MODE", "turbo")
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == (2 if argv[0] == "run" else 0)  # run: u99 is not a unit
    assert err.startswith("course: warning: environment variable COURSE_MODE must be one of "), err
    assert f"got 'turbo' ({why};" in err and err.count("COURSE_MODE") == 1


def test_cache_that_is_a_file_stops_doctor_with_a_message(monkeypatch, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "notes.txt"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert cli.main(["doctor", "--json"]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["cache_dir"] is None and report["mode"] == os.environ.get("COURSE_MODE", "default")
    assert report["problems"] == [f"environment variable COURSE_CACHE is '{tmp_path / 'notes.txt'}', which is a file, "
                                  "not a folder; expected a folder for the data cache"]
    assert captured.err == f"course: error: {report['problems'][0]}\n"


@pytest.mark.parametrize("argv,env", [
    (["run"], {"COURSE_MODE": "turbo"}),
    (["data", "verify"], {"COURSE_CACHE": "README.md"}),
    (["data", "prefetch", "mnist"], {"COURSE_NET_TIMEOUT": "soon"}),
])
def test_configuration_errors_exit_2_with_one_line_in_a_real_process(argv, env):
    proc = subprocess.run([sys.executable, "-m", "course_lib.cli", *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COURSE_OFFLINE": "0", **env}, timeout=120)
    assert proc.returncode == 2, proc.stderr
    name = next(iter(env))
    assert proc.stderr.startswith(f"course: error: environment variable {name} ") and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr


def test_unexpected_exceptions_keep_their_traceback(monkeypatch):
    """Only configuration errors become messages: a bug must stay visible."""
    def broken(args):
        raise ValueError("a bug, not a configuration error")

    monkeypatch.setattr(cli, "_cmd_list", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["list"])


def test_help_states_the_environment_rules_without_tensorflow():
    proc = run_python("""
        import sys
        from course_lib import cli
        try:
            cli.main(["--help"])
        except SystemExit as exc:
            print("EXIT", exc.code)
        print("HEAVY", sorted(m for m in ("tensorflow", "keras", "numpy") if m in sys.modules))
    """, env={"COURSE_MODE": "turbo", "COURSE_CACHE": "README.md"})
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "EXIT 0" in proc.stdout and "HEAVY []" in proc.stdout
    help_text = " ".join(proc.stdout.split())
    assert "An unknown value stops `course run` (unless --mode is given) and `course doctor` with exit status 2" \
        in help_text
    assert "the other commands do not use it and only warn" in help_text
    assert "2 a usage or configuration error, reported as `course: error: ...`" in help_text
