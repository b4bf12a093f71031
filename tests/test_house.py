"""House rules of course_lib's layout: no import cycles, no hidden registration, runnable docstrings.

These keep the package clean as units 2–7 add modules: a new module that imports its
parent's users, registers itself from the bottom of another file, or carries a broken
example fails here.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pathlib
import pkgutil

import pytest

import course_lib

PACKAGE = pathlib.Path(course_lib.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The course_lib modules an import statement loads (absolute names)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("course_lib")]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("course_lib"):
        return []
    # `from . import x` may name submodules rather than attributes.
    names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
    return names or [target]


def _top_level_imports(module: str, path: pathlib.Path) -> list[tuple[str, int]]:
    """Imports that run when the module is imported: module level, including inside if/try, not in functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.extend((t, node.lineno) for t in _resolve(module, path.name == "__init__.py", node))
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
    visit(tree.body)
    return found


def test_course_lib_has_no_import_cycles():
    graph = {m: {t for t, _ in _top_level_imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}
    state: dict[str, str] = {}
    stack: list[str] = []

    def walk(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module)


def test_imports_of_course_lib_come_before_any_definition():
    # An import after the definitions (`from . import sources  # registers`) hides work at the
    # bottom of a file and is how import cycles are papered over.
    late = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        first_def = next((n.lineno for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))), None)
        if first_def is None:
            continue
        for target, line in _top_level_imports(module, path):
            if line > first_def:
                late.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} after its definitions")
    assert not late, "\n".join(late)


def test_lazy_submodules_are_found_from_the_package():
    on_disk = {m.name for m in pkgutil.iter_modules(course_lib.__path__) if not m.name.startswith("_")}
    assert set(course_lib._SUBMODULES) == on_disk
    assert {"data", "scratch", "plots", "grading"} <= on_disk
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        course_lib.nonexistent  # noqa: B018


@pytest.mark.parametrize("module", sorted(MODULES))
def test_docstring_examples_run(module):
    imported = importlib.import_module(module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(imported, module):
        if test.examples:
            runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {module} failed:\n" + "".join(report)[-3000:]


def test_the_package_has_docstring_examples_to_run():
    finder = doctest.DocTestFinder(exclude_empty=True)
    examples = {m: sum(len(t.examples) for t in finder.find(importlib.import_module(m), m))
                for m in ("course_lib._validation", "course_lib.data.splits", "course_lib.scratch.mlp",
                          "course_lib.plots")}
    assert all(n >= 1 for n in examples.values()), examples


def _sources_except(*homes: str) -> dict[str, str]:
    return {m: p.read_text(encoding="utf-8") for m, p in MODULES.items() if m not in homes}


def test_one_home_for_argument_checks_hashing_and_temporary_files():
    # Argument checks live in course_lib._validation; checksums and atomic writes in course_lib._files.
    for module, text in _sources_except("course_lib._validation").items():
        tree = ast.parse(text)
        own_checks = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("_check")]
        assert not own_checks, f"{module} defines its own argument checks {own_checks}; use course_lib._validation"
    for module, text in _sources_except("course_lib._files").items():
        assert "import hashlib" not in text, f"{module} hashes files itself; use course_lib._files"
        assert "mkstemp(" not in text, f"{module} writes temporary files itself; use course_lib._files.atomic_write"


def test_importing_course_lib_stays_light():
    # `course --help` and every notebook's first line import course_lib: no NumPy, no TensorFlow yet.
    import subprocess
    import sys

    code = "import sys, course_lib; print(sorted(m for m in ('numpy', 'tensorflow', 'keras') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"import course_lib loaded {out.strip()}"
