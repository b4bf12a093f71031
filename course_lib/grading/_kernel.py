"""Entry point of a grading kernel: apply resource limits to this process, then start ipykernel.

Started by :mod:`course_lib.grading.sandbox` as
``python -m course_lib.grading._kernel --memory-mb M --file-mb F [--lifeline FD] [--uid U --gid G] [--chdir DIR] -- -f CONNECTION_FILE``.
With ``--uid``/``--gid`` (under bubblewrap, when the grader is root) it first becomes that
user, with no supplementary groups; that also clears the only capabilities bubblewrap left
it (CAP_SETUID, CAP_SETGID). The exercise's ``check()`` then only says that the grader
checks the functions after the last cell: the checks themselves are not visible in the
sandbox.
The limits are set with soft = hard, so the submission cannot raise them again, and
they are inherited by every process the submission starts.

Memory is limited with RLIMIT_DATA (private writable memory: the heap, numpy arrays)
rather than RLIMIT_AS, because TensorFlow reserves gigabytes of address space it never
uses and does not even import under a few-GB RLIMIT_AS. The sandbox also watches the
resident memory of the kernel's whole session and kills it past the limit.
"""

import os
import resource
import signal
import sys
import threading
from pathlib import Path


def _limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def _watch_lifeline(fd: int) -> None:
    """End this kernel when the grader's end of the pipe closes (the grader stopped or died).

    Under bubblewrap the kernel is the sandbox init's first child, so its end ends the PID
    namespace and every process the submission started. The kill is bound before any
    submission code runs; a submission that closes the descriptor only ends itself sooner.
    """
    read, kill, me, sig = os.read, os.kill, os.getpid(), signal.SIGKILL

    def watch():
        try:
            while read(fd, 1):
                pass
        except OSError:
            pass
        kill(me, sig)

    threading.Thread(target=watch, name="course-grading-lifeline", daemon=True).start()


def _skipped_while_grading(exercise, part=None, **_):
    """Stands in for ``course_lib.grading.check`` in a grading sandbox."""
    print(f"(check({exercise!r}) is skipped while grading: the grader checks your functions after the last cell)")


def main(argv: list[str]) -> None:
    if "--" not in argv:
        raise SystemExit("usage: python -m course_lib.grading._kernel --memory-mb M --file-mb F "
                         "[--uid U --gid G] -- KERNEL_ARGS")
    split = argv.index("--")
    options = dict(zip(argv[:split:2], argv[1:split:2]))
    if "--uid" in options:
        os.setgroups([])
        os.setgid(int(options["--gid"]))
        os.setuid(int(options["--uid"]))
        if os.getuid() != int(options["--uid"]) or os.geteuid() != int(options["--uid"]):
            raise SystemExit("could not drop privileges")
    memory = int(options["--memory-mb"]) << 20
    if hasattr(resource, "RLIMIT_DATA"):
        _limit(resource.RLIMIT_DATA, memory)
    _limit(resource.RLIMIT_FSIZE, int(options["--file-mb"]) << 20)
    _limit(resource.RLIMIT_CORE, 0)  # a crashing submission leaves no core file behind
    # Like ipykernel_launcher: keep the working directory off sys.path while ipykernel loads;
    # IPython puts it back for the notebook's own imports.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    if "--lifeline" in options:
        _watch_lifeline(int(options["--lifeline"]))
    if "--chdir" in options:
        os.chdir(options["--chdir"])
    sys.argv = [sys.argv[0], *argv[split + 1:]]
    import course_lib.grading as grading

    if not (Path(grading.__file__).parent / "checks" / "__init__.py").exists():  # hidden by the sandbox
        grading.check = _skipped_while_grading
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
