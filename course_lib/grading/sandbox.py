"""Run a notebook's code cells in a separate, limited kernel, then probe the functions it defined.

Each call of :func:`execute` gets:

* a fresh temporary directory holding a *copy* of the notebook (the kernel's working
  directory), a private ``HOME`` and ``TMPDIR``, and a folder for the kernel's sockets;
* its own IPython kernel process, in its own session, started through
  :mod:`course_lib.grading._kernel` with RLIMIT_DATA (memory), RLIMIT_FSIZE (largest
  file) and no core dumps;
* a scrubbed environment: a minimal ``PATH`` and locale, the course's offline, headless
  smoke mode, hidden GPUs, single-threaded BLAS, and nothing else from yours (no tokens,
  no ``PYTHONPATH``, no cloud credentials);
* one wall-clock budget for all the notebook's cells and another for the checks, plus a
  watchdog on the resident memory of the kernel's whole session.

The kernel's output is never parsed: what a submission prints cannot count as a result.
Results come only from the probe (:mod:`course_lib.grading.probe`), which is sent into
the kernel as source text after the notebook's cells have run and writes JSON to a file
the sandbox chose; the caller judges them in its own process.

Afterwards the kernel's session, and any process that still carries this sandbox's
marker in its environment, are killed, and the directory is deleted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import queue
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

SANDBOX_ENV = "COURSE_GRADING_SANDBOX"
MAX_RESULTS_BYTES = 32 << 20
_PROBE_SOURCE = pathlib.Path(__file__).with_name("probe.py").read_text(encoding="utf-8")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one submission.

    Attributes:
        timeout_s: wall-clock seconds for all of the notebook's cells together, and
            again for running the checks.
        memory_mb: memory limit in MB (RLIMIT_DATA per process, and the resident memory
            of the kernel's whole session).
        startup_timeout_s: seconds allowed for the kernel to start.
        file_size_mb: the largest file the submission may write.
    """

    timeout_s: float = 120.0
    memory_mb: int = 4096
    startup_timeout_s: float = 60.0
    file_size_mb: int = 256

    def __post_init__(self):
        for name, low in (("timeout_s", 0.1), ("startup_timeout_s", 1.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low:
                raise ValueError(f"{name} must be a number of seconds ≥ {low:g}, got {value!r}")
        for name, low in (("memory_mb", 256), ("file_size_mb", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer ≥ {low} (megabytes), got {value!r}")


@dataclasses.dataclass(frozen=True)
class CellError:
    cell: int  # 1-based number among the notebook's code cells
    first_line: str
    name: str
    value: str

    def __str__(self) -> str:
        where = f"code cell {self.cell}" + (f" (`{self.first_line}`)" if self.first_line else "")
        return f"{where} raised {self.name}" + (f": {self.value}" if self.value else "")


@dataclasses.dataclass
class Execution:
    """What happened to one notebook in the sandbox.

    ``status`` is ``"ok"`` (every cell ran, errors or not, and the checks finished),
    ``"timeout"``, ``"memory"``, ``"crashed"`` (the kernel died), ``"error"`` (the
    kernel could not start: a problem on the grading machine) or ``"cancelled"``.
    ``results`` holds the probe's raw, unverified results per part, if it got that far.
    """

    status: str = "ok"
    detail: str = ""
    cell_errors: list[CellError] = dataclasses.field(default_factory=list)
    results: dict | None = None
    output: str = ""
    seconds: float = 0.0


class _Stopped(Exception):
    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _first_line(source: str) -> str:
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 40 else line[:37] + "..."


def _exit_text(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def sandbox_env(home: pathlib.Path, marker: str, extra: dict | None = None) -> dict:
    """The whole environment a submission's kernel sees."""
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "COURSE_MODE": "smoke",
        "COURSE_HEADLESS": "1",
        "COURSE_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        SANDBOX_ENV: marker,
    }
    env.update(extra or {})
    return env


# -- processes, from /proc (Linux); elsewhere only the rlimits and the kernel's group apply ----

def _proc_stats():
    """(pid, session id, resident bytes) for every live process we can see (zombies are skipped)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] != b"Z":
                yield int(entry), int(fields[3]), int(fields[21]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue


def session_rss(sid: int) -> int:
    return sum(rss for _, session, rss in _proc_stats() if session == sid)


def _marked(pid: int, needle: bytes) -> bool:
    try:
        if os.stat(f"/proc/{pid}").st_uid != os.getuid():
            return False
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return needle in fh.read()
    except OSError:
        return False


def sweep(marker: str, sid: int | None) -> int:
    """Kill the kernel's session and every process that still carries ``marker``; return how many."""
    needle = f"{SANDBOX_ENV}={marker}".encode() + b"\0"
    killed = 0
    for _ in range(3):  # a process may fork while we sweep
        found = [pid for pid, session, _ in _proc_stats() if pid != os.getpid()
                 and ((sid is not None and session == sid) or _marked(pid, needle))]
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        if not found:
            break
        time.sleep(0.05)
    return killed


def _rmtree(path: pathlib.Path) -> None:
    def make_writable_and_retry(func, target, _exc):
        try:
            os.chmod(os.path.dirname(target), stat.S_IRWXU)
            os.chmod(target, stat.S_IRWXU)
            func(target)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


# -- the kernel ----------------------------------------------------------------------------------

class _Kernel:
    def __init__(self, root: pathlib.Path, work: pathlib.Path, env: dict, limits: Limits,
                 capture: int, cancel: threading.Event | None):
        self.root, self.work, self.env, self.limits = root, work, env, limits
        self.capture, self.cancel = capture, cancel
        self.output: list[str] = []
        self.output_chars = 0
        self.km = self.kc = self.proc = None

    def start(self) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

        argv = [sys.executable, "-m", "course_lib.grading._kernel", "--memory-mb", str(self.limits.memory_mb),
                "--file-mb", str(self.limits.file_size_mb), "--", "-f", "{connection_file}"]
        spec = KernelSpec(argv=argv, display_name="course grading sandbox", language="python", env={}, metadata={})

        class _OneSpec(KernelSpecManager):
            def get_kernel_spec(self, kernel_name):
                return spec

        run = self.root / "run"
        self.km = KernelManager(kernel_name="course-grading", kernel_spec_manager=_OneSpec(), transport="ipc",
                                ip=str(run / "k"), connection_file=str(run / "kernel.json"))
        try:
            # The kernel's own stdout/stderr (TensorFlow's C++ logs, os.write(2, ...)) go nowhere:
            # a submission must not be able to flood the grader's terminal.
            self.km.start_kernel(env=self.env, cwd=str(self.work), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except Exception as exc:  # noqa: BLE001
            raise _Stopped("error", f"the kernel could not start ({type(exc).__name__}: {exc})") from None
        self.proc = self.km.provisioner.process
        self.kc = self.km.blocking_client()
        self.kc.start_channels(shell=True, iopub=bool(self.capture), stdin=False, hb=False, control=False)
        deadline = time.monotonic() + self.limits.startup_timeout_s
        self.request(self.kc.kernel_info(), deadline, "while starting", startup=True)
        if self.capture:
            self._await_iopub(deadline)

    def _await_iopub(self, deadline: float) -> None:
        """Wait until the output channel really receives.

        ZeroMQ drops what the kernel publishes before our subscription reaches it (a
        "slow joiner"), which on a loaded machine can swallow the first cell's output.
        Every kernel_info request makes the kernel publish its status, so ping until
        one of those arrives, then discard them.
        """
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.2)
                break
            except queue.Empty:
                pass
            if time.monotonic() > deadline:
                raise _Stopped("error", "the kernel's output channel did not connect")
            self.request(self.kc.kernel_info(), deadline, "while starting", startup=True)
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                return

    def run(self, source: str, deadline: float, where: str) -> dict:
        msg_id = self.kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
        content = self.request(msg_id, deadline, where)
        if self.capture:
            self._drain_output(until_idle=msg_id)
        return content

    def request(self, msg_id: str, deadline: float, where: str, *, startup: bool = False) -> dict:
        next_memory_check = 0.0
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=0.05)
            except queue.Empty:
                msg = None
            # Anything else on the channel is ignored, and the checks below run on every pass, so a
            # kernel flooding the channel cannot stall the clock.
            if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg.get("content", {})
            if self.capture:
                self._drain_output()
            code = self.proc.poll()
            if code is not None:
                raise _Stopped("error" if startup else "crashed", f"the kernel died {where} ({_exit_text(code)})")
            now = time.monotonic()
            if now > deadline:
                if startup:
                    raise _Stopped("error", f"the kernel did not start within {self.limits.startup_timeout_s:g} s")
                raise _Stopped("timeout", f"exceeded the time limit of {self.limits.timeout_s:g} s {where}")
            if now >= next_memory_check:
                next_memory_check = now + 0.25
                used = session_rss(self.proc.pid)
                if used > self.limits.memory_mb << 20:
                    raise _Stopped("memory", f"used {used >> 20} MB, over the memory limit of "
                                             f"{self.limits.memory_mb} MB, {where}")
            if self.cancel is not None and self.cancel.is_set():
                raise _Stopped("cancelled", "grading was interrupted")

    def _drain_output(self, until_idle: str | None = None) -> None:
        give_up = time.monotonic() + (2.0 if until_idle else 0.05)
        while time.monotonic() < give_up:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.05 if until_idle else 0)
            except queue.Empty:
                if until_idle is None:
                    return
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            text = ""
            if kind == "stream":
                text = content.get("text", "")
            elif kind == "error":
                text = f"{content.get('ename')}: {content.get('evalue')}\n"
            if text and self.output_chars < self.capture:
                self.output.append(text[: self.capture - self.output_chars])
                self.output_chars += len(text)
            if (until_idle and kind == "status" and content.get("execution_state") == "idle"
                    and msg.get("parent_header", {}).get("msg_id") == until_idle):
                return

    def stop(self, marker: str) -> None:
        sid = self.proc.pid if self.proc is not None else None
        if self.kc is not None:
            self.kc.stop_channels()
        if sid is not None:
            try:
                os.killpg(sid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                pass
        sweep(marker, sid)
        if self.km is not None:
            try:
                self.km.cleanup_resources()
            except Exception:  # noqa: BLE001
                pass


def probe_cell(plan: dict, results_path: pathlib.Path) -> str:
    """The code the sandbox runs after the notebook: the probe, from source, in a fresh namespace."""
    return (
        "def _course_grading_probe():\n"
        "    module = {'__name__': '_course_grading_probe'}\n"
        f"    exec(compile({_PROBE_SOURCE!r}, '<course_lib grading probe>', 'exec'), module)\n"
        f"    module['run_plan_to_file'](globals(), {json.dumps(plan)!r}, {str(results_path)!r})\n"
        "_course_grading_probe()\n"
    )


def _read_results(path: pathlib.Path, nonce: str) -> dict | None:
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("nonce") != nonce or not isinstance(data.get("parts"), dict):
        return None
    return data["parts"]


def execute(cells: list[str], *, notebook_name: str, notebook_bytes: bytes, limits: Limits,
            plan: dict | None = None, extra_env: dict | None = None, capture_output: int = 0,
            cancel: threading.Event | None = None) -> Execution:
    """Run ``cells`` (code cell sources, in order) in a fresh sandbox; see the module docstring.

    An error in a cell is recorded and the next cell still runs. When ``plan`` is given
    (from :func:`course_lib.grading.core.make_plan`) the probe runs it after the last
    cell and ``Execution.results`` holds its raw results. ``capture_output`` keeps up to
    that many characters of printed output (0: none is even received).
    """
    started = time.monotonic()
    result = Execution()
    marker = secrets.token_hex(12)
    root = pathlib.Path(tempfile.mkdtemp(prefix="course-grade-"))
    work, home, run = root / "work", root / "home", root / "run"
    for folder in (work, home, home / "tmp", run):
        folder.mkdir(mode=0o700)
    (work / pathlib.PurePath(notebook_name).name).write_bytes(notebook_bytes)
    results_path = run / f"results-{secrets.token_hex(8)}.json"
    kernel = _Kernel(root, work, sandbox_env(home, marker, extra_env), limits, capture_output, cancel)
    try:
        kernel.start()
        deadline = time.monotonic() + limits.timeout_s
        for number, source in enumerate(cells, 1):
            if not source.strip():
                continue
            content = kernel.run(source, deadline, f"in code cell {number} (`{_first_line(source)}`)")
            if content.get("status") != "ok":
                result.cell_errors.append(CellError(number, _first_line(source), str(content.get("ename", "an error")),
                                                    str(content.get("evalue", ""))[:200]))
        if plan is not None:
            kernel.run(probe_cell(plan, results_path), time.monotonic() + limits.timeout_s, "while running the checks")
    except _Stopped as stop:
        result.status, result.detail = stop.status, stop.detail
    finally:
        kernel.stop(marker)
        if plan is not None:
            result.results = _read_results(results_path, plan["nonce"])
            unfinished = [part for part in plan["parts"] if part not in (result.results or {})]
            if result.status == "timeout" and result.results is not None and unfinished:
                result.detail += f", in part {unfinished[0]!r} (earlier parts were checked)"
        result.output = "".join(kernel.output)
        _rmtree(root)
        result.seconds = time.monotonic() - started
    return result
