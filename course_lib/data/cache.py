"""The on-disk side of the dataset registry: verified downloads and a checksummed cache.

Everything lives under :func:`course_lib.config.cache_dir` (``COURSE_CACHE``):

* ``downloads/``: files fetched from the datasets' home sites, exactly as served.
* ``parsed/``: arrays parsed from any source, as ``.npz`` files, so the second load is fast.

Every file has a sidecar ``NAME.sha256`` in ``sha256sum`` format, written just before the
file itself is moved into place. A file whose checksum no longer matches is corrupt and is
never used silently: the parsed cache warns and rebuilds it; a download is reported,
deleted, and then fetched again or replaced by the offline source (or, with neither, the
loader raises an error that says what to do). ``course data verify`` checks them all.

A matching checksum is not enough for a parsed entry: its sidecar may have been recomputed
over damaged bytes. So a parsed ``.npz`` must also open, every array must read back (the zip
CRCs catch changed bytes) and its meta must be a JSON object; an entry that fails, or a
folder where an entry belongs, is treated like a checksum failure: warned about, removed and
rebuilt by the loader, and reported ``corrupt`` by ``course data verify``.

Downloads never hang: :func:`download` gives up when no byte arrives for ``timeout``
seconds (DNS included), and refuses at once when :func:`course_lib.net.is_online` says
the network is unreachable.

This module does not import TensorFlow.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pathlib
import shutil
import threading
import time
import urllib.request
import uuid
import warnings
import zipfile

import numpy as np

from .. import config, net
from .._files import atomic_write, md5_file, sha256_bytes, sha256_file
from .._validation import ArgumentTypeError, ArgumentValueError

SIDECAR = ".sha256"
TIMEOUT_ENV = "COURSE_NET_TIMEOUT"
DEFAULT_TIMEOUT = 3.0  # seconds without a byte before a download is abandoned, like the network probe
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps make a cache file's bytes depend only on its arrays
_NAMES_KEY = "__arrays__"  # in the stored meta: the array names, so a member lost from the zip's directory shows


class CacheError(RuntimeError):
    """A cached or downloaded file is missing, partial or corrupt and cannot be repaired here."""


class CorruptCacheWarning(UserWarning):
    """A cached file failed its checksum, or could not be read, and was deleted to be rebuilt."""


class DownloadError(RuntimeError):
    """A download failed, stalled or was refused because the network is unreachable."""


def _subfolder(name: str) -> pathlib.Path:
    path = config.cache_dir() / name
    if (path.exists() or path.is_symlink()) and not path.is_dir():
        raise config.ConfigError(f"the data cache folder {str(path.parent)!r} ({config.CACHE_ENV}) holds a file "
                                 f"named {name!r} where its {name}/ folder belongs; delete that file, or set "
                                 f"{config.CACHE_ENV} to another folder")
    path.mkdir(exist_ok=True)
    return path


def parsed_dir() -> pathlib.Path:
    return _subfolder("parsed")


def downloads_dir() -> pathlib.Path:
    return _subfolder("downloads")


def net_timeout() -> float:
    """Seconds a network attempt may stall before it is abandoned (``COURSE_NET_TIMEOUT``, default 3)."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise config.ConfigError(f"environment variable {TIMEOUT_ENV} must be a positive number of seconds, "
                                 f"got {raw!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Checksums


def sidecar_path(path: os.PathLike) -> pathlib.Path:
    path = pathlib.Path(path)
    return path.with_name(path.name + SIDECAR)


def write_sidecar(path: os.PathLike, digest: str | None = None) -> str:
    """Record ``path``'s SHA-256 next to it (``sha256sum -c`` can check it too); returns the digest."""
    path = pathlib.Path(path)
    digest = digest or sha256_file(path)
    atomic_write(sidecar_path(path), f"{digest}  {path.name}\n".encode())
    return digest


def read_sidecar(path: os.PathLike) -> str | None:
    side = sidecar_path(path)
    if not side.exists() and not side.is_symlink():
        return None
    try:
        text = side.read_text().split()
    except (OSError, UnicodeDecodeError):  # a folder, unreadable, or not text: no usable checksum
        return ""
    return text[0].lower() if text and len(text[0]) == 64 else ""


# ---------------------------------------------------------------------------------------------
# Parsed arrays


