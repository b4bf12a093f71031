"""course_lib: the shared library behind the deep-learning course companion.

Every notebook starts with::

    import course_lib as cl
    cl.setup()          # one line: version, mode, device(s), seed, data path

Importing ``course_lib`` does not import TensorFlow; submodules that need it
(``device``, ``callbacks``, ...) load on first use, so the ``course`` command
stays fast.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile

from ._version import __version__
from .config import budget, by_mode, mode, set_seed
from .results import report

# Keep TensorFlow's C++ start-up chatter out of notebooks; real warnings still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_SUBMODULES = {"activations", "callbacks", "colab", "config", "data", "device", "grading", "manifest", "net", "plots",
               "results", "runner", "scratch", "synthetic"}

__all__ = ["__version__", "budget", "by_mode", "mode", "report", "set_seed", "setup", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def setup(seed: int | None = None, *, deterministic: bool = False, mixed_precision: bool = False,
          jit_compile: bool = False, quiet: bool = False) -> dict:
    """Prepare a notebook: configure devices, seed everything and print one status line.

    Args:
        seed: the seed; defaults to ``COURSE_SEED`` or 42.
        deterministic: also enable TensorFlow op determinism (see :func:`set_seed`).
        mixed_precision, jit_compile: passed to :func:`course_lib.device.setup`.
        quiet: skip the printed line.

    Returns:
        A dict with the version, mode, devices, seed and data path that were printed.
    """
    with _quiet_tensorflow_start_up():
        from . import device, net

        device.setup(memory_growth=True, mixed_precision=mixed_precision, jit_compile=jit_compile)
        used_seed = set_seed(seed, deterministic=deterministic)
    status = {
        "course_lib": __version__,
        "mode": mode(),
        "devices": device.short_description(),
        "seed": used_seed,
        "data": net.data_path_label(timeout=2.0),
    }
    if not quiet:
        extras = "".join([", deterministic" if deterministic else "", ", mixed precision" if mixed_precision else "",
                          ", XLA" if jit_compile else ""])
        print(f"course_lib {status['course_lib']} | mode={status['mode']} | devices={status['devices']} | "
              f"seed={used_seed}{extras} | data={status['data']}")
    return status


# TensorFlow's C++ start-up lines: the absl banner, INFO/WARNING log lines (oneDNN, "could not
# find cuda drivers", CPU instructions) and the CUDA errors of a CUDA build on a machine
# without a GPU. TF_CPP_MIN_LOG_LEVEL does not reach the ones written before absl starts.
_LOG_LINE = r"\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+\] "  # absl: level, MMDD hh:mm:ss.us thread file:line]
_START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rf"|[IW]{_LOG_LINE}.*"
    rf"|E{_LOG_LINE}.*(cuInit|Unable to register cu\w+ factory|cuda_\w+\.cc).*"
    r"|\s*)$")


@contextlib.contextmanager
def _quiet_tensorflow_start_up():
    """Send what is written to file descriptor 2 meanwhile through a filter that drops TensorFlow's
    start-up lines (see ``_START_UP_NOISE``) and passes every other line on to ``sys.stderr``."""
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2: nothing to keep quiet
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        sys.stderr.flush()
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if not _START_UP_NOISE.match(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
