"""Run a notebook's code cells in a separate, limited kernel, then probe the functions it defined.

Each call of :func:`execute` gets:

* a fresh temporary directory holding a *copy* of the notebook (the kernel's working
  directory), a private ``HOME``, a folder for the kernel's sockets and a results file
  the grader creates (and keeps open) itself;
* its own IPython kernel process, started through :mod:`course_lib.grading._kernel` with
  RLIMIT_DATA (memory), RLIMIT_FSIZE (largest file) and no core dumps;
* where bubblewrap works (:func:`isolation`), real isolation: the kernel runs under
  ``bwrap`` in its own PID, mount, IPC, UTS and network namespaces, with every capability
  dropped, as the unprivileged uid/gid 65534 when the grader is root, ``--die-with-parent``,
  a read-only view of only the system, the Python installation, the virtual environment
  and ``course_lib`` (its hidden ``checks`` folder replaced by an empty one), size-limited
  private ``/tmp`` and ``/dev/shm``, and nothing writable but its scratch folders. When the
  PID namespace ends, every process in it ends. Without bubblewrap the kernel runs in its
  own session only (see the README's threat model) and :func:`isolation` says why;
* a scrubbed environment: a minimal ``PATH`` and locale, the course's offline, headless
  smoke mode, hidden GPUs, single-threaded BLAS, and nothing else from yours (no tokens,
  no ``PYTHONPATH``, no cloud credentials);
* one wall-clock budget for all the notebook's cells and another for the checks, plus a
  watchdog on the memory of all the kernel's processes (resident memory, memfd files and
  the private ``/tmp`` and ``/dev/shm``).

The kernel's output is never parsed: what a submission prints cannot count as a result.
Results come only from the probe (:mod:`course_lib.grading.probe`), which is sent into
the kernel as source text after the notebook's cells have run and appends JSON lines to
the results file; the grader reads that file through the descriptor it opened when it
created it (a regular file, read up to :data:`MAX_RESULTS_BYTES`), whatever the kernel
puts at its path, and judges the results in its own process. Messages from the kernel
are capped at :data:`MAX_MESSAGE_BYTES` each, and one that fails its signature check ends
the submission as ``crashed``.

Afterwards the kernel's processes (its PID namespace, or its session and any process
still carrying this sandbox's marker) are killed, and the directory is deleted without
recursion and without following symbolic links.
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
NO_ISOLATION_ENV = "COURSE_GRADING_NO_ISOLATION"  # "1": grade without bubblewrap even where it works
MAX_RESULTS_BYTES = 32 << 20
MAX_MESSAGE_BYTES = 16 << 20  # one message from the kernel; a larger one is dropped with its connection
MAX_QUEUED_MESSAGES = 16  # per channel, so the grader holds at most 16 * MAX_MESSAGE_BYTES per channel
KERNEL_UID = KERNEL_GID = 65534  # "nobody"/"nogroup": the kernel's uid when the grader runs as root
TMPFS_MB = 256  # the private /tmp and /dev/shm, each
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
    ``"timeout"``, ``"memory"``, ``"crashed"`` (the kernel died, or sent a message that is
    badly signed or over :data:`MAX_MESSAGE_BYTES`), ``"error"`` (the kernel could not
    start: a problem on the grading machine) or ``"cancelled"``.
    ``results`` holds the probe's raw, unverified results per part, if it got that far.
    """

    status: str = "ok"
    detail: str = ""
    cell_errors: list[CellError] = dataclasses.field(default_factory=list)
    results: dict | None = None
    output: str = ""
    seconds: float = 0.0
    isolated: bool = False  # ran under bubblewrap
    leftover: str = ""  # a scratch folder that could not be deleted (should never happen)


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


# -- isolation with bubblewrap ---------------------------------------------------------------------

class IsolationUnavailable(OSError):
    """Raised when isolation is required (``--require-isolation``) but bubblewrap does not work here."""


@dataclasses.dataclass(frozen=True)
class Isolation:
    """Whether submissions run under bubblewrap here, and how (see :func:`isolation`)."""

    available: bool
    bwrap: str = ""
    drop_uid: bool = False  # the grader is root: the kernel switches to KERNEL_UID inside the sandbox
    reason: str = ""  # why not, when not available

    def describe(self) -> str:
        if not self.available:
            return f"NO ISOLATION: {self.reason}"
        who = (f"as uid {KERNEL_UID}" if self.drop_uid else "as your uid, mapped into a user namespace")
        return (f"bubblewrap ({self.bwrap}): own PID, mount, IPC, UTS and network namespaces, no capabilities, "
                f"{who}, read-only system, hidden home, submissions, gradebook and checks")


