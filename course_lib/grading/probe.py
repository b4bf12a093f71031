"""Call a student's functions on planned inputs and record what came back.

This runs in the student's process: inside the notebook for ``check()``, inside the
submission's kernel for the grader. It is self-contained on purpose (standard library
and numpy only): the grader sends this file's source text into the kernel and runs it
in a fresh namespace, instead of importing it from a module the submission could
have replaced. Nothing here knows the expected answers, and nothing here judges.

The probe only *records*: what each call returned, a copy of every array argument as it
was after the call, and whether NumPy's floating-point error handling was in force around
the call. Every comparison (was an argument changed in place? is the output right?) is
made by the grader, in its own process, on the decoded data (see
:class:`course_lib.grading.core.Observed`). So the probe uses no function that a notebook
can replace to decide anything: no ``np.array_equal``, no ``isinstance``, ``len`` or
``abs``, no ``json.dumps``. Types are told apart through ``__class__`` and the built-in
types taken from literals, arrays are read back with their own methods (``tolist``,
``shape``, ``dtype``), and the results file is written by :func:`to_json`, below, from
string and number methods alone.

What a notebook *can* still replace is what starts and ends the probe (``exec``,
``open``) and the constructors that build its inputs (``np.array``). Replacing those is
replacing the probe: the results may then say anything, and the grader credits them
only when they are the right outputs for inputs the notebook never saw; what it cannot
check is the evidence of how the outputs were made (an argument left unchanged, an
overflow that raised). A replaced ``np.array`` shows up as inputs that do not read back
as the planned ones, and fails the call.

A call's arguments are numpy arrays, numbers, or functions (for exercises whose
functions take a function, such as a numerical gradient); a function travels as the
name of one of the families in ``FUNCTION_KINDS`` and its numeric parameters.

A call may carry an ``errstate`` (NumPy's floating-point error handling, such as
``{"over": "raise"}``): the student's function then runs under ``np.errstate(**errstate)``,
so an overflow that would only print a RuntimeWarning becomes a failed call. Just before
and just after the call the probe provokes each such error once on its own numbers and
records which of them raised (``"held"``), so the grader can tell when the error handling
was not in force.
"""

import numpy as np

MAX_ELEMENTS = 100_000  # larger results are reported by shape only

# Built-in types from literals: a notebook can rebind the names `tuple`, `dict`, ..., not these.
_TUPLE, _LIST, _DICT, _STR = ().__class__, [].__class__, {}.__class__, "".__class__
_BOOL, _INT, _FLOAT, _NONE = True.__class__, (0).__class__, (0.0).__class__, None.__class__
# One operation per floating-point error category, on the probe's own numbers.
_PROVOKE = {"over": ("*", 1e300, 1e300), "under": ("*", 1e-300, 1e-300), "divide": ("/", 1.0, 0.0),
            "invalid": ("/", 0.0, 0.0)}


def _flat(x, size):
    x = np.asarray(x, dtype=np.float64)
    if x.size != size:
        raise ValueError(f"this function takes an array of {size} numbers, got shape {x.shape}")
    return x.ravel()


def _scalar_function(A, b, c, w, u, s, v, r, p, q):
    """f(x) = ½ zᵀAz + b·z + c + Σ w sin(u z) + Σ s exp(v z) + r sin(p·z) exp(q·z), with z = x flattened."""
    def f(x):
        z = _flat(x, b.size)
        return float(0.5 * z @ A @ z + b @ z + c + w @ np.sin(u * z) + s @ np.exp(v * z)
                     + r * np.sin(p @ z) * np.exp(q @ z))
    return f


def _vector_function(G, g, alpha, beta, u, gamma, v, P, Q, p, q):
    """g(x) = G z + g + α cos(u z) + β sin(u z) + γ exp(v z) + cos(p·z) exp(q·z) P + sin(p·z) exp(q·z) Q,
    elementwise in z = x flattened, returned in the shape of x."""
    def vector(x):
        z = _flat(x, g.size)
        e = np.exp(q @ z)
        out = (G @ z + g + alpha * np.cos(u * z) + beta * np.sin(u * z) + gamma * np.exp(v * z)
               + np.cos(p @ z) * e * P + np.sin(p @ z) * e * Q)
        return out.reshape(np.shape(x))
    return vector


# Functions travel in a plan as a family name and numeric parameters, never as code.
FUNCTION_KINDS = {"scalar": _scalar_function, "vector": _vector_function}


def make_function(kind, params):
    """The function of family ``kind`` with these parameters (see ``FUNCTION_KINDS``)."""
    if kind not in FUNCTION_KINDS:
        raise ValueError(f"unknown function kind {kind!r:.40}")
    return FUNCTION_KINDS[kind](**{k: np.asarray(v, dtype=np.float64) for k, v in params.items()})


def _is(value, kind):
    try:
        return kind in value.__class__.__mro__
    except Exception:  # noqa: BLE001 - a hostile __class__
        return False


def _decode(item):
    if _is(item, _DICT) and "function" in item:
        return make_function(item["function"], {k: _decode(v) for k, v in item.get("params", {}).items()})
    if _is(item, _DICT) and "array" in item:
        return np.array(item["array"], dtype=item.get("dtype", "float64"))
    if _is(item, _DICT) and "value" in item:
        return item["value"]
    raise ValueError(f"malformed plan argument {item!r:.60}")


