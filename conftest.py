"""Repository-wide pytest set-up: notebook mode, nbval comparison rules, a timing table.

The kernels that nbval starts inherit this process's environment, so setting the
run mode here reaches every notebook.
"""

from __future__ import annotations

import os
from collections import defaultdict

os.environ.setdefault("COURSE_MODE", "smoke")
os.environ.setdefault("COURSE_HEADLESS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Exercise stubs fail by design and solutions are run by the exercise contract, not by nbval.
collect_ignore = ["exercises", "solutions", "build", ".venv"]

_notebook_seconds: dict[str, float] = defaultdict(float)
_notebook_failed: set[str] = set()


def pytest_collectstart(collector):
    # TensorFlow writes log lines to stderr that differ between machines; never compare them.
    if hasattr(collector, "skip_compare"):
        collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration
        if report.failed:
            _notebook_failed.add(path)


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    tr = terminalreporter
    tr.section("notebook timings (sum of cell times, mode=%s)" % os.environ.get("COURSE_MODE"))
    for path, seconds in sorted(_notebook_seconds.items(), key=lambda kv: -kv[1]):
        flag = "  FAILED" if path in _notebook_failed else ""
        tr.write_line(f"{seconds:8.1f} s  {path}{flag}")
    tr.write_line(f"{sum(_notebook_seconds.values()):8.1f} s  total over {len(_notebook_seconds)} notebook(s)")
