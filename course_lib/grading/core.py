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
judged in the grader's process, so nothing a submission does to its own kernel
(redefining ``check``, patching modules or builtins, printing lines that look like
results) can change a verdict. At most it changes the observations, and those earn
points only when they are the right outputs for inputs the submission never saw before.

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
from collections.abc import Callable, Mapping, Sequence

import numpy as np

NOT_IMPLEMENTED = "not implemented yet"


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
    """

    label: str
    fn: str
    args: tuple = ()
    kwargs: Mapping = dataclasses.field(default_factory=dict)
    text: str = ""
    private: Mapping = dataclasses.field(default_factory=dict)

    @property
    def shown(self) -> str:
        return self.text or f"{self.fn}(...)"


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
    exercise: str
    parts: tuple[PartResult, ...]

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


def make_plan(parts: Sequence[Part], rng: np.random.Generator, nonce: str | None = None) -> tuple[dict, dict]:
    """Draw every part's calls; return ``(calls per part, JSON-able plan for the probe)``."""
    calls = {part.name: part.plan(rng) for part in parts}
    for name, plan in calls.items():
        labels = [c.label for c in plan]
        if len(set(labels)) != len(labels):
            raise ValueError(f"part {name!r}: call labels must be unique, got {labels}")
    wire = {"nonce": nonce or secrets.token_hex(16),
            "parts": {name: [{"fn": c.fn, "args": [_encode(a) for a in c.args],
                              "kwargs": {k: _encode(v) for k, v in c.kwargs.items()}} for c in plan]
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
        if result.get("mutated"):
            raise Fail(f"{call.shown} changed its input array in place; compute a new array instead "
                       "(for example `z = z - m`, not `z -= m`)")
        return result

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


def roundtrip(results):
    """What the grader receives: the probe's results after a trip through JSON."""
    return json.loads(json.dumps(results))


def judge(parts: Sequence[Part], calls: Mapping[str, list[Call]], results, exercise: str) -> Report:
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
    return Report(exercise, tuple(verdicts))


# -- helpers for judges ------------------------------------------------------------------------

def fmt(value) -> str:
    """A short, readable number."""
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def expect_close(got: np.ndarray, expected: np.ndarray, what: str, *, at=None, rtol: float = 1e-6,
                 atol: float = 1e-9, hint: str = "") -> None:
    """Fail naming the first wrong element: ``what`` at ``at(index)`` should be ..., got ...

    Only that one element is shown, never the whole expected array.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise Fail(f"{what} should have shape {expected.shape}, got shape {got.shape}")
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" {at(index)}" if at is not None else ""
        raise Fail(f"{what}{where} should be {fmt(expected[index])}, got {fmt(got[index])}" + (f"; {hint}" if hint else ""))


def expect_finite(got: np.ndarray, what: str, hint: str = "") -> None:
    if not np.all(np.isfinite(got)):
        bad = got[~np.isfinite(got)].ravel()[0]
        raise Fail(f"{what} gave {bad}" + (f"; {hint}" if hint else ""))


def close_to(got: np.ndarray, candidate: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """For hints: does the answer match a known mistake?"""
    return got.shape == candidate.shape and bool(np.allclose(got, candidate, rtol=rtol, atol=atol))
