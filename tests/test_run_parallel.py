"""`course run --jobs`: notebooks in parallel worker processes, one kernel each, rows and order as a serial run."""

import json
import os
import time

import pytest

from course_lib import manifest, runner
from _notebooks import write_nb


def reporting(name, seconds=0.0):
    """A notebook that sleeps, then reports its own name and the environment its kernel saw."""
    return ("import os, time, course_lib as cl\n"
            f"slept_from = time.time(); time.sleep({seconds}); slept_to = time.time()\n"
            "assert os.environ['COURSE_HEADLESS'] == '1'\n"
            f"cl.report(name={name!r}, mode=os.environ['COURSE_MODE'],"
            " results_file=os.path.basename(os.environ['COURSE_RESULTS_FILE']),"
            " slept_from=slept_from, slept_to=slept_to, data_source='synthetic:test')")


def nbs(root, names):
    return [manifest.Notebook("u9", f"notebooks/u9/{n}.ipynb", n, ()) for n in names]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    # The last notebook finishes first in parallel; the summary must still list them in the given order.
    # a_slow waits (at most 5 s) until c_fast has finished, so in a parallel run c_fast finishes first
    # however the machine is loaded.
    done_marker = root / "c_fast.done"
    wait = (f"import pathlib, time\ndeadline = time.time() + 5\n"
            f"while not pathlib.Path({str(done_marker)!r}).exists() and time.time() < deadline:\n    time.sleep(0.05)\n")
    write_nb(root / "notebooks/u9/a_slow.ipynb", wait, reporting("a_slow", 0.5))
    write_nb(root / "notebooks/u9/b_fails.ipynb", "raise ValueError('boom in b')")
    write_nb(root / "notebooks/u9/c_fast.ipynb", reporting("c_fast", 0),
             f"import pathlib\npathlib.Path({str(done_marker)!r}).touch()")
    return root


def comparable(results):
    timeless = lambda m: {k: v for k, v in m.items() if not k.startswith("slept_")}  # noqa: E731
    return [(r.notebook, r.status, timeless(r.metrics), r.data_sources, r.error.split(" (kernel log")[0])
            for r in results]


def test_parallel_rows_equal_serial_rows_in_the_given_order(repo):
    order = nbs(repo, ["a_slow", "b_fails", "c_fast"])
    lines_serial, lines_parallel = [], []
    serial = runner.run(mode="smoke", root=repo, build=repo / "build1", notebooks=order, jobs=1,
                        progress=lines_serial.append)
    (repo / "c_fast.done").unlink()  # the serial run made it; the parallel one must make its own
    parallel = runner.run(mode="smoke", root=repo, build=repo / "build3", notebooks=order, jobs=3,
                          progress=lines_parallel.append)
    assert comparable(parallel) == comparable(serial)
    assert [r.notebook for r in parallel] == [nb.path for nb in order]
    assert [r.status for r in parallel] == ["ok", "failed", "ok"] and "boom in b" in parallel[1].error
    # each kernel saw its own results file and the mode, though three ran at once
    assert [r.metrics.get("results_file") for r in parallel] == ["a_slow.json", None, "c_fast.json"]
    assert parallel[0].metrics["mode"] == "smoke"
    # the summary files are in the given order too, with every row
    rows = json.loads((repo / "build3/results.json").read_text())
    assert sorted(rows) == sorted(nb.path for nb in order)
    csv_lines = (repo / "build3/summary.csv").read_text().splitlines()[1:]
    assert [line.split(",")[1] for line in csv_lines] == [nb.path for nb in order]
    # one progress line per notebook as it finishes (plus a header and the footer); the slow one is last
    per_notebook = [line for line in lines_parallel if line.startswith("[")]
    assert [line.split("]")[0] for line in per_notebook] == ["[1/3", "[2/3", "[3/3"]
    assert sorted(line.split()[1].rstrip(":") for line in per_notebook) == sorted(nb.path for nb in order)
    assert any("FAILED: " in line and "b_fails" in line for line in per_notebook)


def test_runner_leaves_os_environ_alone(repo):
    before = {k: os.environ.get(k) for k in ("COURSE_MODE", "COURSE_HEADLESS", "COURSE_RESULTS_FILE", "MPLBACKEND")}
    runner.run(mode="smoke", root=repo, build=repo / "build_env", notebooks=nbs(repo, ["c_fast"]), jobs=1,
               progress=lambda line: None)
    assert {k: os.environ.get(k) for k in before} == before


def meeting(name, other, folder):
    """A notebook that marks its start, then waits (up to 120 s) until ``other`` has started too."""
    return ("import pathlib, time, course_lib as cl\n"
            f"folder = pathlib.Path({str(folder)!r})\n"
            f"(folder / {name!r}).touch()\n"
            "deadline = time.time() + 120\n"
            f"while not (folder / {other!r}).exists() and time.time() < deadline:\n"
            "    time.sleep(0.05)\n"
            f"cl.report(met=int((folder / {other!r}).exists()))")


def test_two_jobs_run_two_notebooks_at_the_same_time(tmp_path):
    # Each notebook waits for the other to start: only a parallel run lets both meet, whatever the load.
    meet = tmp_path / "meet"
    meet.mkdir()
    write_nb(tmp_path / "notebooks/u9/m1.ipynb", meeting("m1", "m2", meet))
    write_nb(tmp_path / "notebooks/u9/m2.ipynb", meeting("m2", "m1", meet))
    start = time.perf_counter()
    results = runner.run(mode="smoke", root=tmp_path, build=tmp_path / "build", notebooks=nbs(tmp_path, ["m1", "m2"]),
                         jobs=2, progress=lambda line: None)
    wall = time.perf_counter() - start
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    assert [r.metrics["met"] for r in results] == [1, 1], "the notebooks did not run at the same time"
    print(f"two notebooks, --jobs 2: {wall:.2f} s wall")


def test_jobs_must_be_a_positive_int(repo):
    with pytest.raises(ValueError, match="jobs must be a positive int, got 0"):
        runner.run(mode="smoke", root=repo, build=repo / "b", notebooks=[], jobs=0)


def test_a_worker_that_dies_still_gives_its_notebook_a_failed_row(tmp_path):
    # The kernel's parent is the worker process: killing it loses the worker, not the run.
    write_nb(tmp_path / "notebooks/u9/kills.ipynb", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    write_nb(tmp_path / "notebooks/u9/fine.ipynb", reporting("fine"))
    results = runner.run(mode="smoke", root=tmp_path, build=tmp_path / "build", notebooks=nbs(tmp_path, ["kills", "fine"]),
                         jobs=2, progress=lambda line: None)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "worker exited with status -9" in results[0].error
    assert sorted(json.loads((tmp_path / "build/results.json").read_text())) == [
        "notebooks/u9/fine.ipynb", "notebooks/u9/kills.ipynb"]


def test_stopping_the_workers_ends_each_one(tmp_path):
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
             for _ in range(2)]
    start = time.perf_counter()
    runner._stop_workers(procs, grace_s=5)
    assert all(p.poll() is not None for p in procs) and time.perf_counter() - start < 10