_ISOLATION: Isolation | None = None
_ISOLATION_LOCK = threading.Lock()


def _system_binds() -> list[str]:
    """The read-only view of the system: /usr, /etc and the merged-/usr links, nothing else of /."""
    args = []
    for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    if os.path.isdir("/sys/devices/system/cpu"):  # CPU counts for BLAS and TensorFlow
        args += ["--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    return args


def _base_argv(bwrap: str, drop_uid: bool) -> list[str]:
    if drop_uid:
        # As root, without a user namespace: the sandbox keeps only CAP_SETUID/CAP_SETGID, which
        # course_lib.grading._kernel uses at once to become KERNEL_UID on the host too (that
        # clears them), after bwrap has built the sandbox's mounts as root.
        who = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
               "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # a user namespace maps our uid to KERNEL_UID
        who = ["--unshare-all", "--cap-drop", "ALL", "--uid", str(KERNEL_UID), "--gid", str(KERNEL_GID)]
    return [bwrap, *who, "--die-with-parent", "--new-session", "--hostname", "grading",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev",
            "--size", str(TMPFS_MB << 20), "--tmpfs", "/tmp", "--size", str(TMPFS_MB << 20), "--tmpfs", "/dev/shm"]


def isolation(*, refresh: bool = False) -> Isolation:
    """Whether bubblewrap works here: the binary is found and a trial sandbox runs. Cached per process.

    As root, the kernel becomes uid 65534 on the host once bwrap has set up its mounts;
    otherwise bwrap maps your uid to 65534 in a user namespace. Set
    ``COURSE_GRADING_NO_ISOLATION=1`` to grade without it (the summary then says so).
    """
    global _ISOLATION
    with _ISOLATION_LOCK:
        if _ISOLATION is None or refresh:
            _ISOLATION = _detect_isolation()
        return _ISOLATION


def _detect_isolation() -> Isolation:
    if os.environ.get(NO_ISOLATION_ENV) == "1":
        return Isolation(False, reason=f"{NO_ISOLATION_ENV}=1 is set")
    if not sys.platform.startswith("linux"):
        return Isolation(False, reason=f"bubblewrap needs Linux namespaces; this is {sys.platform}")
    bwrap = shutil.which("bwrap") or next((p for p in ("/usr/bin/bwrap", "/usr/local/bin/bwrap")
                                           if os.access(p, os.X_OK)), None)
    if bwrap is None:
        return Isolation(False, reason="bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    drop_uid = os.geteuid() == 0
    binds, pythonpath = _python_binds()
    code = (f"import os; os.setgroups([]); os.setgid({KERNEL_GID}); os.setuid({KERNEL_UID}); " if drop_uid else "")
    code += "import course_lib.grading._kernel; assert os.getuid() == %d" % KERNEL_UID
    trial = [*_base_argv(bwrap, drop_uid), *binds, "--setenv", "PYTHONPATH", pythonpath, "--",
             sys.executable, "-c", code]
    try:
        proc = subprocess.run(trial, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, cwd="/",
                              env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation(False, bwrap, reason=f"bubblewrap does not work here ({type(exc).__name__}: {exc})")
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return Isolation(False, bwrap, reason=f"bubblewrap does not work here ({(why or ['exit code %d' % proc.returncode])[-1][:200]}); "
                                              "user namespaces may be disabled")
    return Isolation(True, bwrap, drop_uid)


def _parents(paths) -> list[str]:
    """Create the folders above bind targets as 0755 (bwrap would make them 0700 under a strict umask)."""
    made = set()
    for path in paths:
        for parent in pathlib.PurePosixPath(path).parents:
            if str(parent) not in ("/", "/tmp", "/usr", "/etc", "/sys", "/dev", "/proc"):
                made.add(str(parent))
    return [arg for d in sorted(made, key=lambda d: (d.count("/"), d)) for arg in ("--perms", "0755", "--dir", d)]


def _python_binds() -> tuple[list[str], str]:
    """Read-only binds for the Python installation, the venv and course_lib, and the PYTHONPATH that finds it.

    course_lib is bound from wherever the grader imported it (an editable install or a
    checkout points into a repository, which stays hidden otherwise); its ``checks``
    folder, which holds reference implementations, is covered by an empty read-only one.
    """
    import course_lib

    package = pathlib.Path(course_lib.__file__).resolve().parent
    args, bound = [], []
    for path in sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(package)}, key=len):
        if not any(path == b or path.startswith(b + os.sep) for b in bound + ["/usr"]):
            args += ["--ro-bind", path, path]
            bound.append(path)
    args = _parents(bound) + args
    checks = package / "grading" / "checks"
    if checks.is_dir():
        args += ["--size", "65536", "--tmpfs", str(checks), "--remount-ro", str(checks)]
    return args, str(package.parent)


# -- processes, from /proc (Linux); elsewhere only the rlimits and the kernel's group apply ----

def _proc_stats():
    """(pid, parent pid, session id, resident bytes) for every live process we can see (no zombies)."""
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
                yield int(entry), int(fields[1]), int(fields[3]), int(fields[21]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue


def _family(pid: int, sid: int | None = None) -> dict[int, int]:
    """{pid: resident bytes} of ``pid``, all its descendants and (if given) every member of session ``sid``.

    Under bubblewrap every process of the sandbox descends from its PID namespace's init,
    so a double fork with ``setsid`` stays in the family.
    """
    stats = list(_proc_stats())
    children: dict[int, list[int]] = {}
    for p, ppid, _, _ in stats:
        children.setdefault(ppid, []).append(p)
    members, stack = set(), [pid]
    while stack:
        p = stack.pop()
        if p not in members:
            members.add(p)
            stack.extend(children.get(p, ()))
    return {p: rss for p, _, session, rss in stats if p in members or (sid is not None and session == sid)}


def session_rss(sid: int) -> int:
    return sum(rss for _, _, session, rss in _proc_stats() if session == sid)


def _shared_bytes(pids, roots) -> int:
    """Memory that resident sizes miss: memfd files held open, and the private tmpfs mounts."""
    seen, total = set(), 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/memfd:"):
                    continue
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    for root in roots:
        for mount in ("tmp", "dev/shm"):
            try:
                vfs = os.statvfs(f"/proc/{root}/root/{mount}")
                total += (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize
            except OSError:
                pass
    return total


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
        found = [pid for pid, _, session, _ in _proc_stats() if pid != os.getpid()
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


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_dir(name: bytes, dir_fd: int) -> int | None:
    for attempt in range(2):
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
        except PermissionError:
            if attempt:
                return None
            try:
                os.chmod(name, stat.S_IRWXU, dir_fd=dir_fd, follow_symlinks=False)
            except (OSError, NotImplementedError):
                try:
                    os.chmod(name, stat.S_IRWXU, dir_fd=dir_fd)
                except OSError:
                    return None
        except OSError:
            return None
    return None


def remove_tree(path: str | os.PathLike) -> bool:
    """Delete ``path`` and everything in it, iteratively; True if nothing is left.

    No recursion (a nest of 10,000 folders is fine), no long paths (everything is relative
    to an open folder, so no ENAMETOOLONG), one folder open at a time (climbing back up
    through ``..``), symbolic links removed and never followed, read-only folders made
    writable first, any byte in a name. What cannot be removed is skipped, not retried.
    """
    path = os.fsencode(os.fspath(path)).rstrip(b"/")
    parent, name = os.path.split(path)
    try:
        top = os.open(parent or b".", _DIR_FLAGS)
    except OSError:
        return False
    try:
        try:
            if not stat.S_ISDIR(os.stat(name, dir_fd=top, follow_symlinks=False).st_mode):
                os.unlink(name, dir_fd=top)
                return True
        except FileNotFoundError:
            return True
        fd = _open_dir(name, top)
        if fd is None:
            return False
        names, stuck = [name], set()
        while True:
            try:
                os.chmod(fd, stat.S_IRWXU)
            except OSError:
                pass
            descend = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.inode() not in stuck:
                                descend = os.fsencode(entry.name)
                                break
                            continue
                        os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        pass
            if descend is not None:
                child = _open_dir(descend, fd)
                if child is None:
                    try:
                        stuck.add(os.stat(descend, dir_fd=fd, follow_symlinks=False).st_ino)
                    except OSError:
                        pass
                    continue
                os.close(fd)
                fd = child
                names.append(descend)
                continue
            inode = os.fstat(fd).st_ino
            here = names.pop()
            up = os.open(b"..", _DIR_FLAGS, dir_fd=fd) if names else top
            os.close(fd)
            try:
                os.rmdir(here, dir_fd=up)
            except OSError:
                stuck.add(inode)
            if not names:
                break
            fd = up
        return not os.path.lexists(path)
    finally:
        os.close(top)


def _rmtree(path: pathlib.Path) -> None:
    remove_tree(path)


# -- the kernel ----------------------------------------------------------------------------------

def _bad_message(exc: Exception, where: str) -> _Stopped:
    return _Stopped("crashed", f"the kernel sent a message the grader rejects {where} "
                               f"({type(exc).__name__}: {str(exc)[:80]})")


class _Kernel:
    def __init__(self, root: pathlib.Path, work: pathlib.Path, run: pathlib.Path, env: dict, limits: Limits,
                 capture: int, cancel: threading.Event | None, isolated: Isolation | None = None,
                 writable: tuple[pathlib.Path, ...] = ()):
        self.root, self.work, self.sockets, self.env, self.limits = root, work, run, env, limits
        self.capture, self.cancel, self.isolated, self.writable = capture, cancel, isolated, writable
        self.output: list[str] = []
        self.output_chars = 0
        self.km = self.kc = self.proc = self.context = self.monitor = None
        # A pipe only the grader can write to: the kernel exits when it reads end-of-file, which
        # happens when the grader dies however it dies (bwrap's --die-with-parent alone was seen
        # to leave bwrap running after a SIGKILLed grader, reparented to init).
        self.lifeline_read, self.lifeline_write = os.pipe()

    def _argv(self) -> list[str]:
        kernel = [sys.executable, "-m", "course_lib.grading._kernel", "--memory-mb", str(self.limits.memory_mb),
                  "--file-mb", str(self.limits.file_size_mb), "--lifeline", str(self.lifeline_read)]
        if self.isolated is None:
            return [*kernel, "--", "-f", "{connection_file}"]
        binds, pythonpath = _python_binds()
        # A PYTHONPATH the caller passed in extra_env is theirs to choose: it is shown, read-only, and first.
        chosen = [p for p in self.env.get("PYTHONPATH", "").split(os.pathsep) if os.path.isabs(p) and os.path.exists(p)]
        self.env["PYTHONPATH"] = os.pathsep.join([*chosen, pythonpath])
        argv = [*_base_argv(self.isolated.bwrap, self.isolated.drop_uid), *binds]
        argv += _parents(chosen)
        for path in chosen:
            argv += ["--ro-bind", path, path]
        argv += _parents(self.writable)
        for folder in self.writable:
            argv += ["--bind", str(folder), str(folder)]
        # ipykernel exits when its parent pid changes; in the PID namespace its parent is bwrap's
        # init, and --die-with-parent already ends it with the grader.
        argv += ["--unsetenv", "JPY_PARENT_PID", "--"]
        if self.isolated.drop_uid:
            kernel += ["--uid", str(KERNEL_UID), "--gid", str(KERNEL_GID)]
        kernel += ["--chdir", str(self.work)]  # after becoming KERNEL_UID, who owns it
        return [*argv, *kernel, "--", "-f", "{connection_file}"]

    def start(self) -> None:
        import zmq
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

        spec = KernelSpec(argv=self._argv(), display_name="course grading sandbox", language="python", env={},
                          metadata={})

        class _OneSpec(KernelSpecManager):
            def get_kernel_spec(self, kernel_name):
                return spec

        run = self.sockets
        self.km = KernelManager(kernel_name="course-grading", kernel_spec_manager=_OneSpec(), transport="ipc",
                                ip=str(run / "k"), connection_file=str(run / "kernel.json"))
        try:
            if self.isolated is not None and self.isolated.drop_uid:
                self.km.write_connection_file()  # the kernel's uid must read it (it holds the signing key)
                os.chown(self.km.connection_file, KERNEL_UID, KERNEL_GID)
            # The kernel's own stdout/stderr (TensorFlow's C++ logs, os.write(2, ...)) go nowhere:
            # a submission must not be able to flood the grader's terminal.
            self.km.start_kernel(env=self.env, cwd=str(self.work), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(self.lifeline_read,))
        except Exception as exc:  # noqa: BLE001
            raise _Stopped("error", f"the kernel could not start ({type(exc).__name__}: {exc})") from None
        self.proc = self.km.provisioner.process
        os.close(self.lifeline_read)  # the kernel holds it now; only our write end keeps it open
        self.lifeline_read = None
        # Every message the kernel sends is bounded: ZeroMQ drops a larger one (and that connection),
        # and at most MAX_QUEUED_MESSAGES wait per channel, so the grader's memory stays bounded.
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.context.setsockopt(zmq.RCVHWM, MAX_QUEUED_MESSAGES)
        self.kc = self.km.blocking_client()
        self.kc.context = self.context
        self.kc.start_channels(shell=True, iopub=bool(self.capture), stdin=False, hb=False, control=False)
        # ZeroMQ drops an oversized message by closing the connection: watch for that.
        self.monitor = self.kc.shell_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        deadline = time.monotonic() + self.limits.startup_timeout_s
        self.request(self.kc.kernel_info(), deadline, "while starting", startup=True)
        if self.capture:
            self._await_iopub(deadline)

    def _iopub(self, timeout: float):
        try:
            return self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise
        except Exception as exc:  # noqa: BLE001 - a forged or badly signed message
            raise _bad_message(exc, "on its output channel") from None

    def _await_iopub(self, deadline: float) -> None:
        """Wait until the output channel really receives.

        ZeroMQ drops what the kernel publishes before our subscription reaches it (a
        "slow joiner"), which on a loaded machine can swallow the first cell's output.
        Every kernel_info request makes the kernel publish its status, so ping until
        one of those arrives, then discard them.
        """
        while True:
            try:
                self._iopub(0.2)
                break
            except queue.Empty:
                pass
            if time.monotonic() > deadline:
                raise _Stopped("error", "the kernel's output channel did not connect")
            self.request(self.kc.kernel_info(), deadline, "while starting", startup=True)
        while True:
            try:
                self._iopub(0.05)
            except queue.Empty:
                return

    def run(self, source: str, deadline: float, where: str) -> dict:
        msg_id = self.kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
        content = self.request(msg_id, deadline, where)
        if self.capture:
            self._drain_output(until_idle=msg_id)
        return content

    def memory_used(self) -> int:
        family = _family(self.proc.pid, None if self.isolated is not None else self.proc.pid)
        roots = [p for p in family if p != self.proc.pid][:1] if self.isolated is not None else []
        return sum(family.values()) + _shared_bytes(family, roots)

    def request(self, msg_id: str, deadline: float, where: str, *, startup: bool = False) -> dict:
        next_memory_check = 0.0
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=0.05)
            except queue.Empty:
                msg = None
            except Exception as exc:  # noqa: BLE001 - badly signed, not JSON, not a message
                raise _bad_message(exc, where) from None
            # Anything else on the channel is ignored, and the checks below run on every pass, so a
            # kernel flooding the channel cannot stall the clock.
            if isinstance(msg, dict) and (msg.get("parent_header") or {}).get("msg_id") == msg_id:
                content = msg.get("content")
                return content if isinstance(content, dict) else {}
            if self.capture:
                self._drain_output()
            code = self.proc.poll()
            if code is None and self.monitor is not None and self.monitor.poll(0):
                self.monitor.recv_multipart()
                try:
                    code = self.proc.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    raise _Stopped("crashed", f"the kernel sent a message over the {MAX_MESSAGE_BYTES >> 20} MB limit "
                                              f"{where}") from None
            if code is not None and self.isolated is not None and 128 < code < 128 + 65:
                code = 128 - code  # bwrap exits with 128 + N when the kernel died of signal N
            if code is not None:
                raise _Stopped("error" if startup else "crashed", f"the kernel died {where} ({_exit_text(code)})")
            now = time.monotonic()
            if now > deadline:
                if startup:
                    raise _Stopped("error", f"the kernel did not start within {self.limits.startup_timeout_s:g} s")
                raise _Stopped("timeout", f"exceeded the time limit of {self.limits.timeout_s:g} s {where}")
            if now >= next_memory_check:
                next_memory_check = now + 0.25
                used = self.memory_used()
                if used > self.limits.memory_mb << 20:
                    raise _Stopped("memory", f"used {used >> 20} MB, over the memory limit of "
                                             f"{self.limits.memory_mb} MB, {where}")
            if self.cancel is not None and self.cancel.is_set():
                raise _Stopped("cancelled", "grading was interrupted")

    def _drain_output(self, until_idle: str | None = None) -> None:
        give_up = time.monotonic() + (2.0 if until_idle else 0.05)
        while time.monotonic() < give_up:
            try:
                msg = self._iopub(0.05 if until_idle else 0)
            except queue.Empty:
                if until_idle is None:
                    return
                continue
            except _Stopped:
                return  # output is only shown, never judged: drop what cannot be read
            if not isinstance(msg, dict):
                continue
            kind, content = msg.get("msg_type"), msg.get("content")
            content = content if isinstance(content, dict) else {}
            text = ""
            if kind == "stream":
                text = str(content.get("text", ""))
            elif kind == "error":
                text = f"{content.get('ename')}: {content.get('evalue')}\n"
            if text and self.output_chars < self.capture:
                self.output.append(text[: self.capture - self.output_chars])
                self.output_chars += len(text)
            if (until_idle and kind == "status" and content.get("execution_state") == "idle"
                    and (msg.get("parent_header") or {}).get("msg_id") == until_idle):
                return

    def stop(self, marker: str) -> None:
        for fd in (self.lifeline_read, self.lifeline_write):
            if fd is not None:
                os.close(fd)
        self.lifeline_read = self.lifeline_write = None
        sid = self.proc.pid if self.proc is not None else None
        if self.monitor is not None:
            self.monitor.close(linger=0)
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if sid is not None:
            # Under bubblewrap: killing bwrap ends its PID namespace's init, and with it every
            # process of the sandbox; kill the whole family anyway, in case.
            family = list(_family(sid, sid)) if self.isolated is not None else []
            try:
                os.killpg(sid, signal.SIGKILL)
            except OSError:
                pass
            for pid in family:
                try:
                    os.kill(pid, signal.SIGKILL)
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
        if self.context is not None:
            self.context.destroy(linger=0)


_PROBE_RUNNER = """
def _course_grading_probe():
    import json, os
    module = {{'__name__': '_course_grading_probe'}}
    exec(compile({source!r}, '<course_lib grading probe>', 'exec'), module)
    plan = json.loads({plan!r})
    fd = os.open({path!r}, os.O_WRONLY | os.O_APPEND)

    def save(results):
        part = list(results)[-1]
        # The probe's own writer: json.dumps is the notebook's to replace, and would then lie.
        data = (module['to_json']({{'nonce': plan['nonce'], 'part': part, 'results': results[part]}}) + '\\n').encode()
        while data:
            data = data[os.write(fd, data):]

    try:
        module['run_plan'](globals(), plan, on_part=save)
    finally:
        os.close(fd)
_course_grading_probe()
"""


def probe_cell(plan: dict, results_path: pathlib.Path) -> str:
    """The code the sandbox runs after the notebook: the probe, from source, in a fresh namespace.

    It appends one JSON line per part to the results file that the grader created, so a
    part that hangs still leaves the earlier parts' results behind.
    """
    return _PROBE_RUNNER.format(source=_PROBE_SOURCE, plan=json.dumps(plan), path=str(results_path))


def _results_file(folder: pathlib.Path, isolated: Isolation | None) -> tuple[pathlib.Path, int]:
    """Create the results file in ``folder`` (which the kernel cannot write) and keep it open."""
    path = folder / f"results-{secrets.token_hex(8)}.jsonl"
    flags = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_CLOEXEC", 0))
    fd = os.open(path, flags, 0o600)
    if isolated is not None and isolated.drop_uid:
        os.fchown(fd, -1, KERNEL_GID)
        os.fchmod(fd, 0o620)  # the grader reads and writes; the kernel's group only appends
    return path, fd


def _read_results(fd: int, nonce: str) -> tuple[dict | None, str]:
    """The probe's results from the file the grader created (through its own descriptor), and a problem if any."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "the results file is not a regular file"
        if st.st_size > MAX_RESULTS_BYTES:
            return None, f"the checks' results are larger than {MAX_RESULTS_BYTES >> 20} MB"
        chunks, size = [], 0
        while size <= MAX_RESULTS_BYTES:
            chunk = os.pread(fd, min(1 << 20, MAX_RESULTS_BYTES + 1 - size), size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_RESULTS_BYTES:
            return None, f"the checks' results are larger than {MAX_RESULTS_BYTES >> 20} MB"
        data = b"".join(chunks)
    except OSError as exc:
        return None, f"the results file could not be read ({type(exc).__name__})"
    parts = None
    for line in data.split(b"\n"):
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            continue  # a line cut short by a kill, or junk
        if (isinstance(item, dict) and item.get("nonce") == nonce and isinstance(item.get("part"), str)
                and isinstance(item.get("results"), list)):
            parts = parts or {}
            parts[item["part"]] = item["results"]
    return parts, ""


# A Unix socket's path holds at most 107 bytes; the kernel's sockets are <run>/k-<port>.
_MAX_SOCKET_PATH = 107


def _socket_folder(root: pathlib.Path) -> pathlib.Path:
    """``root/run``, or, when that path is too long for the kernel's Unix sockets (deep CI or
    pytest folders), a private folder of its own under ``/tmp``; the caller removes it."""
    run = root / "run"
    if len(os.fsencode(str(run / "k-1234567"))) <= _MAX_SOCKET_PATH or not os.path.isdir("/tmp"):
        run.mkdir(mode=0o700)
        return run
    return pathlib.Path(tempfile.mkdtemp(prefix="course-grade-sockets-", dir="/tmp"))


def _remove_socket_folder(run: pathlib.Path | None, root: pathlib.Path) -> None:
    if run is not None and root not in run.parents:
        remove_tree(run)


def execute(cells: list[str], *, notebook_name: str, notebook_bytes: bytes, limits: Limits,
            plan: dict | None = None, extra_env: dict | None = None, capture_output: int = 0,
            cancel: threading.Event | None = None, require_isolation: bool = False) -> Execution:
    """Run ``cells`` (code cell sources, in order) in a fresh sandbox; see the module docstring.

    An error in a cell is recorded and the next cell still runs. When ``plan`` is given
    (from :func:`course_lib.grading.core.make_plan`) the probe runs it after the last
    cell and ``Execution.results`` holds its raw results. ``capture_output`` keeps up to
    that many characters of printed output (0: none is even received). Under bubblewrap
    when :func:`isolation` says it works; ``require_isolation`` raises
    :class:`IsolationUnavailable` where it does not.
    """
    iso = isolation()
    if require_isolation and not iso.available:
        raise IsolationUnavailable(f"isolation is required, but {iso.reason}")
    isolated = iso if iso.available else None
    started = time.monotonic()
    result = Execution(isolated=isolated is not None)
    marker = secrets.token_hex(12)
    root = pathlib.Path(tempfile.mkdtemp(prefix="course-grade-"))
    work, home, out = root / "work", root / "home", root / "out"
    run = None
    results_fd = None
    try:
        for folder in (work, home, home / "tmp", out):
            folder.mkdir(mode=0o700)
        run = _socket_folder(root)
        (work / pathlib.PurePath(notebook_name).name).write_bytes(notebook_bytes)
        if isolated is not None and isolated.drop_uid:
            os.chmod(root, 0o711)
            os.chmod(out, 0o711)  # the kernel may reach the results file, not list or change the folder
            for path in (work, home, home / "tmp", run, *work.iterdir()):
                os.chown(path, KERNEL_UID, KERNEL_GID)
        results_path, results_fd = _results_file(out, isolated)
        env = sandbox_env(home, marker, extra_env)
        if isolated is not None:
            env["TMPDIR"] = "/tmp"  # the private, size-limited one
        kernel = _Kernel(root, work, run, env, limits, capture_output, cancel, isolated, (work, home, run, out))
    except OSError:
        if results_fd is not None:
            os.close(results_fd)
        _remove_socket_folder(run, root)
        remove_tree(root)
        raise
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
            result.results, problem = _read_results(results_fd, plan["nonce"])
            if problem:
                result.detail = "; ".join(filter(None, [result.detail, problem]))
            unfinished = [part for part in plan["parts"] if part not in (result.results or {})]
            if result.status == "timeout" and result.results is not None and unfinished:
                result.detail += f", in part {unfinished[0]!r} (earlier parts were checked)"
        os.close(results_fd)
        result.output = "".join(kernel.output)
        _remove_socket_folder(run, root)
        if not remove_tree(root):
            result.leftover = str(root)
        result.seconds = time.monotonic() - started
    return result
