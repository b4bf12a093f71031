"""Grading in real isolation (issue 9, classes 1-4): hostile submissions built here, each shown harmless.

Most cases run one tiny notebook (no TensorFlow) through :func:`sandbox.execute` with a
hand-made plan: the submission defines ``report()``, the probe calls it, and what it
returns (numbers) says what the submission could see or do. The batch cases go through
:func:`gradebook.grade` with the real u1.activations checks.

The cases that need bubblewrap are skipped where it does not work; the ones that hold
for the grader's own code (bounded reads, cleanup, bad messages) also run without it.
"""

import csv
import json
import os
import pathlib
import secrets
import subprocess
import sys
import textwrap
import time

import pytest

from course_lib.grading import gradebook, sandbox

from _notebooks import notebook

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIMITS = sandbox.Limits(timeout_s=20, memory_mb=600)
ISOLATED = sandbox.isolation().available
needs_bwrap = pytest.mark.skipif(not ISOLATED, reason=f"bubblewrap does not work here: {sandbox.isolation().reason}")

pytestmark = pytest.mark.slow



def report_plan() -> dict:
    return {"nonce": secrets.token_hex(16), "parts": {"report": [{"fn": "report", "args": []}]}}


def run(*cells: str, limits=LIMITS, plan=None):
    """Run ``cells`` in the sandbox; the probe calls ``report()`` unless another plan is given."""
    cells = [textwrap.dedent(c).strip("\n") for c in cells]
    return sandbox.execute(cells, notebook_name="hostile.ipynb", notebook_bytes=notebook(*cells), limits=limits,
                           plan=plan or report_plan())


def reported(execution) -> list:
    (result,) = execution.results["report"]
    assert result.get("type") == "array", result
    return result["value"]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """Sandboxes are made in here, so a leaked scratch folder shows."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


@pytest.fixture(params=["bubblewrap", "without"])
def either_way(request, monkeypatch):
    """Run a case under bubblewrap (where it works) and with the fallback sandbox."""
    if request.param == "bubblewrap" and not ISOLATED:
        pytest.skip("bubblewrap does not work here")
    if request.param == "without":
        monkeypatch.setattr(sandbox, "_ISOLATION", sandbox.Isolation(False, reason="turned off by the test"))
    return request.param


# -- class 1: the grader reads only what it must, boundedly ---------------------------------------

REPLACE_RESULTS_FILE = '''
import os, stat
_real_open = os.open

def _open(path, flags, *args, **kwargs):
    if "results-" in str(path) and not os.environ.get("ATTACKED"):
        os.environ["ATTACKED"] = "1"
        for attack in ("fifo", "zero"):
            try:
                os.unlink(path)
            except OSError:
                pass
            try:
                os.mkfifo(path) if attack == "fifo" else os.symlink("/dev/zero", path)
            except OSError:
                pass
        try:
            os.unlink(path)
        except OSError:
            pass
        try:
            os.symlink("/dev/urandom", path)
        except OSError:
            pass
        return _real_open("/dev/null", os.O_WRONLY)  # and the probe writes nothing the grader sees
    return _real_open(path, flags, *args, **kwargs)

os.open = _open
def report():
    return [1.0]
'''


def test_class1_a_fifo_or_device_at_the_results_path_is_never_opened(either_way, scratch):
    """The submission replaces the results file by a FIFO, then by links to /dev/zero and /dev/urandom.

    Under bubblewrap it cannot even touch the folder; without, it can, but the grader reads
    the file it created through the descriptor it kept, so neither blocks nor floods it.
    """
    started = time.monotonic()
    execution = run(REPLACE_RESULTS_FILE)
    assert time.monotonic() - started < 15
    assert execution.status == "ok" and execution.results is None, execution
    assert list(scratch.iterdir()) == []


def test_class1_results_are_read_from_a_regular_file_up_to_a_cap(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert sandbox._read_results(fd, "n") == (None, "the results file is not a regular file")
    finally:
        os.close(fd)
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(sandbox.MAX_RESULTS_BYTES + 1)
    fd = os.open(big, os.O_RDONLY)
    try:
        parts, problem = sandbox._read_results(fd, "n")
        assert parts is None and "larger than 32 MB" in problem
    finally:
        os.close(fd)


HUGE_SHELL_MESSAGES = '''
def report():
    return [1.0]

_kernel = get_ipython().kernel
_send = _kernel.session.send

def send(stream, msg_or_type, content=None, parent=None, ident=None, *args, **kwargs):
    if msg_or_type == "execute_reply":
        for _ in range(6):
            _send(stream, "junk", {"junk": "x" * (64 << 20)}, parent, ident)
    return _send(stream, msg_or_type, content, parent, ident, *args, **kwargs)

_kernel.session.send = send
'''


def test_class1_huge_shell_messages_leave_the_grader_small(scratch):
    """Six 64 MB messages before every reply: the grader's own peak memory stays far below that.

    Run in a fresh Python, and measured as the growth of its peak resident size while grading.
    """
    code = textwrap.dedent(f"""
        import resource, tempfile, json
        tempfile.tempdir = {str(scratch)!r}
        from course_lib.grading import sandbox
        import test_grading_isolation as t
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        execution = t.run(t.HUGE_SHELL_MESSAGES, "x = 1", limits=sandbox.Limits(timeout_s=8, memory_mb=3000))
        print(json.dumps({{"status": execution.status, "detail": execution.detail, "before_mb": before,
                          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])})
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    # ru_maxrss survives fork and exec, so a child of a large pytest worker starts with the
    # worker's high-water mark: only the growth during grading is the grader's own.
    assert got["peak_mb"] - got["before_mb"] < 250, got  # the junk alone is 6 x 64 MB per reply
    assert got["status"] == "crashed" and "over the 16 MB limit in code cell 1" in got["detail"], got
    assert list(scratch.iterdir()) == []


