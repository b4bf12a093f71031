"""The one home of argument checks and of file helpers: edge cases and messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib import _files
from course_lib._validation import (ArgumentTypeError, ArgumentValueError, ShapeError, check_array, check_choice,
                                    check_int, check_number, check_selection, check_seed)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 2.0, "3", None])
def test_check_int_rejects_bools_floats_and_strings(value):
    with pytest.raises(ArgumentTypeError, match=r"epochs must be a positive int, got .* \("):
        check_int("epochs", value)


def test_check_int_bounds_and_numpy_ints():
    assert check_int("n", np.int64(5)) == 5 and type(check_int("n", np.int64(5))) is int
    assert check_int("n", 0, 0) == 0
    for value, minimum, maximum, message in [(0, 1, None, "a positive int, got 0"),
                                             (-1, 0, None, "a non-negative int, got -1"),
                                             (10, 2, 9, r"an int in \[2, 9\], got 10"),
                                             (1, 2, None, "an int >= 2, got 1")]:
        with pytest.raises(ArgumentValueError, match=message):
            check_int("n", value, minimum, maximum)
    assert check_int("n", 9, 2, 9) == 9 and check_int("n", 2, 2, 9) == 2  # bounds are inclusive


def test_check_number_open_and_closed_bounds():
    assert check_number("lr", 1e-9, 0, low_open=True) == 1e-9
    with pytest.raises(ArgumentValueError, match=r"lr must be a positive number, got 0"):
        check_number("lr", 0, 0, low_open=True)
    assert check_number("p", 0.0, 0, 1) == 0.0 and check_number("p", 1, 0, 1) == 1.0
    with pytest.raises(ArgumentValueError, match=r"p must be a number in \(0, 1\), got 1"):
        check_number("p", 1, 0, 1, low_open=True, high_open=True)
    with pytest.raises(ArgumentValueError, match=r"noise must be a non-negative number, got -0.1"):
        check_number("noise", -0.1, 0)
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ArgumentValueError, match="x must be a finite number"):
            check_number("x", bad)
    with pytest.raises(ArgumentTypeError, match=r"x must be a finite number, got True \(bool\)"):
        check_number("x", True)


def test_type_errors_are_also_value_errors_like_scikit_learn():
    # scikit-learn's InvalidParameterError is both, so `except ValueError` catches any bad argument.
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, ValueError)
    assert issubclass(ShapeError, ArgumentValueError) and issubclass(ArgumentValueError, ValueError)
    assert not issubclass(ArgumentValueError, TypeError)


def test_choices_selections_and_seeds():
    assert check_choice("mode", "smoke", ("smoke", "full")) == "smoke"
    with pytest.raises(ArgumentValueError, match=r"mode must be one of \('smoke', 'full'\), got 'fast'"):
        check_choice("mode", "fast", ("smoke", "full"))
    with pytest.raises(ArgumentValueError, match="got \\[1\\]"):
        check_choice("mode", [1], ("smoke",))  # unhashable values are simply not choices
    assert check_selection("shapes", "circle", ("circle", "square")) == ("circle",)
    assert check_selection("shapes", ["square", "circle"], ("circle", "square")) == ("square", "circle")
    for bad in ([], ["circle", "hexagon"], 3):
        with pytest.raises(ArgumentValueError, match="shapes must be a non-empty selection"):
            check_selection("shapes", bad, ("circle", "square"))
    assert check_seed("seed", None, default=7) == 7 and check_seed("seed", np.int32(3)) == 3
    with pytest.raises(ArgumentValueError, match="seed must be a non-negative int or None, got -1"):
        check_seed("seed", -1, default=7)
    with pytest.raises(ArgumentTypeError, match="seed must be a non-negative int, got None"):
        check_seed("seed", None)


def test_check_array_rank_shape_and_finiteness():
    assert check_array("X", [[1, 2]], ndim=2).dtype == np.float64
    with pytest.raises(ShapeError, match=r"X must be a 2-D array of shape \(n, d\), got shape \(3,\)"):
        check_array("X", [1, 2, 3], ndim=2, what="(n, d)")
    with pytest.raises(ShapeError, match=r"must be a 1-D or 2-D array"):
        check_array("X", np.zeros((1, 1, 1)), ndim=(1, 2))
    with pytest.raises(ShapeError, match=r"w must have shape \(any, 3\), got shape \(2, 2\)"):
        check_array("w", np.zeros((2, 2)), shape=(None, 3))
    assert check_array("w", np.zeros((5, 3)), shape=(None, 3)).shape == (5, 3)
    with pytest.raises(ShapeError, match="X contains NaN or infinite values"):
        check_array("X", [1.0, np.nan])
    assert np.isnan(check_array("X", [np.nan], finite=False)[0])
    with pytest.raises(ArgumentTypeError, match="X must be an array of numbers, got str"):
        check_array("X", "abc")


def test_file_helpers(tmp_path):
    path = tmp_path / "sub" / "f.bin"
    _files.atomic_write(path, b"abc")
    assert path.read_bytes() == b"abc" and oct(path.stat().st_mode & 0o777) == "0o644"
    assert _files.sha256_file(path) == _files.sha256_bytes(b"abc") == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert _files.md5_file(path) == "900150983cd24fb0d6963f7d28e17f72"
    assert list(path.parent.iterdir()) == [path], "no temporary file is left behind"
    with pytest.raises(OSError):
        _files.sha256_file(tmp_path / "missing")
    nb = {"cells": [{"cell_type": "markdown", "source": "# T"}, {"cell_type": "code", "source": ["a = 1\n", "b = 2"]},
                    {"cell_type": "code", "source": "c = 3"}]}
    assert _files.code_sources(nb) == ["a = 1\nb = 2", "c = 3"]
    assert [c["cell_type"] for c in _files.notebook_cells(nb)] == ["markdown", "code", "code"]
