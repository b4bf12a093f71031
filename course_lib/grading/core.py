"""The protocol shared by ``check()`` and the grader: parts, call plans, observations, verdicts.

Every exercise part is three small pieces:

* ``plan(rng)`` draws fresh inputs and returns the :class:`Call`\\ s to make on the
  student's functions (for example ``sigmoid`` on a random matrix, and on ±1000);
* the probe (:mod:`course_lib.grading.probe`) makes those calls in the student's
  process and records what came back, as JSON;
* ``judge(observed)`` raises :class:`Fail` with a helpful reason unless the
  observations show the expected behaviour. It compares against a private reference,
  finite differences and invariances, and never prints a whole expected array.

``check()`` in a notebook runs all three in the student's own process. The grader
runs only the probe inside a submission's kernel: plans are drawn and observations
judged in the grader's process. The probe decides nothing: it sends back raw data (each
call's result, a copy of every array argument read back after the call, which NumPy
floating-point errors still raised around it), and :class:`Observed` makes every
comparison here, on plain values decoded from JSON, including "was an argument changed in
place" and "was ``np.errstate`` in force". So redefining ``check``, patching NumPy, the
builtins or ``json`` (``np.array_equal``, ``isinstance``, ``json.dumps``, ``np.errstate``...)
or printing lines that look like results changes no verdict; at most it changes the
observations, and a missing or unreadable one fails its call. Outputs earn points only
when they are the right outputs for inputs the submission never saw before. What cannot
be verified from outside is how they were made: a submission that replaces the probe
itself (its ``exec``, ``open`` or ``np.array``) can claim that it changed no argument in
place and that nothing overflowed; it still needs the right outputs.

Each checks module also declares ``MISTAKES``: typical wrong answers, as source code,
with the part each must fail and a fragment of the hint it must print (see
:class:`Mistake`). ``tests/test_mistakes_contract.py`` runs every one of them through
this same plan → probe → judge path, so a hint that can never fire, or a check too
lenient to notice a near miss, fails CI.

>>> import numpy as np
>>> part = Part("double", 1, ("double",), lambda rng: [Call("x", "double", (np.ones(2),))],
...             lambda obs: None)
>>> [c.fn for c in part.plan(np.random.default_rng(0))]
['double']
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import zlib
from collections.abc import Callable, Mapping, Sequence

import numpy as np

NOT_IMPLEMENTED = "not implemented yet"

#: The smallest relative tolerance any judge comparison uses. It is 0, so each judge's own
#: ``rtol`` applies; the mistakes contract raises it (to 1e-2) to prove that a lenient
#: comparison would be noticed. Judges compare through :func:`isclose`, :func:`allclose`,
#: :func:`expect_close` and :func:`close_to` so that this one knob reaches all of them.
MIN_RTOL = 0.0


class Fail(Exception):
    """Raised by a judge: the part fails, and ``str(exc)`` is the reason shown to the student."""


@dataclasses.dataclass(frozen=True)
class Call:
    """One call to make on a student's function.

    Attributes:
        label: how the judge refers to this call's result.
        fn: the name of the student's function.
        args, kwargs: the inputs (numpy arrays, numbers, :class:`Function`\\ s).
        text: how the call is written in messages, e.g. ``"sigmoid(0)"``; defaults to ``fn(...)``.
        private: data for the judge alone, such as the labels of held-out points; it never
            goes into the plan, so the student's process never sees it.
        arg_names: the names of the positional arguments, for messages (``"W2"`` rather than
            "argument 5" when the student's function changed one in place).
        inplace_fix: how to avoid changing an argument in place, with ``{name}`` for the
            argument's name; shown when the function did change one.
        errstate: NumPy floating-point error handling while the function runs, for example
            ``{"over": "raise"}`` to turn an overflow warning into a failed call.
    """

    label: str
    fn: str
    args: tuple = ()
    kwargs: Mapping = dataclasses.field(default_factory=dict)
    text: str = ""
    private: Mapping = dataclasses.field(default_factory=dict)
    arg_names: tuple[str, ...] = ()
    inplace_fix: str = "compute a new array instead (for example `{name} = {name} - m`, not `{name} -= m`)"
    errstate: Mapping = dataclasses.field(default_factory=dict)

    @property
    def shown(self) -> str:
        return self.text or f"{self.fn}(...)"

    def arg_name(self, index: int) -> str:
        if 0 <= index < len(self.arg_names):
            return self.arg_names[index]
        return f"argument {index + 1}"


@dataclasses.dataclass(frozen=True, eq=False)
class Function:
    """A function to hand to a student's code, such as the ``f`` of ``numerical_gradient(f, x)``.

    Code cannot travel in a plan, so a plan names one of the probe's families of functions
    (``kind``, see :data:`course_lib.grading.probe.FUNCTION_KINDS`) and its numeric
    ``params``; the probe rebuilds the function from them. :meth:`build` gives the judge
    the very same function.

    Attributes:
        kind: ``"scalar"`` (an array in, a float out) or ``"vector"`` (an array in, an
            array of the same shape out).
        params: the family's parameters, numpy arrays or numbers.
        text: how the function is written in messages.
    """

    kind: str
    params: Mapping = dataclasses.field(default_factory=dict)
    text: str = "f"

    def build(self):
        from . import probe

        return probe.make_function(self.kind, self.params)


@dataclasses.dataclass(frozen=True)
class Part:
    """One graded part of an exercise (see the module docstring)."""

    name: str
    points: int
    functions: tuple[str, ...]
    plan: Callable[[np.random.Generator], list[Call]]
    judge: Callable[["Observed"], None]
    description: str = ""


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical wrong answer to one part, which the checks must catch with a helpful hint.

    Attributes:
        name: a short identifier, e.g. ``"naive_sigmoid"``.
        part: the part it must fail (score 0 there).
        source: Python source defining the student's function(s), exactly as a student would
            write them in the answer cell; it runs over the solution notebook's names, so it
            may call the student's other functions (``sigmoid`` from ``sigmoid_grad``).
        hint: a fragment of the reason the check must print for it.
        note: what the mistake is, in words, for the exercise text's "Typical mistakes".

    The contract (``tests/test_mistakes_contract.py``) runs every exercise's mistakes through
    :func:`course_lib.grading.run_checks` on several seeds; every exercise needs at least three.
    """

    name: str
    part: str
    source: str
    hint: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class PartResult:
    name: str
    points: int
    max_points: int
    reason: str = ""

    @property
    def passed(self) -> bool:
        return self.points == self.max_points


@dataclasses.dataclass(frozen=True)
class Report:
    """Every part's verdict. ``seed``, when known, re-draws the same inputs with ``check(..., seed=)``."""

    exercise: str
    parts: tuple[PartResult, ...]
    seed: int | None = None

    @property
    def total(self) -> int:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> int:
        return sum(p.max_points for p in self.parts)

    def lines(self) -> list[str]:
        width = max((len(p.name) for p in self.parts), default=0)
        out = []
        for p in self.parts:
            mark = "✅" if p.passed else "❌"
            reason = f"  {p.reason}" if p.reason else ""
            out.append(f"{mark} {p.name:<{width}}  {p.points}/{p.max_points}{reason}")
            if not p.passed and self.seed is not None and not p.reason.endswith(NOT_IMPLEMENTED):
                out.append(f"   reproduce with check({self.exercise!r}, {p.name!r}, seed={self.seed})")
        out.append(f"Score: {self.total}/{self.max_points}")
        return out


# -- plans: what the probe receives ------------------------------------------------------------

def _encode(value):
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return {"value": value}
    if isinstance(value, (np.floating, np.integer)):
        return {"value": value.item()}
    if isinstance(value, Function):
        return {"function": value.kind, "params": {k: _encode(v) for k, v in value.params.items()}}
    raise TypeError(f"a Call argument must be a numpy array, a number or a Function, got {type(value).__name__}")


def part_rng(seed: int, part: str) -> np.random.Generator:
    """The generator a part draws its inputs from: the same for a seed whichever parts are checked."""
    return np.random.default_rng([int(seed), zlib.crc32(part.encode("utf-8"))])


def make_plan(parts: Sequence[Part], rng: np.random.Generator | int, nonce: str | None = None) -> tuple[dict, dict]:
    """Draw every part's calls; return ``(calls per part, JSON-able plan for the probe)``.

    ``rng`` is a seed (an int: each part then draws from :func:`part_rng`, so
    ``check(exercise, part, seed=N)`` shows the very inputs that ``check(exercise, seed=N)``
    used for that part) or a generator, from which such a seed is drawn.
    """
    if isinstance(rng, np.random.Generator):
        rng = int(rng.integers(2**63))
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise TypeError(f"rng must be an int seed or a numpy Generator, got {type(rng).__name__}")
    calls = {part.name: part.plan(part_rng(rng, part.name)) for part in parts}
    for name, plan in calls.items():
        labels = [c.label for c in plan]
        if len(set(labels)) != len(labels):
            raise ValueError(f"part {name!r}: call labels must be unique, got {labels}")
    wire = {"nonce": nonce or secrets.token_hex(16),
            "parts": {name: [{"fn": c.fn, "args": [_encode(a) for a in c.args],
                              "kwargs": {k: _encode(v) for k, v in c.kwargs.items()},
                              **({"errstate": dict(c.errstate)} if c.errstate else {})} for c in plan]
                      for name, plan in calls.items()}}
    return calls, wire


# -- observations: what the probe sent back (untrusted) ----------------------------------------

class Observed:
    """The results of one part's calls, as the judge sees them.

    The results may come from a hostile process, so every accessor validates them and
    turns anything unexpected into a :class:`Fail` with a readable reason.
    """

    def __init__(self, calls: Sequence[Call], results):
        self._calls = {c.label: c for c in calls}
        results = results if isinstance(results, list) else []
        self._results = {c.label: (results[i] if i < len(results) else None) for i, c in enumerate(calls)}
        # The planned array arguments, copied before any judge runs: what each must still be after the call.
        self._planned = {c.label: ([(str(i), a.copy()) for i, a in enumerate(c.args) if isinstance(a, np.ndarray)]
                                   + [(k, a.copy()) for k, a in c.kwargs.items() if isinstance(a, np.ndarray)])
                         for c in calls}

    def call(self, label: str) -> Call:
        return self._calls[label]

    def args(self, label: str) -> tuple:
        return self._calls[label].args

    def _result(self, label: str) -> dict:
        call = self._calls[label]
        result = self._results[label]
        if not isinstance(result, dict):
            raise Fail(f"no result for {call.shown} (the checks stopped before reaching it)")
        if result.get("ok") is not True:
            if result.get("missing"):
                raise Fail(f"{call.fn} is not defined; run the cell that defines it")
            error = str(result.get("error", "an error"))[:80]
            if error == "NotImplementedError":
                inner = str(result.get("in", ""))[:60]
                if inner.isidentifier() and inner != call.fn:
                    raise Fail(f"{call.fn} calls {inner}, which is {NOT_IMPLEMENTED}")
                raise Fail(f"{call.fn} is {NOT_IMPLEMENTED}")
            message = str(result.get("message", ""))[:160]
            raise Fail(f"{call.shown} raised {error}" + (f": {message}" if message else ""))
        self._verify_error_handling(call, result)
        self._verify_inputs(call, result)
        return result

    def _verify_error_handling(self, call: Call, result: dict) -> None:
        """Fail unless NumPy's error handling was in force just before and just after the call.

        The probe provokes each error the call's ``errstate`` makes raise, once before and once
        after the call, and reports which raised; a notebook that replaced ``np.errstate`` (or
        switched error handling off for good) shows up here instead of passing.
        """
        wanted = sorted(c for c in ("over", "under", "divide", "invalid")
                        if call.errstate.get(c, call.errstate.get("all")) == "raise")
        if not wanted:
            return
        held = result.get("held")
        if not (isinstance(held, list) and len(held) == 2
                and all(isinstance(h, list) and sorted(x for x in h if isinstance(x, str)) == wanted for h in held)):
            settings = ", ".join(f'{c}="raise"' for c in wanted)
            raise Fail(f"{call.shown} ran without NumPy's floating-point error handling (np.errstate({settings}) "
                       "was not in force); do not replace or switch off np.errstate or np.seterr in the notebook")

    def _verify_inputs(self, call: Call, result: dict) -> None:
        """Fail when an array argument, read back after the call, is not the array that was planned.

        The comparison runs here, in the grader, on plain decoded values: a function that changed
        its argument in place fails, and so does a probe that sent no readable copy back.
        """
        after = result.get("after")
        after = after if isinstance(after, dict) else {}
        for key, planned in self._planned[call.label]:
            positional = key.isdigit()
            group = after.get("args" if positional else "kwargs")
            sent = group.get(key) if isinstance(group, dict) else None
            index = int(key) if positional else -1
            name = call.arg_name(index) if positional else key
            if not isinstance(sent, dict):
                raise Fail(f"the checks could not read back the argument {name} of {call.shown} after the call "
                           "(did the notebook replace part of NumPy?)")
            if not _same_array(sent, planned):
                raise Fail(f"{call.shown} changed its argument {name} in place; {call.inplace_fix.format(name=name)}")

    def raised(self, label: str) -> str | None:
        """The name of the exception the call raised (``"FloatingPointError"``), or None."""
        result = self._results[label]
        if isinstance(result, dict) and result.get("ok") is False and not result.get("missing"):
            return str(result.get("error", ""))[:80]
        return None

    def _as_array(self, result: dict, call: Call, what: str) -> np.ndarray:
        kind = result.get("type")
        if kind == "none":
            raise Fail(f"{call.shown} returned None{what}; did you forget `return`?")
        if kind == "tuple":
            raise Fail(f"{call.shown} returned a tuple{what}; expected a single array")
        if kind == "too-large":
            raise Fail(f"{call.shown} returned a huge array{what} of shape {result.get('shape')}")
        if kind != "array":
            shown = str(result.get("repr", "something else"))[:40]
            hint = ": the function is not finished" if shown == "Ellipsis" else ""
            raise Fail(f"{call.shown} returned {shown}{what}, not a number or array{hint}")
        try:
            array = np.asarray(result["value"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise Fail(f"could not read the result of {call.shown}") from None
        shape = result.get("shape")
        if not isinstance(shape, list) or tuple(array.shape) != tuple(shape):
            raise Fail(f"could not read the result of {call.shown}")
        return array

    def array(self, label: str, shape: tuple | None = None) -> np.ndarray:
        """The call's result as a float array, checked against ``shape`` when given."""
        call = self._calls[label]
        array = self._as_array(self._result(label), call, "")
        if shape is not None and array.shape != tuple(shape):
            raise Fail(f"{call.shown} should return shape {tuple(shape)}, got shape {array.shape}")
        return array

    def arrays(self, label: str, count: int) -> tuple[np.ndarray, ...]:
        """A call that returns a tuple of ``count`` arrays, such as ``(loss, grad)``."""
        call = self._calls[label]
        result = self._result(label)
        items = result.get("items")
        if result.get("type") != "tuple" or not isinstance(items, list) or len(items) != count:
            got = f"{len(items)} values" if isinstance(items, list) else "a single value"
            raise Fail(f"{call.shown} should return a tuple of {count} values, got {got}")
        arrays = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise Fail(f"could not read the result of {call.shown}")
            arrays.append(self._as_array(item, call, f" as item {i}"))
        return tuple(arrays)


def _same_array(sent: dict, planned: np.ndarray) -> bool:
    """Is ``sent`` (an array the probe read back: class, dtype, shape, nested lists) exactly ``planned``?

    NaN equals NaN here, and every comparison is NumPy's in this process, on values decoded from JSON.
    """
    if sent.get("class") != "numpy.ndarray" or sent.get("dtype") != planned.dtype.str:
        return False
    shape = sent.get("shape")
    if not isinstance(shape, list) or [int(n) for n in planned.shape] != shape:
        return False
    try:
        got = np.array(sent.get("array"), dtype=planned.dtype)
    except (TypeError, ValueError, OverflowError):
        return False
    if got.shape != planned.shape:
        return False
    same = got == planned
    if planned.dtype.kind in "fc":
        same |= np.isnan(got) & np.isnan(planned)
    return bool(np.all(same))


def roundtrip(results):
    """What the grader receives: the probe's results after a trip through JSON."""
    return json.loads(json.dumps(results))


def judge(parts: Sequence[Part], calls: Mapping[str, list[Call]], results, exercise: str,
          seed: int | None = None) -> Report:
    """Judge every part's observations; a broken or missing observation fails only its part."""
    results = results if isinstance(results, dict) else {}
    verdicts = []
    for part in parts:
        try:
            part.judge(Observed(calls[part.name], results.get(part.name)))
        except Fail as exc:
            verdicts.append(PartResult(part.name, 0, part.points, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a hostile observation must not crash the grader
            verdicts.append(PartResult(part.name, 0, part.points, f"could not check this part ({type(exc).__name__})"))
        else:
            verdicts.append(PartResult(part.name, part.points, part.points))
    return Report(exercise, tuple(verdicts), seed)


# -- helpers for judges ------------------------------------------------------------------------

def _rtol(rtol: float) -> float:
    return max(float(rtol), MIN_RTOL)


def isclose(a, b, rtol: float = 1e-6, atol: float = 1e-9):
    """``np.isclose`` with the judges' relative tolerance (at least :data:`MIN_RTOL`)."""
    return np.isclose(a, b, rtol=_rtol(rtol), atol=atol)


def allclose(a, b, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """``np.allclose`` with the judges' relative tolerance (at least :data:`MIN_RTOL`)."""
    return bool(np.allclose(a, b, rtol=_rtol(rtol), atol=atol))


def fmt(value, digits: int = 4) -> str:
    """A short, readable number with ``digits`` significant digits."""
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"


def fmt_pair(expected, got) -> tuple[str, str]:
    """Both numbers with just enough significant digits (at least 4) to tell them apart.

    >>> fmt_pair(0.14983, 0.14981)
    ('0.14983', '0.14981')
    >>> fmt_pair(0.25, 0.0)
    ('0.25', '0')
    """
    expected, got = float(expected), float(got)
    for digits in range(4, 18):
        a, b = fmt(expected, digits), fmt(got, digits)
        if a != b or expected == got:
            return a, b
    return repr(expected), repr(got)


def expect_close(got: np.ndarray, expected: np.ndarray, what: str, *, at=None, rtol: float = 1e-6,
                 atol: float = 1e-9, hint: str = "") -> None:
    """Fail naming the first wrong element: ``what`` at ``at(index)`` should be ..., got ...

    Only that one element is shown, never the whole expected array, with enough digits
    to show how the two differ.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise Fail(f"{what} should have shape {expected.shape}, got shape {got.shape}")
    bad = ~isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" {at(index)}" if at is not None else ""
        want, have = fmt_pair(expected[index], got[index])
        raise Fail(f"{what}{where} should be {want}, got {have}" + (f"; {hint}" if hint else ""))


def expect_finite(got: np.ndarray, what: str, hint: str = "") -> None:
    if not np.all(np.isfinite(got)):
        bad = got[~np.isfinite(got)].ravel()[0]
        raise Fail(f"{what} gave {bad}" + (f"; {hint}" if hint else ""))


def close_to(got: np.ndarray, candidate: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """For hints: does the answer match a known mistake?"""
    got, candidate = np.asarray(got), np.asarray(candidate)
    return got.shape == candidate.shape and allclose(got, candidate, rtol=rtol, atol=atol)
