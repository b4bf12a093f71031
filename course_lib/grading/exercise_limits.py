"""Per-exercise grading limits from the manifest, and the GPU an exercise may need.

An exercise's ``[[units.exercises]]`` table in ``course_lib/manifest.toml`` may set
``timeout_s``, ``memory_mb`` and ``needs_gpu``. :func:`limits_for` turns them into the
:class:`~course_lib.grading.sandbox.Limits` a submission runs under (values given
explicitly, the ``--timeout``/``--memory-mb`` flags, override them). An exercise that needs
a GPU is graded anyway where TensorFlow sees none, on the CPU: ``course grade`` prints
:func:`gpu_warning` once at the start (on stderr) and ``course check`` shows it first
among the notes, since such submissions may end as ``timeout``.

>>> from course_lib.grading import exercise_limits
>>> exercise_limits.limits_for("u1.activations", timeout_s=30).timeout_s
30
"""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys

from . import sandbox


def limits_for(exercise: str, *, timeout_s: float | None = None, memory_mb: int | None = None) -> sandbox.Limits:
    """The limits a submission of ``exercise`` runs under.

    The manifest's ``timeout_s``/``memory_mb`` for that exercise where it sets them, else the
    sandbox's defaults; ``timeout_s`` and ``memory_mb`` given here (``course grade --timeout
    --memory-mb``) override both."""
    entry = _manifest_exercise(exercise)
    chosen = {}
    for name, given in (("timeout_s", timeout_s), ("memory_mb", memory_mb)):
        from_manifest = getattr(entry, name) if entry is not None else None
        if given is not None or from_manifest is not None:
            chosen[name] = given if given is not None else from_manifest
    return dataclasses.replace(sandbox.Limits(), **chosen)


def gpu_warning(exercise: str, limits: sandbox.Limits) -> str:
    """A warning when the manifest says ``exercise`` needs a GPU and TensorFlow sees none here; else ``""``.

    Such a submission is still graded (on the CPU), so the warning names the time limit it may run into."""
    entry = _manifest_exercise(exercise)
    if entry is None or not entry.needs_gpu or gpu_present():
        return ""
    return (f"{exercise} needs a GPU (needs_gpu in the manifest), and TensorFlow sees no GPU on this machine: "
            f"it is graded on the CPU anyway, where its cells may run into the {limits.timeout_s:g} s time limit "
            "(status timeout); grade it on a machine with a GPU, or raise --timeout")


@functools.lru_cache(maxsize=1)
def gpu_present() -> bool:
    """Whether TensorFlow, in a fresh interpreter like the kernels', lists a GPU (asked once per process)."""
    probe = ("import os; os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3'); import tensorflow as tf; "
             "print('GPUS', len(tf.config.list_physical_devices('GPU')))")
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        return False
    counts = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("GPUS ")]
    return bool(counts) and counts[-1] != "0"


def _manifest_exercise(exercise: str):
    from .. import manifest

    try:
        return manifest.load().exercise(exercise)
    except KeyError:  # an exercise with checks but no manifest entry (tests, drafts): the defaults
        return None
