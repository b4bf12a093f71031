"""TensorFlow's native log lines, in one place: kept off the notebooks' stderr, stripped from saved outputs.

TensorFlow's C++ runtime writes straight to file descriptor 2, and ``TF_CPP_MIN_LOG_LEVEL``
does not reach the lines written before absl starts.

>>> bool(NATIVE_LOG_LINE.match("I0000 00:00:1795329112.421004    2376 cudart_stub.cc:31] Could not find cuda"))
True
>>> bool(START_UP_NOISE.match("E0000 00:00:1796.48 21474 some_op.cc:52] a real runtime error"))
False
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

# Any absl-formatted line (I/W/E, MMDD hh:mm:ss) or the banner: these vary between machines,
# so executed notebooks never keep them (see course_lib.runner.strip_native_logs).
NATIVE_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} \d\d:\d\d:\d\d)")

# TensorFlow's C++ start-up lines: the absl banner, INFO/WARNING log lines (oneDNN, "could not
# find cuda drivers", CPU instructions) and the CUDA errors of a CUDA build on a machine
# without a GPU. TF_CPP_MIN_LOG_LEVEL does not reach the ones written before absl starts.
_LOG_LINE = r"\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+\] "  # absl: level, MMDD hh:mm:ss.us thread file:line]
START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rf"|[IW]{_LOG_LINE}.*"
    rf"|E{_LOG_LINE}.*(cuInit|Unable to register cu\w+ factory|cuda_\w+\.cc).*"
    r"|\s*)$")


@contextlib.contextmanager
def quiet_tensorflow_start_up():
    """Send what is written to file descriptor 2 meanwhile through a filter that drops TensorFlow's
    start-up lines (see ``START_UP_NOISE``) and passes every other line on to ``sys.stderr``."""
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
            kept = [line for line in text.splitlines() if not START_UP_NOISE.match(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