# -- class 2: nothing of a submission outlives it --------------------------------------------------

ESCAPE = '''
import os, sys, time, subprocess
TOKEN, CSV, KERNEL = {token!r}, {csv!r}, os.getpid()
attacker = f"""
import os, signal, sys, time
time.sleep(2)
open('acted', 'w').write('x')
try:
    with open({{CSV!r}}, 'w') as fh:
        fh.write('forged')
except OSError:
    pass
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) not in (1, os.getpid(), {{KERNEL}}):  # every other kernel it can see
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
time.sleep(300)  # {{TOKEN}}
"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c", attacker, TOKEN], {{}})  # no environment at all
    os._exit(0)
deadline = time.time() + 8
while not os.path.exists("acted") and time.time() < deadline:
    time.sleep(0.1)
'''


def survivors(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and token.encode() in pathlib.Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


@needs_bwrap
def test_class2_a_detached_process_dies_with_its_submission_and_harms_no_one(tmp_path, scratch):
    """A double fork + setsid + empty environment; at 2 s it rewrites the gradebook and kills what it sees.

    Proof without a 60 s wait: the attacker acts while its kernel still runs (the kernel
    waits until it has), and right after ``grade`` returns no process carrying its token
    exists, so it can do nothing later; the gradebook is checked again 3 s on anyway.
    The innocent submissions, graded alongside it, sleep through its attack and keep
    their marks.
    """
    from test_grading_sandbox import SOLUTION, STUB

    folder = tmp_path / "subs"
    folder.mkdir()
    out = tmp_path / "grades.csv"
    token = "escape-" + secrets.token_hex(8)
    solution_if_it_acted = "\n".join(["if os.path.exists('acted'):"] + [
        textwrap.indent(cell, "    ") for cell in SOLUTION])
    (folder / "attacker.ipynb").write_bytes(notebook(ESCAPE.format(token=token, csv=str(out)), solution_if_it_acted))
    (folder / "ann.ipynb").write_bytes(notebook(*SOLUTION, "import time\ntime.sleep(4)"))
    (folder / "bob.ipynb").write_bytes(notebook(*STUB, "import time\ntime.sleep(4)"))
    summary = gradebook.grade("u1.activations", folder, out, workers=3, limits=LIMITS, progress=False, echo=None)
    assert survivors(token) == []
    rows = {s: (r["status"], str(r["total"])) for s, r in summary.rows.items()}
    # The attacker scores 11 only if its detached process really ran (it created 'acted').
    assert rows == {"attacker": ("graded", "11"), "ann": ("graded", "11"), "bob": ("graded", "0")}, rows
    written = out.read_bytes()
    time.sleep(3)
    assert out.read_bytes() == written and survivors(token) == []
    with open(out, newline="") as fh:
        assert {r["student"]: r["total"] for r in csv.DictReader(fh)} == {"attacker": "11", "ann": "11", "bob": "0"}
    assert "isolation: bubblewrap" in summary.text()
    assert list(scratch.iterdir()) == []


# -- class 3: a submission sees nothing it should not ---------------------------------------------

LOOK_AROUND = '''
import os, glob
SECRET, PATHS = {secret!r}, {paths!r}

def _secret_seen():
    if SECRET in repr(dict(os.environ)):
        return 1.0
    for environ in glob.glob("/proc/*/environ"):
        try:
            if SECRET.encode() in open(environ, "rb").read():
                return 1.0
        except OSError:
            pass
    return 0.0

def _readable(path):
    try:
        if os.path.isdir(path):
            return float(bool(os.listdir(path)))
        with open(path, "rb") as fh:
            fh.read(1)
        return 1.0
    except OSError:
        return 0.0

def report():
    return [_secret_seen(), os.getuid() == 0, *[_readable(p) for p in PATHS]]
'''


@needs_bwrap
def test_class3_no_secret_no_home_no_other_submission_no_checks(tmp_path, scratch, monkeypatch):
    secret = "token-" + secrets.token_hex(12)
    monkeypatch.setenv("COURSE_TEST_SECRET", secret)
    other = tmp_path / "subs" / "other.ipynb"
    other.parent.mkdir()
    other.write_text("{}")
    hidden = tmp_path / "hidden" / "u1_activations.py"
    hidden.parent.mkdir()
    hidden.write_text("REFERENCE = 1\n")
    python = os.path.realpath(sys.base_prefix)  # may live in the home (pyenv): that one folder is shown
    home = [str(p) for p in sorted(pathlib.Path.home().iterdir()) if not python.startswith(str(p))][:8]
    paths = {
        **{f"the grader's home: {p}": p for p in home},
        "another submission": str(other),
        "the submissions folder": str(other.parent),
        "the hidden checks": str(hidden),
        "course_lib's checks (references)": str(ROOT / "course_lib/grading/checks/u1/activations.py"),
        "the repository": str(ROOT / "README.md"),
    }
    execution = run(LOOK_AROUND.format(secret=secret, paths=list(paths.values())))
    assert execution.status == "ok", execution
    seen = dict(zip(["the secret", "root", *paths], reported(execution)))
    assert seen == dict.fromkeys(seen, 0.0), seen
    # the control: the same code in the grader's own process sees all of it
    namespace = {}
    exec(LOOK_AROUND.format(secret=secret, paths=list(paths.values())), namespace)
    assert namespace["report"]()[0] == 1.0 and all(namespace["report"]()[3:])


SHARED_MEMORY = '''
import os, time
fds = []
try:
    for _ in range(4):  # 4 x 250 MB, each under the 256 MB file-size limit
        fd = os.memfd_create("hog")
        for _ in range(25):
            os.write(fd, b"x" * (10 << 20))
        fds.append(fd)
except OSError:
    pass
time.sleep(3)
'''


@needs_bwrap
def test_class3_memfd_counts_against_the_memory_limit(scratch):
    execution = run(SHARED_MEMORY, "def report():\n    return [1.0]")
    assert execution.status == "memory", execution
    assert list(scratch.iterdir()) == []


@needs_bwrap
def test_class3_dev_shm_and_tmp_are_private_and_bounded(scratch):
    execution = run('''
        import os
        def fill(path):
            written = 0
            try:
                with open(path, "wb") as fh:
                    for _ in range(40):
                        fh.write(b"x" * (10 << 20))
                        fh.flush()
                        written += 10
            except OSError:
                pass
            return written
        shm, tmp = fill("/dev/shm/hog"), fill("/tmp/hog")
        def report():
            return [shm, tmp]
        ''', limits=sandbox.Limits(timeout_s=20, memory_mb=4096, file_size_mb=1024))
    assert execution.status == "ok", execution
    shm, tmp = reported(execution)
    assert shm <= sandbox.TMPFS_MB and tmp <= sandbox.TMPFS_MB, (shm, tmp)
    assert not os.path.exists("/dev/shm/hog")


# -- class 4: what a submission leaves behind is its own problem, never an `error` -----------------

LEAVE_A_MESS = '''
import os
os.makedirs("ro/inner")
open("ro/inner/f", "w").write("x")
os.chmod("ro/inner", 0o500)
os.chmod("ro", 0o500)
os.symlink("/etc", "link-to-etc")
open(b"odd-\\xff-\\x1b[31m-name", "w").write("x")
os.mkfifo("a-fifo")
here = os.getcwd()
for _ in range(5000):
    os.mkdir("d")
    os.chdir("d")
open("bottom", "w").write("x")
os.chdir(here)
def report():
    return [1.0]
'''


def test_class4_deep_nests_read_only_folders_and_odd_names_are_cleaned_up(either_way, scratch):
    execution = run(LEAVE_A_MESS)
    assert execution.status == "ok" and reported(execution) == [1.0], execution
    assert execution.leftover == ""
    assert list(scratch.iterdir()) == []
    assert os.path.isdir("/etc")  # the link was removed, never followed


def test_remove_tree_handles_10000_nested_folders(tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    here = os.getcwd()
    os.chdir(top)
    try:
        for _ in range(10_000):
            os.mkdir("d")
            os.chdir("d")
        os.chmod(".", 0o500)
    finally:
        os.chdir(here)
    assert sandbox.remove_tree(top) and not top.exists()


def test_class4_a_badly_signed_message_makes_the_submission_crashed(either_way, scratch):
    execution = run('get_ipython().kernel.session.key = b"forged"', "x = 1")
    assert execution.status == "crashed", execution
    assert "message the grader rejects" in execution.detail and "code cell 1" in execution.detail
    assert list(scratch.iterdir()) == []


def test_class4_the_gradebook_row_is_crashed_not_error(tmp_path, scratch):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "signer.ipynb").write_bytes(notebook('get_ipython().kernel.session.key = b"forged"'))
    (folder / "nester.ipynb").write_bytes(notebook(LEAVE_A_MESS))
    summary = gradebook.grade("u1.activations", folder, tmp_path / "g.csv", workers=2, limits=LIMITS,
                              progress=False, echo=None)
    assert summary.rows["signer"]["status"] == "crashed", summary.rows["signer"]
    assert summary.rows["nester"]["status"] == "graded", summary.rows["nester"]
    assert list(scratch.iterdir()) == []


# -- the isolation switch ---------------------------------------------------------------------------

def test_without_isolation_grading_warns_once_and_require_isolation_refuses(tmp_path, monkeypatch, capsys):
    from course_lib import cli

    monkeypatch.setattr(sandbox, "_ISOLATION", sandbox.Isolation(False, reason="bwrap is not installed (test)"))
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(notebook("x = 1"))
    (folder / "b.ipynb").write_bytes(notebook("y = 1"))
    out = tmp_path / "g.csv"
    assert cli.main(["grade", "u1.activations", str(folder), "--out", str(out), "--require-isolation",
                     "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "course grade: isolation is required (--require-isolation), but bwrap is not installed (test)" in err
    assert not out.exists()
    summary = gradebook.grade("u1.activations", folder, out, workers=2, limits=LIMITS, progress=False, echo=None)
    err = capsys.readouterr().err
    assert err.count("WITHOUT ISOLATION") == 1, err
    assert "WARNING: NO ISOLATION: bwrap is not installed (test)" in summary.text()
    with pytest.raises(sandbox.IsolationUnavailable, match="isolation is required"):
        gradebook.grade_notebook("u1.activations", folder / "a.ipynb", require_isolation=True)


def test_isolation_is_detected_once_and_described():
    first = sandbox.isolation()
    assert sandbox.isolation() is first
    if first.available:
        assert first.describe().startswith("bubblewrap (")
    else:
        assert first.describe().startswith("NO ISOLATION: ") and first.reason


def test_a_deep_temporary_folder_still_fits_the_kernel_sockets(tmp_path, monkeypatch):
    """Unix socket paths hold 107 bytes: under a deep TMPDIR (CI, pytest-xdist) the sockets get a
    short private folder of their own in /tmp, which is removed with the sandbox."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr("tempfile.tempdir", str(deep))
    made = []
    real = sandbox._socket_folder
    monkeypatch.setattr(sandbox, "_socket_folder", lambda root: made.append(real(root)) or made[-1])
    execution = run("x = 1")
    assert execution.status == "ok", execution
    (sockets,) = made
    assert str(sockets).startswith("/tmp/course-grade-sockets-") and not sockets.exists()
    assert list(deep.iterdir()) == []


def test_ci_really_tests_the_isolation():
    """Skipping the bubblewrap cases is fine on a laptop without it, not in CI: a green CI
    must mean the namespaces were tested (.ci/run installs bubblewrap with apt)."""
    if os.environ.get("CI") == "true":
        assert ISOLATED, f"CI must grade under bubblewrap, but {sandbox.isolation().reason}"
    elif not ISOLATED:
        pytest.skip(f"bubblewrap does not work here: {sandbox.isolation().reason}")
