"""Call a student's functions on planned inputs and record what came back.

This runs in the student's process: inside the notebook for ``check()``, inside the
submission's kernel for the grader. It is self-contained on purpose (standard library
and numpy only): the grader sends this file's source text into the kernel and runs it
in a fresh namespace, instead of importing it from a module the submission could
have replaced. Nothing here knows the expected answers.

A call's arguments are numpy arrays, numbers, or functions (for exercises whose
functions take a function, such as a numerical gradient); a function travels as the
name of one of the families in ``FUNCTION_KINDS`` and its numeric parameters.

A call may carry an ``errstate`` (NumPy's floating-point error handling, such as
``{"over": "raise"}``): the student's function then runs under ``np.errstate(**errstate)``,
so an overflow that would only print a RuntimeWarning becomes a failed call.
"""

import json
import os

import numpy as np

MAX_ELEMENTS = 100_000  # larger results are reported by shape only


def _flat(x, size):
    x = np.asarray(x, dtype=np.float64)
    if x.size != size:
        raise ValueError(f"this function takes an array of {size} numbers, got shape {x.shape}")
    return x.ravel()


def _scalar_function(A, b, c, w, u, s, v, r, p, q):
    """f(x) = ½ zᵀAz + b·z + c + Σ w sin(u z) + Σ s exp(v z) + r sin(p·z) exp(q·z), with z = x flattened."""
    def f(x):
        z = _flat(x, len(b))
        return float(0.5 * z @ A @ z + b @ z + c + w @ np.sin(u * z) + s @ np.exp(v * z)
                     + r * np.sin(p @ z) * np.exp(q @ z))
    return f


def _vector_function(G, g, alpha, beta, u, gamma, v, P, Q, p, q):
    """g(x) = G z + g + α cos(u z) + β sin(u z) + γ exp(v z) + cos(p·z) exp(q·z) P + sin(p·z) exp(q·z) Q,
    elementwise in z = x flattened, returned in the shape of x."""
    def vector(x):
        z = _flat(x, len(g))
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


def _decode(item):
    if isinstance(item, dict) and "function" in item:
        return make_function(item["function"], {k: _decode(v) for k, v in item.get("params", {}).items()})
    if isinstance(item, dict) and "array" in item:
        return np.array(item["array"], dtype=item.get("dtype", "float64"))
    if isinstance(item, dict) and "value" in item:
        return item["value"]
    raise ValueError(f"malformed plan argument {item!r:.60}")


def _describe(value, depth=0):
    if value is None:
        return {"ok": True, "type": "none"}
    if isinstance(value, tuple) and depth == 0:
        return {"ok": True, "type": "tuple", "items": [_describe(v, depth + 1) for v in value]}
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"ok": True, "type": "other", "repr": repr(value)[:60]}
    if array.size > MAX_ELEMENTS:
        return {"ok": True, "type": "too-large", "shape": list(array.shape)}
    return {"ok": True, "type": "array", "shape": list(array.shape), "value": array.tolist()}


def run_call(namespace, call):
    """Make one planned call; never raises except for KeyboardInterrupt."""
    fn = namespace.get(call["fn"])
    if fn is None:
        return {"ok": False, "missing": True}
    if not callable(fn):
        return {"ok": False, "error": "TypeError", "message": f"{call['fn']} is a {type(fn).__name__}, not a function"}
    args = [_decode(a) for a in call.get("args", [])]
    kwargs = {k: _decode(v) for k, v in call.get("kwargs", {}).items()}
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    errstate = call.get("errstate") or {}
    allowed = {"all", "over", "under", "divide", "invalid"}
    errstate = {k: v for k, v in errstate.items()
                if k in allowed and v in ("ignore", "warn", "raise", "print")}
    try:
        with np.errstate(**errstate):
            value = fn(*args, **kwargs)
    except (Exception, SystemExit) as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_name if tb is not None else ""
        return {"ok": False, "error": type(exc).__name__, "message": str(exc)[:200], "in": where}
    try:
        result = _describe(value)
    except Exception as exc:  # a hostile __array__ or __repr__
        return {"ok": False, "error": type(exc).__name__, "message": "the result could not be read"}
    mutated = [i for i, (b, a) in enumerate(zip(before, args)) if b is not None and not np.array_equal(b, a)]
    if mutated:
        result["mutated"] = mutated  # the positions of the arguments changed in place
    return result


def run_plan(namespace, plan, on_part=None):
    """Results for every part of ``plan`` (see ``course_lib.grading.core.make_plan``)."""
    results = {}
    for part, calls in plan["parts"].items():
        results[part] = [run_call(namespace, call) for call in calls]
        if on_part is not None:
            on_part(results)
    return results


def run_plan_to_file(namespace, plan_json, path):
    """The grader's entry point: run the plan and keep ``path`` up to date after every part,
    so a part that hangs still leaves the earlier parts' results behind."""
    plan = json.loads(plan_json)

    def save(results):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"nonce": plan["nonce"], "parts": results}, fh)
        os.replace(tmp, path)

    save({})
    run_plan(namespace, plan, on_part=save)
