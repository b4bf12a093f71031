"""Photos and faces shipped with scikit-image and scikit-learn.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..cache import cached
from ..registry import Dataset, Entry, package_dir, register, unavailable
from ..splits import stratified_split


# ---------------------------------------------------------------------------------------------
from ._shared import CACHE_VERSION, current, as_images
from ..._validation import ArgumentValueError
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
        raise ArgumentValueError(f"names must be a non-empty selection from {sorted(PHOTOS)}, got {names!r}")
    missing = [n for n in PHOTOS if _photo_path(PHOTOS[n]) is None]
    if missing:
        raise unavailable("photos", f"the files for {missing} are missing")
    stored, _, hit = cached("photos", lambda: ({n: _read_photo(n) for n in PHOTOS}, {"version": CACHE_VERSION}),
                            meta_check=current)
    images = [stored[n].astype(np.float32) if stored[n].dtype == bool else as_images(stored[n]) for n in names]
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
