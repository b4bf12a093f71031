"""course_lib: the shared library behind the deep-learning course companion.

Every notebook starts with::

    import course_lib as cl
    cl.setup()          # one line: version, mode, device(s), seed, data path

Importing ``course_lib`` does not import TensorFlow; submodules that need it
(``device``, ``callbacks``, ...) load on first use, so the ``course`` command
stays fast.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

from ._tf_logs import quiet_tensorflow_start_up
from ._version import __version__
from .config import budget, by_mode, mode, set_seed
from .results import report

# Keep TensorFlow's C++ start-up chatter out of notebooks; real warnings still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

def _submodule_names() -> frozenset[str]:
    """The public modules and packages of course_lib, found on disk: nothing to keep in step by hand."""
    return frozenset(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


_SUBMODULES = _submodule_names()

__all__ = ["__version__", "budget", "by_mode", "mode", "report", "set_seed", "setup", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)


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
    with quiet_tensorflow_start_up():
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