def _npz_bytes(arrays: dict[str, np.ndarray], meta: dict) -> bytes:
    if _NAMES_KEY in meta or "__meta__" in arrays:
        raise ArgumentValueError(f"meta key {_NAMES_KEY!r} and array name '__meta__' are reserved for the cache, "
                                 f"got meta keys {sorted(meta)} and arrays {sorted(arrays)}")
    buffer = io.BytesIO()
    stored = {**meta, _NAMES_KEY: sorted(arrays)}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        items = {**arrays, "__meta__": np.array(json.dumps(stored, sort_keys=True))}
        for name in sorted(items):
            array = np.asarray(items[name])
            if array.dtype == object:
                raise ArgumentTypeError(f"array {name!r} has dtype object, which cannot be cached without pickle; "
                                "pack strings with pack_strings() first")
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def cache_path(key: str) -> pathlib.Path:
    if not key or any(c in key for c in "/\\") or key.startswith("."):
        raise ArgumentValueError(f"key must be a plain file name such as 'mnist-full', got {key!r}")
    return parsed_dir() / f"{key}.npz"


def save_arrays(key: str, arrays: dict[str, np.ndarray], meta: dict | None = None) -> pathlib.Path:
    """Write ``arrays`` (and JSON-able ``meta``) to the parsed cache under ``key``, then its checksum."""
    path = cache_path(key)
    data = _npz_bytes(arrays, meta or {})
    # Checksum first: a reader never meets a finished file without one. The bytes depend
    # only on the arrays, so processes filling the same entry at once write the same file.
    write_sidecar(path, sha256_bytes(data))
    atomic_write(path, data)
    return path


class _UnreadableEntry(Exception):
    """A parsed cache file whose bytes do not decode to arrays and a meta object (the reason is the message)."""


def _parse_npz(data: bytes) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and meta in a parsed cache file's bytes; :class:`_UnreadableEntry` if they do not decode."""
    # Damaged bytes fail in many ways (BadZipFile, zlib.error, ValueError from the .npy header,
    # KeyError, EOFError, NotImplementedError for a changed compression method, tokenize
    # errors...), so any exception while decoding means the entry is unreadable. Only this
    # decoding step is guarded: our own bugs elsewhere still surface as tracebacks.
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}  # reads every member, checking its CRC
        if "__meta__" not in arrays:
            raise _UnreadableEntry("it has no __meta__ member")
        meta = json.loads(str(arrays.pop("__meta__")))
    except _UnreadableEntry:
        raise
    except Exception as exc:
        raise _UnreadableEntry(f"it cannot be read as a .npz archive ({type(exc).__name__}: {exc})") from exc
    if not isinstance(meta, dict):
        raise _UnreadableEntry(f"its __meta__ is {type(meta).__name__}, expected a JSON object")
    names = meta.pop(_NAMES_KEY, None)  # None: written before the names were recorded
    if names is not None and names != sorted(arrays):
        raise _UnreadableEntry(f"it holds arrays {sorted(arrays)}, but was written with {names}")
    return arrays, meta


def _remove_entry(path: pathlib.Path) -> None:
    """Delete a parsed-cache file or whatever took its place (a folder, a link), never following links."""
    parsed = parsed_dir().resolve()
    if path.parent.resolve() != parsed:  # refuse to delete anything that is not directly in parsed/
        raise CacheError(f"refusing to delete {path}: it is not an entry of the parsed cache {parsed}")
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _discard(path: pathlib.Path, problem: str) -> None:
    warnings.warn(f"cache file {path} {problem}; deleting it and rebuilding from the source",
                  CorruptCacheWarning, stacklevel=4)
    _remove_entry(path)
    _remove_entry(sidecar_path(path))


