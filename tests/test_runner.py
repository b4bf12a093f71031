"""`course run` machinery on throwaway notebooks: status, metrics, HTML and the summary."""

import csv

import pytest

from course_lib import manifest, runner
from _notebooks import write_nb
from course_lib._files import notebook_cells


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    native_log = "I0000 00:00:1795329112.421004    2376 cudart_stub.cc:31] Could not find cuda drivers"
    write_nb(root / "notebooks/u9/good.ipynb",
             f"import sys; sys.stderr.write({native_log!r} + '\\n'); sys.stderr.write('a real warning\\n')",
             "import os, course_lib as cl\nassert os.environ['COURSE_MODE'] == 'smoke'\n"
             "cl.report(answer=42, score=0.5, data_source='synthetic:test')")
    write_nb(root / "notebooks/u9/broken.ipynb", "raise ValueError('boom at cell 1')")
    write_nb(root / "notebooks/u9/silent.ipynb", "import os\nprint('KERNEL_PID', os.getpid())")
    build = root / "build"
    results = {}
    for stem in ("good", "broken", "silent"):
        nb = manifest.Notebook("u9", f"notebooks/u9/{stem}.ipynb", stem, ())
        result = runner.execute_notebook(nb, root=root, build=build, mode="smoke")
        runner.record(result, build)
        results[stem] = result
    return build, results


def test_good_notebook_reports_metrics_and_source(runs):
    build, results = runs
    good = results["good"]
    assert good.status == "ok" and good.metrics == {"answer": 42, "score": 0.5}
    assert good.data_sources == ["synthetic:test"] and good.runtime_s > 0
    assert (build / "html/u9/good.html").exists() and (build / "executed/u9/good.ipynb").exists()


def test_native_tf_logs_are_stripped_but_real_stderr_kept(runs):
    build, _ = runs
    cell = notebook_cells(build / "executed/u9/good.ipynb")[0]
    text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "cudart_stub" not in text and "a real warning" in text


def test_kernel_process_output_stays_off_the_console(tmp_path, capfd):
    # TensorFlow's C++ start-up lines are written to file descriptor 2, which ipykernel both
    # copies into the notebook and echoes to the kernel process's own stderr.
    write_nb(tmp_path / "notebooks/u9/noisy.ipynb",
             "import os\nos.write(2, b'I0000 native start-up line\\n')\nos.write(2, b'FD2 line from C\\n')\n"
             "import course_lib as cl\ncl.report(x=1)")
    nb = manifest.Notebook("u9", "notebooks/u9/noisy.ipynb", "noisy", ())
    result = runner.execute_notebook(nb, root=tmp_path, build=tmp_path / "build", mode="smoke")
    console = capfd.readouterr()
    assert result.status == "ok", result.error
    assert "FD2 line" not in console.out + console.err and "native start-up" not in console.out + console.err
    # ipykernel forwards fd-level output to the notebook asynchronously; the log always has it.
    assert "FD2 line from C" in (tmp_path / "build/logs/u9/noisy.kernel.log").read_text()


def test_failures_are_recorded_and_do_not_stop_the_run(runs):
    _, results = runs
    assert results["broken"].status == "failed" and "boom at cell 1" in results["broken"].error
    assert results["silent"].status == "failed" and "never called course_lib.report" in results["silent"].error


def test_summary_csv_and_index(runs):
    build, _ = runs
    rows = list(csv.DictReader((build / "summary.csv").open()))
    assert [r["notebook"] for r in rows] == [f"notebooks/u9/{s}.ipynb" for s in ("broken", "good", "silent")]
    good = next(r for r in rows if r["notebook"].endswith("good.ipynb"))
    assert good["metrics"] == "answer=42, score=0.5" and good["data_sources"] == "synthetic:test"
    assert good["unit"] == "u9" and good["mode"] == "smoke"
    index = (build / "index.html").read_text()
    assert 'href="html/u9/good.html"' in index and "boom at cell 1" in index
    assert "<svg" in (build / "results.html").read_text()


def test_failed_page_marks_the_cell_that_raised(runs):
    build, _ = runs
    page = (build / "html/u9/broken.html").read_text()
    assert page.count('id="first-error"') == 1 and "This notebook failed" in page
    assert 'href="html/u9/broken.html#first-error"' in (build / "index.html").read_text()
    assert "first-error" not in (build / "html/u9/good.html").read_text()


def test_rerun_replaces_the_row(runs):
    build, results = runs
    again = runner.RunResult(**{**results["good"].__dict__, "metrics": {"answer": 43}})
    rows = runner.record(again, build)
    assert len(rows) == 3 and rows["notebooks/u9/good.ipynb"]["metrics"] == {"answer": 43}


def test_corrupt_results_file_is_named(tmp_path):
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(ValueError, match="results.json is not valid JSON"):
        runner.load_results(tmp_path)


def test_run_rejects_bad_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        runner.run("u0", mode="fast")


def test_kernel_that_cannot_start_is_a_failed_row(tmp_path, monkeypatch):
    import nbclient

    def no_kernel(self, *args, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(nbclient.NotebookClient, "execute", no_kernel)
    write_nb(tmp_path / "notebooks/u9/x.ipynb", "x = 1")
    nb = manifest.Notebook("u9", "notebooks/u9/x.ipynb", "x", ())
    result = runner.execute_notebook(nb, root=tmp_path, build=tmp_path / "build", mode="smoke")
    assert result.status == "failed" and "Kernel didn't respond" in result.error


def test_no_kernel_outlives_its_notebook(runs):
    import os
    import time

    build, _ = runs
    cell = notebook_cells(build / "executed/u9/silent.ipynb")[0]
    pid = int("".join(cell["outputs"][0]["text"]).split()[1])
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}"), f"kernel {pid} is still running after its notebook finished"