def _read_back(array):
    """An array argument as it is now, for the grader to compare with what it planned."""
    try:
        kind = array.__class__
        return {"class": f"{kind.__module__}.{kind.__qualname__}", "dtype": array.dtype.str,
                "shape": [*array.shape], "array": array.tolist()}
    except Exception:  # noqa: BLE001 - not an array any more, or a hostile one
        return None


def _describe(value, depth=0):
    if value is None:
        return {"ok": True, "type": "none"}
    if depth == 0 and _is(value, _TUPLE):
        return {"ok": True, "type": "tuple", "items": [_describe(v, depth + 1) for v in value]}
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"ok": True, "type": "other", "repr": repr(value)[:60]}
    if array.size > MAX_ELEMENTS:
        return {"ok": True, "type": "too-large", "shape": [*array.shape]}
    return {"ok": True, "type": "array", "shape": [*array.shape], "value": array.tolist()}


def _provoke(categories):
    """The categories among ``categories`` whose error, provoked once here, raised."""
    held = []
    for category in categories:
        op, a, b = _PROVOKE[category]
        try:
            x, y = np.array([a]), np.array([b])
            x * y if op == "*" else x / y  # noqa: B018 - evaluated for its floating-point error
        except Exception as exc:  # noqa: BLE001
            if exc.__class__.__name__ == "FloatingPointError":
                held.append(category)
    return held


def _text(exc):
    try:
        return str(exc)[:200]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return ""


def run_call(namespace, call):
    """Make one planned call; never raises except for KeyboardInterrupt."""
    fn = namespace.get(call["fn"])
    if fn is None:
        return {"ok": False, "missing": True}
    try:
        fn.__call__  # noqa: B018 - attribute access, not the replaceable callable()
    except AttributeError:
        return {"ok": False, "error": "TypeError",
                "message": f"{call['fn']} is a {fn.__class__.__name__}, not a function"}
    args = [_decode(a) for a in call.get("args", [])]
    kwargs = {k: _decode(v) for k, v in call.get("kwargs", {}).items()}
    arrays, index = [], 0
    for item in call.get("args", []):
        if _is(item, _DICT) and "array" in item:
            arrays.append(index)
        index += 1
    array_kwargs = [k for k, item in call.get("kwargs", {}).items() if _is(item, _DICT) and "array" in item]
    errstate = call.get("errstate") or {}
    allowed = {"all", "over", "under", "divide", "invalid"}
    errstate = {k: v for k, v in errstate.items()
                if k in allowed and v in ("ignore", "warn", "raise", "print")}
    raising = [c for c in _PROVOKE if errstate.get(c, errstate.get("all")) == "raise"]
    held = []
    try:
        with np.errstate(**errstate):
            held.append(_provoke(raising))
            try:
                value = fn(*args, **kwargs)
            finally:
                held.append(_provoke(raising))
    except (Exception, SystemExit) as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_name if tb is not None else ""
        result = {"ok": False, "error": exc.__class__.__name__, "message": _text(exc), "in": where}
    else:
        try:
            result = _describe(value)
        except Exception as exc:  # noqa: BLE001 - a hostile __array__ or __repr__
            return {"ok": False, "error": exc.__class__.__name__, "message": "the result could not be read"}
    # Raw data only: the grader compares these with the arrays it planned.
    result["after"] = {"args": {f"{i}": _read_back(args[i]) for i in arrays},
                       "kwargs": {k: _read_back(kwargs[k]) for k in array_kwargs}}
    if raising:
        result["held"] = held
    return result


def run_plan(namespace, plan, on_part=None):
    """Results for every part of ``plan`` (see ``course_lib.grading.core.make_plan``)."""
    results = {}
    for part, calls in plan["parts"].items():
        results[part] = [run_call(namespace, call) for call in calls]
        if on_part is not None:
            on_part(results)
    return results


_ESCAPE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _json_string(text):
    out = ['"']
    for char in text:
        if char in _ESCAPE:
            out.append(_ESCAPE[char])
        elif char < " " or "\ud800" <= char <= "\udfff" or char == "\x7f":
            out.append("\\u" + char.encode("utf-16-be", "surrogatepass").hex())
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def to_json(value):
    """JSON text for the probe's results, from the methods of the built-in types alone.

    It stands in for ``json.dumps`` (which a notebook can replace) on exactly what the
    probe produces: dicts with string keys, lists, strings, numbers, booleans and None;
    NaN and infinities are written as ``json`` reads them back.

    >>> to_json({"a": [1, 2.5, float("nan"), True, None], "b": "x"})
    '{"a": [1, 2.5, NaN, true, null], "b": "x"}'
    """
    kind = value.__class__
    if kind is _BOOL:
        return "true" if value else "false"
    if kind is _NONE:
        return "null"
    if kind is _INT:
        return _INT.__repr__(value)
    if kind is _FLOAT:
        if value != value:
            return "NaN"
        if value in (1e400, -1e400):
            return "Infinity" if value > 0 else "-Infinity"
        return _FLOAT.__repr__(value)
    if kind is _STR:
        return _json_string(value)
    if kind is _LIST or kind is _TUPLE:
        return "[" + ", ".join([to_json(item) for item in value]) + "]"
    if kind is _DICT:
        return "{" + ", ".join([to_json(k) + ": " + to_json(v) for k, v in value.items()]) + "}"
    # A subclass (from a hostile repr or str) travels as its plain base value; anything else as null.
    for base, plain in ((_STR, _STR.__str__), (_FLOAT, _FLOAT.__float__), (_INT, _INT.__int__)):
        if _is(value, base):
            return to_json(plain(value))
    return "null"
