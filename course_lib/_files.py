"""File helpers with one home: checksums, atomic writes and reading notebooks as JSON.

>>> sha256_bytes(b"")[:12]
'e3b0c44298fc'
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile

_BLOCK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: os.PathLike, digest) -> str:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: os.PathLike) -> str:
    """The hex SHA-256 of the file at ``path``, read in blocks (raises ``OSError`` if unreadable)."""
    return _file_digest(path, hashlib.sha256())


def md5_file(path: os.PathLike) -> str:
    """The hex MD5 of a file, for comparing with upstream listings (not for security)."""
    return _file_digest(path, hashlib.md5(usedforsecurity=False))


def atomic_write(path: os.PathLike, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half of it.

    The file gets ``mode`` (default world-readable: a classroom copies caches between users).
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # on disk before it replaces the old file: a crash loses neither
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def read_notebook(path: os.PathLike) -> dict:
    """A notebook file as its JSON dict (no nbformat validation: fast, and tolerant of old files)."""
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def notebook_cells(notebook: dict | os.PathLike, cell_type: str | None = None) -> list[dict]:
    """The cells of a notebook (a dict or a path), optionally only those of ``cell_type``.

    >>> notebook_cells({"cells": [{"cell_type": "code", "source": ["x = 1"]}, {"cell_type": "markdown"}]}, "code")
    [{'cell_type': 'code', 'source': ['x = 1']}]
    """
    if not isinstance(notebook, dict):
        notebook = read_notebook(notebook)
    cells = notebook.get("cells", [])
    return [c for c in cells if cell_type is None or c.get("cell_type") == cell_type]


def code_sources(notebook: dict | os.PathLike) -> list[str]:
    """The source of every code cell, in order."""
    return [cell_source(c) for c in notebook_cells(notebook, "code")]
