"""``course doctor``: a report to paste into a bug report. Never hangs offline."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import time

from . import __version__, config, net

PACKAGES = ("tensorflow", "keras", "keras-tuner", "tensorboard", "numpy", "scikit-learn", "scikit-image",
            "matplotlib", "pandas", "mlxtend", "nbclient", "nbval", "ipykernel")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def collect(*, probe_timeout: float = 3.0) -> dict:
    """Everything the report shows, as a dict (``course doctor --json``).

    A setting whose environment variable is unusable (``COURSE_MODE``, ``COURSE_SEED``,
    ``COURSE_CACHE``) shows as ``None``, its error message goes to ``report['problems']``, and
    the rest of the report is still collected.
    """
    problems: list[str] = []

    def setting(read):
        try:
            return read()
        except config.ConfigError as exc:
            problems.append(str(exc))
            return None

    report: dict = {
        "course_lib": __version__,
        "course_lib_path": os.path.dirname(os.path.abspath(__file__)),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "mode": setting(config.mode),
        "seed": setting(config.seed),
        "cache_dir": setting(lambda: str(config.cache_dir())),
        "packages": {name: _version(name) for name in PACKAGES},
        "problems": problems,
    }
    started = time.perf_counter()
    online = net.is_online(probe_timeout, use_cache=False)
    report["network"] = {"reachable": online, "probe_seconds": round(time.perf_counter() - started, 2),
                         "forced": os.environ.get(net.OFFLINE_ENV) or None}
    try:
        from . import device

        report["devices"] = device.describe()
    except Exception as exc:  # a broken TF install is exactly what a bug report needs to show
        report["devices"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        from . import data

        report["datasets_offline"] = data.offline_report()
    except config.ConfigError:  # already in problems (an unusable COURSE_CACHE)
        report["datasets_offline"] = {"error": "not checked: see the problems above"}
    except Exception as exc:
        report["datasets_offline"] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


def format_report(report: dict) -> str:
    def shown(key):
        return "INVALID" if report[key] is None else report[key]

    lines = ["### course doctor", "```",
             f"course_lib   {report['course_lib']}  ({report['course_lib_path']})",
             f"python       {report['python']}",
             f"platform     {report['platform']}, {report['cpu_count']} CPU cores",
             f"mode         {shown('mode')}   seed {shown('seed')}",
             f"cache        {shown('cache_dir')}"]
    lines += [f"PROBLEM      {problem}" for problem in report.get("problems", [])]
    lines.append("packages     " + ", ".join(f"{k} {v}" for k, v in report["packages"].items()))
    dev = report["devices"]
    if "error" in dev:
        lines.append(f"devices      ERROR {dev['error']}")
    else:
        lines += [f"devices      {', '.join(dev['physical_devices'])} (logical: {', '.join(dev['logical_devices'])})",
                  f"cuda build   {dev['cuda_build']}  cuda {dev['cuda_version']}  cudnn {dev['cudnn_version']}",
                  f"precision    {dev['mixed_precision_policy']}   keras backend {dev['keras_backend']}"]
    net_info = report["network"]
    state = "reachable" if net_info["reachable"] else "unreachable: loaders use the cache or their offline sources"
    forced = f" (forced by COURSE_OFFLINE={net_info['forced']})" if net_info["forced"] else ""
    lines.append(f"network      {state}{forced}, probe took {net_info['probe_seconds']} s")
    ds = report["datasets_offline"]
    if "error" in ds:
        lines.append(f"datasets     ERROR {ds['error']}")
    else:
        missing = [name for name, ok in ds.items() if not ok]
        lines.append(f"offline data {len(ds) - len(missing)} of {len(ds)} datasets available"
                     + (f"; not available offline: {', '.join(missing)}" if missing else "")
                     + "  (details: course data list)")
    lines.append("```")
    return "\n".join(lines)