def load_arrays(key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """The arrays and meta cached under ``key``, or ``None`` when there is no valid entry.

    An entry that fails its checksum, lost its sidecar, cannot be decoded (damaged bytes under
    a recomputed checksum), or is a folder, is reported with a :class:`CorruptCacheWarning`
    and deleted, so the caller rebuilds it.
    """
    path = cache_path(key)
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        _discard(path, "is a folder or other non-file" if path.exists() else "is a broken link")
        return None
    expected = read_sidecar(path)
    data = path.read_bytes()
    if expected is None or sha256_bytes(data) != expected:
        _discard(path, "has no checksum sidecar (a partial write?)" if expected is None else
                 "fails its SHA-256 checksum")
        return None
    try:
        return _parse_npz(data)
    except _UnreadableEntry as exc:
        _discard(path, f"matches its checksum but {exc}")
        return None


def cached(key: str, build, *, meta_check=None):
    """``(arrays, meta, from_cache)``: the cached entry for ``key``, or ``build()``'s result, saved.

    ``build`` returns ``(arrays, meta)``. ``meta_check(meta)`` may reject a stale entry.
    """
    hit = load_arrays(key)
    if hit is not None and (meta_check is None or meta_check(hit[1])):
        return hit[0], hit[1], True
    arrays, meta = build()
    try:
        save_arrays(key, arrays, meta)
    except OSError as exc:  # a read-only cache must not stop the lesson
        warnings.warn(f"could not write cache file for {key!r} under {parsed_dir()}: {exc}", stacklevel=2)
    return arrays, meta, False


def pack_strings(strings) -> dict[str, np.ndarray]:
    """Strings as a UTF-8 byte array plus offsets, cacheable without pickle (see :func:`unpack_strings`)."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return {"bytes": np.frombuffer(b"".join(encoded), dtype=np.uint8), "offsets": offsets}


def unpack_strings(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    blob = data.tobytes()
    out = np.empty(len(offsets) - 1, dtype=object)
    out[:] = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    return out


def pack_ragged(sequences) -> dict[str, np.ndarray]:
    """Integer sequences of different lengths as one flat array plus offsets."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate([np.asarray(s, dtype=np.int32) for s in sequences]) if len(sequences) else \
        np.zeros(0, dtype=np.int32)
    return {"values": flat, "offsets": offsets}


def unpack_ragged(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.empty(len(offsets) - 1, dtype=object)
    out[:] = np.split(values, offsets[1:-1])
    return out


# ---------------------------------------------------------------------------------------------
# Downloads


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """A file on a dataset's home site and how to recognise a good copy of it."""

    name: str
    url: str
    sha256: str | None = None
    md5: str | None = None
    size_hint: str = ""

    def path(self) -> pathlib.Path:
        return downloads_dir() / self.name

    def matches(self, path: os.PathLike) -> bool:
        if self.sha256 and sha256_file(path) != self.sha256:
            return False
        if self.md5 and md5_file(path) != self.md5:
            return False
        return True


def _fetch(url: str, target: pathlib.Path, state: dict, cancel: threading.Event, timeout: float) -> None:
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "course-lib"})
        with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out:
            state["total"] = int(response.headers.get("Content-Length") or 0)
            while not cancel.is_set():
                block = response.read(1 << 16)
                if not block:
                    state["complete"] = True
                    break
                out.write(block)
                state["bytes"] += len(block)
                state["last"] = time.monotonic()
    except BaseException as exc:  # reported to the waiting thread, never raised in this one
        state["error"] = exc


def download(remote: RemoteFile, *, timeout: float | None = None, progress=None) -> pathlib.Path:
    """Fetch ``remote`` into ``downloads/``, verify it and record its checksum; return its path.

    A copy already there is reused when it passes the check. Raises :class:`DownloadError`
    when the network is unreachable (at once), when no byte arrives for ``timeout``
    seconds (a hung DNS lookup included), or when the fetched file fails its checksum.
    """
    timeout = net_timeout() if timeout is None else timeout
    if not timeout > 0:
        raise ArgumentValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    dest = remote.path()
    if dest.exists():
        if read_sidecar(dest) == sha256_file(dest) and remote.matches(dest):
            return dest
        dest.unlink()
        sidecar_path(dest).unlink(missing_ok=True)
    # The same bound as cl.setup()'s probe, so a notebook reuses its cached answer.
    if not net.is_online(min(timeout, 2.0)):
        raise DownloadError(f"cannot download {remote.url}: the network is unreachable "
                            f"(or {net.OFFLINE_ENV}=1 is set)")
    part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex[:8]}.part")
    state = {"bytes": 0, "total": 0, "last": time.monotonic(), "complete": False, "error": None}
    cancel = threading.Event()
    worker = threading.Thread(target=_fetch, args=(remote.url, part, state, cancel, timeout), daemon=True,
                              name=f"download {remote.name}")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
            if progress is not None:
                progress(state["bytes"], state["total"])
            if worker.is_alive() and time.monotonic() - state["last"] > timeout:
                raise DownloadError(f"gave up on {remote.url}: no data for {timeout:g} s "
                                    f"({state['bytes']} bytes received)")
        if state["error"] is not None or not state["complete"]:
            raise DownloadError(f"download of {remote.url} failed: {state['error']!r}") from state["error"]
        if not remote.matches(part):
            raise DownloadError(f"downloaded {remote.name} does not match its published checksum; "
                                "the server sent something else, so it was deleted")
        os.chmod(part, 0o644)
        write_sidecar(dest, sha256_file(part))  # before the file appears, as in save_arrays
        os.replace(part, dest)
        return dest
    finally:
        cancel.set()  # an abandoned worker stops at its next block
        part.unlink(missing_ok=True)


def verified_download(remote: RemoteFile) -> pathlib.Path | None:
    """The downloaded copy of ``remote`` when present and intact, else ``None``. Never touches the network.

    A copy that fails its check raises :class:`CacheError`: a corrupt file is never used silently.
    """
    dest = remote.path()
    if not dest.exists():
        return None
    recorded = read_sidecar(dest)
    if recorded is None:
        raise CacheError(f"{dest} has no checksum sidecar, so it may be a partial download; delete it and run "
                         f"`course data prefetch` again")
    if sha256_file(dest) != recorded or not remote.matches(dest):
        raise CacheError(f"{dest} fails its checksum (corrupt or truncated); delete it and run "
                         f"`course data prefetch` again on a machine with internet")
    return dest


