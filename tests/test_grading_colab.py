"""check() from an installed wheel, in a kernel far from the repository (as on Colab).

The wheel is built from a copy of the sources and installed into a throwaway target
folder that the kernel finds first on PYTHONPATH; TensorFlow and numpy come from the
project's environment, as Colab's own do.
"""

import pathlib
import shutil
import subprocess
import sys

import pytest

from course_lib.grading import sandbox

from _notebooks import answer_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("colab")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "course_lib", src / "course_lib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), str(src)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (base / "dist").glob("course_lib-*.whl")
    site = base / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return site


def test_wheel_ships_the_checks_as_package_files(installed):
    assert (installed / "course_lib" / "grading" / "checks" / "u1" / "activations.py").is_file()
    assert (installed / "course_lib" / "manifest.toml").is_file()


def test_check_runs_from_the_wheel_without_the_repository(installed):
    cells = [
        "import os, course_lib\nprint('FILE', course_lib.__file__)\nprint('CWD', os.getcwd())",
        "from course_lib import manifest\ntry:\n    manifest.repo_root()\nexcept FileNotFoundError:\n"
        "    print('NO CHECKOUT')",
        "import numpy as np",
        *answer_cells("solutions/u1/activations.ipynb"),
        "from course_lib.grading import check\ncheck('u1.activations')",
        "def softmax(z):\n    raise NotImplementedError\n\ncheck('u1.activations', 'softmax')",
    ]
    run = sandbox.execute(cells, notebook_name="colab.ipynb", notebook_bytes=b"{}",
                          limits=sandbox.Limits(timeout_s=60), extra_env={"PYTHONPATH": str(installed)},
                          capture_output=50_000)
    assert run.status == "ok" and not run.cell_errors, (run.detail, run.cell_errors, run.output)
    lines = run.output.splitlines()
    file_line = next(ln for ln in lines if ln.startswith("FILE "))
    cwd_line = next(ln for ln in lines if ln.startswith("CWD "))
    assert file_line.startswith(f"FILE {installed}"), file_line
    assert str(ROOT) not in cwd_line
    assert "NO CHECKOUT" in lines
    assert "Score: 11/11" in lines and "✅ softmax                2/2" in lines
    assert "❌ softmax  0/2  softmax is not implemented yet" in lines and "Score: 0/2" in lines
