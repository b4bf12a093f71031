"""Small pieces that several source modules need."""

from __future__ import annotations

import numpy as np

# Bump when a parsed-cache layout changes, so stale entries are rebuilt rather than misread.
CACHE_VERSION = 1


def current(meta: dict) -> bool:
    """Whether a parsed-cache entry was written with the present layout."""
    return meta.get("version") == CACHE_VERSION


def as_images(x: np.ndarray) -> np.ndarray:
    """uint8 pixels as float32 in [0, 1]."""
    return np.multiply(x, np.float32(1 / 255), dtype=np.float32)