# ---------------------------------------------------------------------------------------------
# The Keras cache


def keras_home() -> pathlib.Path:
    """Where Keras caches datasets, found the way Keras finds it but without importing it."""
    if "KERAS_HOME" in os.environ:
        return pathlib.Path(os.environ["KERAS_HOME"]).expanduser()
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return pathlib.Path(base) / ".keras"


def link_into_keras_cache(files: dict[str, pathlib.Path], subdir: str = "datasets") -> list[pathlib.Path]:
    """Link each source file into ``<keras home>/<subdir>/<name>`` so ``keras.datasets`` finds it offline.

    Existing regular files are left alone (Keras verifies what it can); broken links are
    replaced. Falls back to copying where links are not allowed. Returns the paths created.
    """
    made = []
    target_dir = keras_home() / subdir
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return made
    for name, source in files.items():
        target = target_dir / name
        if target.is_symlink() and not target.exists():
            target.unlink()
        if target.exists():
            continue
        try:
            target.symlink_to(pathlib.Path(source).resolve())
        except OSError:
            try:
                shutil.copyfile(source, target)
            except OSError:
                continue
        made.append(target)
    return made


# ---------------------------------------------------------------------------------------------
# Verification


@dataclasses.dataclass(frozen=True)
class FileStatus:
    path: pathlib.Path
    status: str  # 'ok', 'corrupt', 'partial', 'missing' (a sidecar without its file)
    detail: str = ""


def verify(root: os.PathLike | None = None) -> list[FileStatus]:
    """Check every file in ``downloads/`` and ``parsed/`` (or in ``root``, a cache folder) against its sidecar.

    Reports each file as ``ok``, ``corrupt`` (checksum mismatch; for a parsed ``.npz``, also one
    that matches its checksum but does not decode; or a folder where a cache file belongs),
    ``partial`` (no sidecar, or an interrupted download) or ``missing`` (a sidecar whose file is
    gone). Nothing is deleted here; the loaders rebuild what they find corrupt.
    """
    roots = [pathlib.Path(root)] if root is not None else [downloads_dir(), parsed_dir()]
    parsed = parsed_dir() if root is None else pathlib.Path(root) / "parsed"
    report = []
    entries = sorted(p for r in roots for p in r.rglob("*"))
    # A folder stands where a cache file belongs when it is directly in parsed/, or carries a
    # sidecar (or the sidecar's name); its contents are not cache files and are not reported.
    folders = [p for p in entries if p.is_dir() and not p.is_symlink() and
               (p.parent == parsed or p.name.endswith(SIDECAR) or
                sidecar_path(p).exists() or sidecar_path(p).is_symlink())]
    for folder in folders:
        what = "a checksum sidecar" if folder.name.endswith(SIDECAR) else "a cache file"
        report.append(FileStatus(folder, "corrupt", f"a folder where {what} belongs"))
    for path in entries:
        if any(f in path.parents for f in folders) or (path.is_dir() and not path.is_symlink()):
            continue
        name = path.name
        if name.endswith(SIDECAR):
            data_file = path.with_name(name[: -len(SIDECAR)])
            if not data_file.exists():
                report.append(FileStatus(data_file, "missing", "a checksum with no file"))
            continue
        if name.endswith((".part", ".tmp")):
            report.append(FileStatus(path, "partial", "an interrupted download or write"))
            continue
        if not path.is_file():
            report.append(FileStatus(path, "corrupt", "not a regular file (a broken link, a pipe or a device)"))
            continue
        expected = read_sidecar(path)
        if expected is None:
            report.append(FileStatus(path, "partial", "no checksum sidecar: written incompletely or by hand"))
            continue
        if expected == "":
            report.append(FileStatus(path, "corrupt", "its sidecar is unreadable"))
            continue
        data = path.read_bytes() if path.suffix == ".npz" and path.parent == parsed else None
        if (sha256_bytes(data) if data is not None else sha256_file(path)) != expected:
            report.append(FileStatus(path, "corrupt", "SHA-256 does not match its sidecar"))
            continue
        if data is not None:
            try:
                _parse_npz(data)
            except _UnreadableEntry as exc:
                report.append(FileStatus(path, "corrupt", f"SHA-256 matches its sidecar, but {exc}"))
                continue
        report.append(FileStatus(path, "ok", f"{path.stat().st_size:,} bytes"))
    return sorted(report, key=lambda status: str(status.path))
