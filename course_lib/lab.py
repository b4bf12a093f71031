"""``course lab``: JupyterLab on the course folder, with this environment's Python as the kernel.

JupyterLab and the classic notebook interface are pinned in pyproject.toml, so the
bootstrap installs them with everything else. The kernel named ``python3`` that the
notebooks ask for is declared here, in a kernelspec folder inside this environment
(``<sys.prefix>/share/course_lib/jupyter``) that goes first on ``JUPYTER_PATH``: a
``python3`` kernelspec left in the user's own Jupyter folder by another installation
cannot shadow it, so the notebooks always run with the interpreter that has
``course_lib`` and the pinned TensorFlow.

>>> spec = kernel_spec()
>>> spec["argv"][0] == sys.executable and spec["argv"][1:3] == ["-m", "ipykernel_launcher"]
True
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from ._files import atomic_write

KERNEL_NAME = "python3"  # what every course notebook's metadata names
KERNEL_DISPLAY_NAME = "Python 3 (course .venv)"


def kernel_spec() -> dict:
    """The kernelspec of this interpreter (``kernel.json``'s content)."""
    return {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": KERNEL_DISPLAY_NAME, "language": "python", "metadata": {"debugger": True}}


def jupyter_data_dir(prefix: str | os.PathLike | None = None) -> pathlib.Path:
    """Write the course kernelspec under ``prefix`` (default: this environment) and return that folder.

    The folder is a Jupyter data directory: ``kernels/python3/kernel.json`` inside it.
    """
    base = pathlib.Path(sys.prefix if prefix is None else prefix) / "share" / "course_lib" / "jupyter"
    spec_dir = base / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(kernel_spec(), indent=1).encode()
    spec_file = spec_dir / "kernel.json"
    if not spec_file.exists() or spec_file.read_bytes() != text:
        atomic_write(spec_file, text)
    return base


def command(path: str | os.PathLike | None = None, *, port: int | None = None, no_browser: bool = False,
            root: pathlib.Path | None = None, extra: list[str] | None = None) -> tuple[list[str], dict]:
    """The JupyterLab command line and environment for ``course lab [PATH]``.

    ``path`` is a folder to open JupyterLab on, or a notebook to open (JupyterLab's root is
    then the course folder when the notebook is inside it, else the notebook's folder).
    Without it JupyterLab opens on the course folder ``root`` (default: the repository).
    """
    from . import manifest

    root = manifest.repo_root() if root is None else pathlib.Path(root)
    argv = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1"]
    target = pathlib.Path(path).resolve() if path is not None else root.resolve()
    if not target.exists():
        raise FileNotFoundError(f"path must be an existing folder or notebook, got {str(path)!r} (not found)")
    if target.is_dir():
        argv.append(f"--ServerApp.root_dir={target}")
    else:
        folder = root.resolve() if target.is_relative_to(root.resolve()) else target.parent
        argv.append(f"--ServerApp.root_dir={folder}")
    if port is not None:
        argv.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and some lab images run as root
        argv.append("--ServerApp.allow_root=True")  # Jupyter refuses root otherwise; it still listens on 127.0.0.1
    if no_browser:
        argv.append("--ServerApp.open_browser=False")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_data_dir())] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else []))
    opened = [] if target.is_dir() else [str(target)]  # JupyterLab opens a file given last
    return argv + list(extra or []) + opened, env


def available() -> str:
    """An empty string when JupyterLab can be started here, else why not (and how to fix it)."""
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        return (f"JupyterLab is not installed in this environment ({sys.prefix}); rerun `python3 bootstrap.py lab`, "
                "which installs the pinned version, or `pip install -e .` in the course folder")
    return ""


def main(path=None, *, port=None, no_browser=False) -> int:
    """Start JupyterLab in the foreground (``course lab``); its exit status is returned."""
    problem = available()
    if problem:
        print(f"course lab: {problem}", file=sys.stderr)
        return 2
    try:
        argv, env = command(path, port=port, no_browser=no_browser)
    except (FileNotFoundError, OSError) as exc:
        print(f"course lab: {exc}", file=sys.stderr)
        return 2
    folder = next(a for a in argv if a.startswith("--ServerApp.root_dir=")).split("=", 1)[1]
    print(f"course lab: JupyterLab on {folder} with the kernel {sys.executable}; "
          "stop it with Ctrl-C", flush=True)
    if os.name == "posix":  # Ctrl-C, the terminal and the exit status go straight to JupyterLab
        os.execve(argv[0], argv, env)
    return subprocess.call(argv, env=env)  # pragma: no cover - Windows
