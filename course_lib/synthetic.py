"""Seeded synthetic datasets, for lessons whose real data cannot ship offline.

Everything here is generated, never downloaded, and says so: the richer
generators return objects whose ``source`` starts with ``synthetic:``, and the
registry (:mod:`course_lib.data`) reports the same source when it serves them.
Every function takes a ``seed`` (default: the course seed) and gives the same
output for the same seed. The work is vectorised NumPy, so thousands of samples
take well under a second.

>>> from course_lib import synthetic
>>> X, y = synthetic.logic_gate("xor")
>>> X.tolist(), y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
>>> X, y = synthetic.moons(200, seed=0)
>>> X.shape, X.dtype.name, sorted(set(y.tolist()))
((200, 2), 'float32', [0, 1])
>>> scenes = synthetic.shape_scenes(4, size=32, seed=0)
>>> scenes.images.shape, scenes.source
((4, 32, 32, 3), 'synthetic:shapes')

Contents:

* 2-D toy sets: :func:`logic_gate`, :func:`moons`, :func:`circles`, :func:`spirals`.
* Shape scenes (image, class mask, instance mask, boxes, caption): :func:`shape_scenes`.
* Moving-shape clips with captions: :func:`shape_clips`.
* Templated named-entity sentences with IOB2 tags: :func:`ner_sentences`.
* Sequence-to-sequence toy tasks: :func:`date_pairs`, :func:`number_word_pairs`,
  :func:`reversal_pairs`, :func:`addition_pairs`.
* A time series with trend, seasonality and noise: :func:`seasonal_series`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import config
from ._validation import ArgumentValueError, ShapeError, check_int, check_number, check_selection, check_seed

# --------------------------------------------------------------------------------------
# Validation helpers (scikit-learn style: name the argument, what was expected, what came)


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(check_seed("seed", seed, default=config.seed()))


# --------------------------------------------------------------------------------------
# 2-D toy sets

LOGIC_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
}


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a two-input gate: ``X`` rows (0,0), (0,1), (1,0), (1,1) and outputs ``y``.

    Args:
        name: one of ``'and'``, ``'or'``, ``'nand'``, ``'nor'``, ``'xor'`` (any case).

    Returns:
        ``X`` float32 of shape (4, 2) and ``y`` int64 of shape (4,).
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in LOGIC_GATES:
        raise ArgumentValueError(f"name must be one of {tuple(LOGIC_GATES)}, got {name!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return X, np.array(LOGIC_GATES[key], dtype=np.int64)


def _two_class_counts(n: int) -> tuple[int, int]:
    n = check_int("n", n, 2)
    return n - n // 2, n // 2


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def moons(n: int, noise: float = 0.1, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, the classic non-linearly separable set.

    Returns ``X`` float32 (n, 2) and ``y`` int64 (n,) with classes 0 and 1 (sizes differ by at most 1).
    """
    n0, n1 = _two_class_counts(n)
    noise = check_number("noise", noise, 0.0)
    rng = _rng(seed)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    return _shuffled(X, np.repeat([0, 1], [n0, n1]), rng)


def circles(n: int, noise: float = 0.05, factor: float = 0.5,
            seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0); ``factor`` is the radius ratio, in (0, 1)."""
    n0, n1 = _two_class_counts(n)
    noise = check_number("noise", noise, 0.0)
    factor = check_number("factor", factor, 0.0, 1.0)
    if not 0 < factor < 1:
        raise ArgumentValueError(f"factor must be strictly between 0 and 1, got {factor!r}")
    rng = _rng(seed)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    return _shuffled(X, np.repeat([0, 1], [n0, n1]), rng)


def spirals(n: int, noise: float = 0.1, turns: float = 1.5,
            seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms (classes 0 and 1) making ``turns`` revolutions each, radius up to 1."""
    n0, n1 = _two_class_counts(n)
    noise = check_number("noise", noise, 0.0)
    turns = check_number("turns", turns, 0.0, 20.0)
    if turns == 0:
        raise ArgumentValueError(f"turns must be > 0, got {turns!r}")
    rng = _rng(seed)
    arms = []
    for count, phase in ((n0, 0.0), (n1, np.pi)):
        r = np.linspace(0.05, 1.0, count)
        angle = 2 * np.pi * turns * r + phase
        arms.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
    # Noise scales with the arm spacing so ``noise`` means the same at any number of turns.
    X = np.concatenate(arms) + rng.normal(scale=noise / (2 * turns), size=(n, 2))
    return _shuffled(X, np.repeat([0, 1], [n0, n1]), rng)


# --------------------------------------------------------------------------------------
# Shape scenes

SHAPES = ("circle", "square", "triangle", "diamond")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (50, 90, 235),
    "yellow": (235, 215, 40),
    "magenta": (205, 60, 205),
    "cyan": (40, 205, 215),
    "orange": (245, 140, 30),
    "white": (240, 240, 240),
}
DIRECTIONS = ("left", "right", "up", "down")


def _draw(kind: str, cy: np.ndarray, cx: np.ndarray, r: np.ndarray, size: int) -> np.ndarray:
    """Boolean masks (m, size, size) of one shape kind with centres (cy, cx) and radii r, in pixels."""
    grid = np.arange(size, dtype=np.float32)
    dy = grid[None, :, None] - cy[:, None, None].astype(np.float32)
    dx = grid[None, None, :] - cx[:, None, None].astype(np.float32)
    R = r[:, None, None].astype(np.float32)
    if kind == "circle":
        return dy * dy + dx * dx <= R * R
    if kind == "square":  # half-side 0.85 r so a square's area is close to a circle's
        return (np.abs(dy) <= 0.85 * R) & (np.abs(dx) <= 0.85 * R)
    if kind == "triangle":  # pointing up, apex at cy - r, base at cy + r of width 2r
        return (dy >= -R) & (dy <= R) & (2 * np.abs(dx) <= dy + R)
    if kind == "diamond":
        return np.abs(dx) + np.abs(dy) <= R
    raise ShapeError(f"shape must be one of {SHAPES}, got {kind!r}")


def _draw_many(kinds: np.ndarray, cy, cx, r, size: int, shape_names: tuple) -> np.ndarray:
    masks = np.zeros((len(kinds), size, size), dtype=bool)
    for index, name in enumerate(shape_names):
        rows = np.flatnonzero(kinds == index)
        if len(rows):
            masks[rows] = _draw(name, cy[rows], cx[rows], r[rows], size)
    return masks


@dataclasses.dataclass
class ShapeScenes:
    """Images of coloured shapes with everything a vision lesson needs as targets.

    Attributes:
        images: float32 (n, size, size, 3) in [0, 1].
        masks: uint8 (n, size, size) per-pixel class: 0 background, ``i + 1`` for ``shape_names[i]``.
        instances: uint8 (n, size, size): 0 background, ``k + 1`` for object slot ``k`` (drawing order).
        boxes: int32 (n, max_objects, 4) as (x0, y0, x1, y1) in pixels, x1 and y1 exclusive, so
            ``instances[i, y0:y1, x0:x1]`` holds every visible pixel of the object; -1 for empty slots.
        labels: int64 (n, max_objects) shape index per slot, -1 for empty slots.
        colours: int64 (n, max_objects) colour index per slot, -1 for empty slots.
        visible_fraction: float32 (n, max_objects) share of each object's area left visible
            after occlusion (at least ``min_visible`` for every object kept), 0 for empty slots.
        captions: one sentence per image naming the visible objects, in slot order, and how the
            first two are placed, e.g. ``'a red circle above a blue square'``.
        shape_names, colour_names: what the indices mean.
        source: ``'synthetic:shapes'``.
    """

    images: np.ndarray
    masks: np.ndarray
    instances: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    colours: np.ndarray
    visible_fraction: np.ndarray
    captions: list[str]
    shape_names: tuple[str, ...]
    colour_names: tuple[str, ...]
    source: str = "synthetic:shapes"

    def __len__(self) -> int:
        return len(self.images)


def relation(first_centre, second_centre) -> str:
    """Where the first object is relative to the second: 'above', 'below', 'to the left of' or 'to the right of'.

    Centres are (y, x) in image coordinates (y grows downwards). The larger of the vertical and
    horizontal offsets decides; a tie counts as vertical.
    """
    dy = float(second_centre[0]) - float(first_centre[0])
    dx = float(second_centre[1]) - float(first_centre[1])
    if abs(dy) >= abs(dx):
        return "above" if dy > 0 else "below"
    return "to the left of" if dx > 0 else "to the right of"


def _caption(phrases: list[str], rel: str | None) -> str:
    if not phrases:
        return "an empty scene"
    if len(phrases) == 1:
        return phrases[0]
    text = f"{phrases[0]} {rel} {phrases[1]}"
    if len(phrases) > 2:
        text += ", with " + " and ".join(phrases[2:])
    return text


def _noise_bank(rng, size: int, noise: float, dtype, count: int = 128) -> np.ndarray | None:
    """``count`` fields of uniform pixel noise; each image draws one. Drawing fresh noise for
    every pixel of every image would cost more than the drawing itself."""
    if noise <= 0:
        return None
    amplitude = int(round(noise * 255))
    bank = rng.integers(-amplitude, amplitude + 1, size=(count, size, size, 3), dtype=np.int16)
    return bank.astype(np.float32) / 255 if dtype == np.float32 else bank


def _scene_chunk(rng, m, size, n_min, n_max, shape_ids, colour_ids, min_r, max_r,
                 occlusion, min_visible, shape_names, colour_rgb):
    K = n_max
    counts = rng.integers(n_min, n_max + 1, size=m)
    enabled = np.arange(K)[None, :] < counts[:, None]
    kinds = rng.choice(shape_ids, size=(m, K))
    colours = rng.choice(colour_ids, size=(m, K))
    radius = rng.uniform(min_r, max_r, size=(m, K))
    if occlusion:
        cy = rng.uniform(radius, size - 1 - radius)
        cx = rng.uniform(radius, size - 1 - radius)
    else:
        # One object per cell of a g x g grid, each inside its own cell, so nothing overlaps.
        g = math.ceil(math.sqrt(K))
        cell = size / g
        radius = np.minimum(radius, cell / 2 - 1)
        slots = np.argsort(rng.random((m, g * g)), axis=1)[:, :K]
        row, col = slots // g, slots % g
        cy = row * cell + rng.uniform(radius, cell - 1 - radius)
        cx = col * cell + rng.uniform(radius, cell - 1 - radius)
    shapes = np.zeros((m, K, size, size), dtype=bool)
    for k in range(K):
        shapes[:, k] = _draw_many(kinds[:, k], cy[:, k], cx[:, k], radius[:, k], size, shape_names)
    # Walk from the top object down: an object hidden below `min_visible` of its area is dropped.
    covered = np.zeros((m, size, size), dtype=bool)
    keep = np.zeros((m, K), dtype=bool)
    fraction = np.zeros((m, K), dtype=np.float32)
    for k in range(K - 1, -1, -1):
        area = shapes[:, k].sum(axis=(1, 2))
        visible = (shapes[:, k] & ~covered).sum(axis=(1, 2))
        keep[:, k] = enabled[:, k] & (area > 0) & (visible >= np.maximum(1, min_visible * area))
        fraction[:, k] = np.where(keep[:, k], visible / np.maximum(area, 1), 0)
        covered |= shapes[:, k] & keep[:, k][:, None, None]
    instances = np.zeros((m, size, size), dtype=np.uint8)
    for k in range(K):
        instances[shapes[:, k] & keep[:, k][:, None, None]] = k + 1
    del shapes, covered
    # Look-up tables indexed by instance id: 0 is the background.
    # Row i of a table occupies entries i*(K+1) .. i*(K+1)+K of its flattened form.
    lookup = instances.astype(np.intp) + (np.arange(m, dtype=np.intp) * (K + 1))[:, None, None]
    class_table = np.zeros((m, K + 1), dtype=np.uint8)
    class_table[:, 1:] = np.where(keep, kinds + 1, 0)
    masks = class_table.reshape(-1)[lookup]
    rgb_table = np.empty((m, K + 1, 3), dtype=np.int16)
    rgb_table[:, 0] = rng.integers(0, 60, size=(m, 1))  # a dark grey background, level varies per image
    rgb_table[:, 1:] = colour_rgb[colours]
    images = rgb_table.astype(np.uint8).reshape(-1, 3)[lookup]
    # Tight boxes and centroids of each object's visible pixels.
    boxes = np.full((m, K, 4), -1, dtype=np.int32)
    centres = np.full((m, K, 2), np.nan)
    grid = np.arange(size)
    for k in range(K):
        visible = instances == k + 1
        rows, cols = visible.any(axis=2), visible.any(axis=1)
        present = keep[:, k]
        y0, y1 = rows.argmax(axis=1), size - rows[:, ::-1].argmax(axis=1)
        x0, x1 = cols.argmax(axis=1), size - cols[:, ::-1].argmax(axis=1)
        boxes[present, k] = np.stack([x0, y0, x1, y1], axis=1)[present]
        count = np.maximum(visible.sum(axis=(1, 2)), 1)
        centres[:, k, 0] = (visible.sum(axis=2) * grid).sum(axis=1) / count
        centres[:, k, 1] = (visible.sum(axis=1) * grid).sum(axis=1) / count
    labels = np.where(keep, kinds, -1).astype(np.int64)
    colour_out = np.where(keep, colours, -1).astype(np.int64)
    return images, masks, instances, boxes, labels, colour_out, fraction, centres


def shape_scenes(n: int, *, size: int = 64, min_objects: int = 1, max_objects: int = 3,
                 shapes=("circle", "square", "triangle"), colours=("red", "green", "blue", "yellow"),
                 min_scale: float = 0.08, max_scale: float = 0.2, occlusion: bool = True,
                 min_visible: float = 0.3, noise: float = 0.04, seed: int | None = None) -> ShapeScenes:
    """Images of coloured shapes on a dark background, with class masks, boxes and captions.

    Objects are drawn in slot order, so later ones may hide parts of earlier ones. An object
    left with less than ``min_visible`` of its area showing is dropped from the image and from
    every target, so boxes, masks and captions always describe what is actually visible.

    Args:
        n: number of scenes.
        size: image side in pixels (at least 16).
        min_objects, max_objects: how many objects each scene draws (before occlusion drops any).
        shapes: names from :data:`SHAPES`.
        colours: names from :data:`COLOURS`.
        min_scale, max_scale: object radius as a fraction of ``size``.
        occlusion: allow objects to overlap; ``False`` places each in its own grid cell.
        min_visible: fraction of an object's area that must stay visible, in [0, 1].
        noise: amplitude of uniform pixel noise, as a fraction of full scale.
        seed: the seed (default: the course seed).
    """
    n = check_int("n", n)
    size = check_int("size", size, 16)
    max_objects = check_int("max_objects", max_objects)
    min_objects = check_int("min_objects", min_objects)
    if min_objects > max_objects:
        raise ArgumentValueError(f"min_objects must be <= max_objects ({max_objects}), got {min_objects!r}")
    if max_objects > 9:
        raise ShapeError(f"max_objects must be at most 9, got {max_objects!r}")
    shape_names = check_selection("shapes", shapes, SHAPES)
    colour_names = check_selection("colours", colours, tuple(COLOURS))
    min_scale = check_number("min_scale", min_scale, 0.02, 0.45)
    max_scale = check_number("max_scale", max_scale, 0.02, 0.45)
    if min_scale > max_scale:
        raise ArgumentValueError(f"min_scale must be <= max_scale ({max_scale}), got {min_scale!r}")
    min_visible = check_number("min_visible", min_visible, 0.0, 1.0)
    noise = check_number("noise", noise, 0.0, 0.5)
    rng = _rng(seed)
    colour_rgb = np.array([COLOURS[c] for c in colour_names], dtype=np.int16)
    min_r, max_r = max(2.0, min_scale * size), max(2.0, max_scale * size)
    K = max_objects
    images = np.empty((n, size, size, 3), dtype=np.float32)
    masks = np.empty((n, size, size), dtype=np.uint8)
    instances = np.empty((n, size, size), dtype=np.uint8)
    boxes = np.empty((n, K, 4), dtype=np.int32)
    labels = np.empty((n, K), dtype=np.int64)
    colour_idx = np.empty((n, K), dtype=np.int64)
    fraction = np.empty((n, K), dtype=np.float32)
    centres = np.empty((n, K, 2))
    bank = _noise_bank(rng, size, noise, np.float32)
    chunk = max(1, 2 ** 20 // (size * size * K))  # bounded working memory whatever n is
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        parts = _scene_chunk(rng, stop - start, size, min_objects, K, np.arange(len(shape_names)),
                             np.arange(len(colour_names)), min_r, max_r, occlusion, min_visible,
                             shape_names, colour_rgb)
        out = images[start:stop]
        np.multiply(parts[0], np.float32(1 / 255), out=out)
        if bank is not None:
            out += bank[rng.integers(0, len(bank), size=stop - start)]
            np.clip(out, 0.0, 1.0, out=out)
        for target, part in zip((masks, instances, boxes, labels, colour_idx, fraction, centres), parts[1:]):
            target[start:stop] = part
    captions = []
    for i in range(n):
        slots = np.flatnonzero(labels[i] >= 0)
        phrases = [f"a {colour_names[colour_idx[i, k]]} {shape_names[labels[i, k]]}" for k in slots]
        rel = relation(centres[i, slots[0]], centres[i, slots[1]]) if len(slots) > 1 else None
        captions.append(_caption(phrases, rel))
    return ShapeScenes(images, masks, instances, boxes, labels, colour_idx, fraction, captions, shape_names,
                       colour_names)


# --------------------------------------------------------------------------------------
# Moving-shape clips


@dataclasses.dataclass
class ShapeClips:
    """Short clips of one shape moving in a straight line, with captions.

    Attributes:
        videos: uint8 (n, frames, size, size, 3), like decoded video.
        directions: int64 (n,) index into ``direction_names``; the natural classification target.
        labels: int64 (n,) shape index of the moving object.
        colours: int64 (n,) colour index of the moving object.
        captions: e.g. ``'the green square moves left'``.
        positions: float32 (n, frames, 2) centre (y, x) of the moving object in each frame.
        source: ``'synthetic:clips'``.
    """

    videos: np.ndarray
    directions: np.ndarray
    labels: np.ndarray
    colours: np.ndarray
    captions: list[str]
    positions: np.ndarray
    shape_names: tuple[str, ...]
    colour_names: tuple[str, ...]
    direction_names: tuple[str, ...] = DIRECTIONS
    source: str = "synthetic:clips"

    def __len__(self) -> int:
        return len(self.videos)


def shape_clips(n: int, *, frames: int = 16, size: int = 32, speed: float = 1.0, distractors: int = 0,
                shapes=("circle", "square", "triangle"), colours=("red", "green", "blue", "yellow"),
                noise: float = 0.04, seed: int | None = None) -> ShapeClips:
    """Clips of a shape moving left, right, up or down at ``speed`` pixels per frame.

    ``distractors`` static shapes in other colours sit behind the moving one, so a model must
    track motion rather than spot a colour. The moving object stays wholly inside the frame.
    """
    n = check_int("n", n)
    frames = check_int("frames", frames, 2)
    size = check_int("size", size, 16)
    speed = check_number("speed", speed, 0.0, float(size))
    distractors = check_int("distractors", distractors, 0)
    shape_names = check_selection("shapes", shapes, SHAPES)
    colour_names = check_selection("colours", colours, tuple(COLOURS))
    if distractors and len(colour_names) < 2:
        raise ArgumentValueError(f"colours must name at least 2 colours when distractors > 0, got {colour_names!r}")
    noise = check_number("noise", noise, 0.0, 0.5)
    radius_max = size * 0.15
    travel = speed * (frames - 1)
    if travel > size - 2 * radius_max - 4:
        raise ArgumentValueError(f"speed must be at most {(size - 2 * radius_max - 4) / (frames - 1):.2f} pixels per frame "
                         f"for {frames} frames of size {size}, got {speed!r}")
    rng = _rng(seed)
    colour_rgb = np.array([COLOURS[c] for c in colour_names], dtype=np.int16)
    direction = rng.integers(0, 4, size=n)
    kind = rng.integers(0, len(shape_names), size=n)
    colour = rng.integers(0, len(colour_names), size=n)
    r = rng.uniform(size * 0.08, radius_max, size=n)
    step = np.array([[0, -1], [0, 1], [-1, 0], [1, 0]], dtype=np.float64)[direction] * speed  # (dy, dx)
    # Start far enough from the edge it moves towards that the whole path stays in frame.
    low = r + 1 + np.maximum(0, -step * (frames - 1)).T
    high = size - 2 - r - np.maximum(0, step * (frames - 1)).T
    start = rng.uniform(low, high).T
    background = rng.integers(0, 60, size=n).astype(np.int16)
    base = np.broadcast_to(background[:, None, None, None], (n, size, size, 3)).copy()
    for _ in range(distractors):
        d_kind = rng.integers(0, len(shape_names), size=n)
        # Any colour but the mover's: shift by 1..len-1 around the palette.
        d_colour = (colour + rng.integers(1, len(colour_names), size=n)) % len(colour_names)
        d_r = rng.uniform(size * 0.08, radius_max, size=n)
        d_mask = _draw_many(d_kind, rng.uniform(d_r, size - 1 - d_r), rng.uniform(d_r, size - 1 - d_r), d_r, size,
                            shape_names)
        base = np.where(d_mask[..., None], colour_rgb[d_colour][:, None, None, :], base)
    videos = np.empty((n, frames, size, size, 3), dtype=np.uint8)
    positions = np.empty((n, frames, 2), dtype=np.float32)
    mover_rgb = colour_rgb[colour][:, None, None, :]
    bank = _noise_bank(rng, size, noise, np.int16)
    for t in range(frames):
        centre = start + step * t
        positions[:, t] = centre
        mask = _draw_many(kind, centre[:, 0], centre[:, 1], r, size, shape_names)
        frame = np.where(mask[..., None], mover_rgb, base)
        if bank is not None:
            frame += bank[rng.integers(0, len(bank), size=n)]
        videos[:, t] = np.clip(frame, 0, 255)
    captions = [f"the {colour_names[c]} {shape_names[k]} moves {DIRECTIONS[d]}"
                for c, k, d in zip(colour, kind, direction)]
    return ShapeClips(videos, direction.astype(np.int64), kind.astype(np.int64), colour.astype(np.int64), captions,
                      positions, shape_names, colour_names)


# --------------------------------------------------------------------------------------
# Named-entity sentences

ENTITY_TYPES = ("PER", "ORG", "LOC", "DATE", "MONEY")

# Disjoint name pools: "train" names never appear in "heldout" sentences, so a tagger's score
# on held-out sentences measures whether it learned context rather than memorised names.
_PEOPLE = {
    "train": ["Anna Schmidt", "Kwame Mensah", "Li Wei", "Maria Garcia", "John Carter", "Priya Nair",
              "Olga Ivanova", "Tom Baker", "Fatima Zahra", "Kenji Sato", "Sarah Cohen", "Diego Torres",
              "Emma Laurent", "Ahmed Hassan", "Grace Okafor", "Lucas Silva"],
    "heldout": ["Ingrid Berg", "Ravi Kumar", "Chen Jing", "Ana Pereira", "Samuel Adeyemi", "Nora Fischer",
                "Hiro Tanaka", "Leila Karimi", "Marco Rossi", "Zoe Martin"],
}
_ORGS = {
    "train": ["Acme Corp", "Northwind Bank", "Globex", "Blue Harbor Shipping", "Initech", "Red Valley Energy",
              "Orion Labs", "the Civic Theatre Trust", "Summit Foods", "Pinecrest University"],
    "heldout": ["Vertex Analytics", "Silver Lake Motors", "Halcyon Media", "the Harbour Fund", "Nimbus Air",
                "Crescent Pharma"],
}
_PLACES = {
    "train": ["Lagos", "Berlin", "Buenos Aires", "Osaka", "Toronto", "New Zealand", "Kenya", "Lyon", "Chile",
              "San Diego", "Norway", "Cairo"],
    "heldout": ["Accra", "Vienna", "Lima", "Busan", "Quebec", "Portugal", "Nepal", "Santa Fe"],
}
# The same word, two readings: context decides. Used in both splits on purpose.
_AMBIGUOUS = {"PER": ["Washington", "Jordan", "Chelsea", "Ford"], "LOC": ["Washington", "Jordan", "Chelsea"],
              "ORG": ["Ford"]}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TEMPLATES = (
    "{PER} joined {ORG} in {DATE} .",
    "{PER} moved from {LOC} to {LOC} .",
    "{ORG} paid {MONEY} for a plant in {LOC} .",
    "On {DATE} , {PER} met the board of {ORG} .",
    "{ORG} opened an office in {LOC} on {DATE} .",
    "According to {PER} , {ORG} lost {MONEY} last year .",
    "The mayor of {LOC} thanked {PER} .",
    "{PER} will speak in {LOC} on {DATE} .",
    "Shares of {ORG} fell after {PER} resigned .",
    "{ORG} raised {MONEY} from investors in {LOC} .",
    "{PER} sold the house for {MONEY} .",
    "We flew to {LOC} with {PER} on {DATE} .",
)
# Templates whose context words (titles, prepositions) settle an ambiguous name.
_AMBIGUOUS_TEMPLATES = {
    "PER": ("Mr {PER} told reporters that {ORG} would grow .", "President {PER} visited {LOC} on {DATE} .",
            "Coach {PER} left {ORG} in {DATE} ."),
    "LOC": ("Heavy rain hit {LOC} on {DATE} .", "{ORG} moved its headquarters to {LOC} .",
            "{PER} was born in {LOC} ."),
    "ORG": ("{ORG} recalled its trucks on {DATE} .", "Shares of {ORG} rose after the launch in {LOC} ."),
}


@dataclasses.dataclass
class NerSentences:
    """Tokenised sentences with IOB2 tags.

    Attributes:
        tokens: one list of tokens per sentence.
        tags: one list of tags per sentence, the same length: ``'O'``, ``'B-TYPE'`` or ``'I-TYPE'``.
        entities: per sentence, ``(type, start, end)`` spans over token positions, ``end`` exclusive.
        names: ``'train'`` or ``'heldout'``: which pool of names filled the slots.
        source: ``'synthetic:ner'``.
    """

    tokens: list[list[str]]
    tags: list[list[str]]
    entities: list[list[tuple[str, int, int]]]
    names: str
    entity_types: tuple[str, ...] = ENTITY_TYPES
    source: str = "synthetic:ner"

    def __len__(self) -> int:
        return len(self.tokens)


def _date(rng) -> str:
    form = rng.integers(0, 4)
    month, year = _MONTHS[rng.integers(0, 12)], int(rng.integers(1990, 2031))
    if form == 0:
        return f"{int(rng.integers(1, 29))} {month} {year}"
    if form == 1:
        return f"{month} {year}"
    if form == 2:
        return _WEEKDAYS[rng.integers(0, 7)]
    return str(year)


def _money(rng) -> str:
    amount = int(rng.integers(2, 999))
    form = rng.integers(0, 4)
    if form == 0:
        return f"${amount}"
    if form == 1:
        return f"${amount / 10:.1f} million"
    if form == 2:
        return f"{amount} euros"
    return f"£{amount},000"


def _fill(template: str, rng, pools: dict, forced: tuple[str, str] | None):
    tokens, tags, spans = [], [], []
    for piece in template.split():
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            if forced and forced[0] == kind:
                text, forced = forced[1], None
            elif kind == "DATE":
                text = _date(rng)
            elif kind == "MONEY":
                text = _money(rng)
            else:
                options = pools[kind]
                text = options[rng.integers(0, len(options))]
            words = text.split()
            # A leading lower-case "the" is not part of the name (CoNLL convention).
            if words[0] == "the":
                tokens.append("the")
                tags.append("O")
                words = words[1:]
            start = len(tokens)
            tokens.extend(words)
            tags.extend([f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1))
            spans.append((kind, start, len(tokens)))
        else:
            tokens.append(piece)
            tags.append("O")
    return tokens, tags, spans


def ner_sentences(n: int, *, names: str = "train", ambiguous_fraction: float = 0.25,
                  seed: int | None = None) -> NerSentences:
    """Sentences from templates, with PER, ORG, LOC, DATE and MONEY entities tagged in IOB2.

    Args:
        n: number of sentences.
        names: ``'train'`` or ``'heldout'``; the two pools of people, organisations and places
            are disjoint, so held-out sentences contain names a model has never seen.
        ambiguous_fraction: share of sentences built around a word with two readings
            ("Washington" the person or the place, "Ford" the person or the company), where
            only the context tells which.
        seed: the seed (default: the course seed).
    """
    n = check_int("n", n)
    if names not in ("train", "heldout"):
        raise ArgumentValueError(f"names must be 'train' or 'heldout', got {names!r}")
    ambiguous_fraction = check_number("ambiguous_fraction", ambiguous_fraction, 0.0, 1.0)
    rng = _rng(seed)
    pools = {"PER": _PEOPLE[names], "ORG": _ORGS[names], "LOC": _PLACES[names]}
    out_tokens, out_tags, out_spans = [], [], []
    ambiguous = rng.random(n) < ambiguous_fraction
    kinds = list(_AMBIGUOUS_TEMPLATES)
    for is_ambiguous in ambiguous:
        if is_ambiguous:
            kind = kinds[rng.integers(0, len(kinds))]
            templates = _AMBIGUOUS_TEMPLATES[kind]
            template = templates[rng.integers(0, len(templates))]
            word = _AMBIGUOUS[kind][rng.integers(0, len(_AMBIGUOUS[kind]))]
            tokens, tags, spans = _fill(template, rng, pools, (kind, word))
        else:
            tokens, tags, spans = _fill(_TEMPLATES[rng.integers(0, len(_TEMPLATES))], rng, pools, None)
        out_tokens.append(tokens)
        out_tags.append(tags)
        out_spans.append(spans)
    return NerSentences(out_tokens, out_tags, out_spans, names)


# --------------------------------------------------------------------------------------
# Sequence-to-sequence toy tasks (input string -> target string)

_MONTH_ABBR = tuple(m[:3] for m in _MONTHS)


def date_pairs(n: int, *, seed: int | None = None) -> tuple[list[str], list[str]]:
    """Dates written in varied human formats, each paired with its ISO form, e.g. ``'Mar 3, 2021' -> '2021-03-03'``.

    Dates range over 1950-2049. Inputs use unambiguous formats (the month is a word or the
    order is day.month.year), so the mapping is a function.
    """
    n = check_int("n", n)
    rng = _rng(seed)
    start, stop = np.datetime64("1950-01-01"), np.datetime64("2050-01-01")
    days = start + rng.integers(0, int((stop - start).astype(int)), size=n).astype("timedelta64[D]")
    iso = days.astype(str)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    forms = rng.integers(0, 6, size=n)
    inputs = []
    for y, m, d, w, form in zip(years, months, dom, weekday, forms):
        if form == 0:
            inputs.append(f"{d} {_MONTHS[m]} {y}")
        elif form == 1:
            inputs.append(f"{_MONTH_ABBR[m]} {d}, {y}")
        elif form == 2:
            inputs.append(f"{_WEEKDAYS[w]}, {_MONTHS[m]} {d}, {y}")
        elif form == 3:
            inputs.append(f"{d:02d}.{m + 1:02d}.{y}")
        elif form == 4:
            inputs.append(f"{d} {_MONTH_ABBR[m].lower()} {y}")
        else:
            inputs.append(f"{_MONTHS[m].upper()} {d} {y}")
    return inputs, iso.tolist()


_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _below_thousand(k: int) -> list[str]:
    words = []
    if k >= 100:
        words += [_ONES[k // 100], "hundred"]
        k %= 100
    if k >= 20:
        words.append(_TENS[k // 10] + (f"-{_ONES[k % 10]}" if k % 10 else ""))
    elif k or not words:
        words.append(_ONES[k])
    return words


def number_to_words(value: int) -> str:
    """English words for a whole number from 0 to 999,999,999, e.g. ``1234 -> 'one thousand two hundred thirty-four'``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 1_000_000_000:
        raise ArgumentValueError(f"value must be an int in [0, 999999999], got {value!r}")
    value = int(value)
    if value == 0:
        return "zero"
    words = []
    for scale, name in ((1_000_000, "million"), (1_000, "thousand"), (1, "")):
        part = value // scale % 1000
        if part:
            words += _below_thousand(part) + ([name] if name else [])
    return " ".join(words)


def number_word_pairs(n: int, *, max_value: int = 999_999, seed: int | None = None) -> tuple[list[str], list[str]]:
    """Numbers in digits paired with their English words, e.g. ``'1234' -> 'one thousand two hundred thirty-four'``.

    Values are drawn log-uniformly up to ``max_value`` so short and long numbers are both common.
    """
    n = check_int("n", n)
    max_value = check_int("max_value", max_value)
    if max_value >= 1_000_000_000:
        raise ArgumentValueError(f"max_value must be below 1,000,000,000, got {max_value!r}")
    rng = _rng(seed)
    values = np.floor(np.exp(rng.uniform(0, np.log(max_value + 1), size=n))).astype(np.int64) - 1
    values = np.clip(values, 0, max_value)
    return [str(v) for v in values], [number_to_words(int(v)) for v in values]


def reversal_pairs(n: int, *, min_length: int = 3, max_length: int = 12, alphabet: str = "abcdefghijklmnopqrstuvwxyz",
                   seed: int | None = None) -> tuple[list[str], list[str]]:
    """Random strings paired with themselves reversed, e.g. ``'abcde' -> 'edcba'``."""
    n = check_int("n", n)
    min_length = check_int("min_length", min_length)
    max_length = check_int("max_length", max_length)
    if min_length > max_length:
        raise ArgumentValueError(f"min_length must be <= max_length ({max_length}), got {min_length!r}")
    if not isinstance(alphabet, str) or len(set(alphabet)) < 2:
        raise ArgumentValueError(f"alphabet must be a string of at least 2 distinct characters, got {alphabet!r}")
    rng = _rng(seed)
    letters = np.array(list(alphabet))
    lengths = rng.integers(min_length, max_length + 1, size=n)
    chars = letters[rng.integers(0, len(letters), size=(n, max_length))]
    inputs = ["".join(row[:length]) for row, length in zip(chars, lengths)]
    return inputs, [s[::-1] for s in inputs]


def addition_pairs(n: int, *, digits: int = 3, seed: int | None = None) -> tuple[list[str], list[str]]:
    """Sums written as text and their results, e.g. ``'123+45' -> '168'``; operands have up to ``digits`` digits."""
    n = check_int("n", n)
    digits = check_int("digits", digits)
    if digits > 9:
        raise ArgumentValueError(f"digits must be at most 9, got {digits!r}")
    rng = _rng(seed)
    # Draw the operand length first so 1-digit and n-digit numbers are equally common.
    lengths = rng.integers(1, digits + 1, size=(n, 2))
    a = rng.integers(0, 10 ** lengths[:, 0])
    b = rng.integers(0, 10 ** lengths[:, 1])
    return [f"{x}+{y}" for x, y in zip(a, b)], [str(x + y) for x, y in zip(a, b)]


# --------------------------------------------------------------------------------------
# Time series


@dataclasses.dataclass
class SeasonalSeries:
    """A series and the parts it was made of: ``values = level + trend + seasonal + noise``.

    All arrays are float32 of shape (n,); ``time`` counts steps from 0.
    """

    time: np.ndarray
    values: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray
    noise: np.ndarray
    period: int
    source: str = "synthetic:series"

    def __len__(self) -> int:
        return len(self.values)


def seasonal_series(n: int, *, period: int = 24, amplitude: float = 1.0, trend: float = 0.01, level: float = 0.0,
                    noise: float = 0.2, seed: int | None = None) -> SeasonalSeries:
    """A series with a linear trend, a seasonal cycle of ``period`` steps and Gaussian noise.

    The seasonal part is a sine plus a smaller second harmonic, so it is not a pure sinusoid.
    """
    n = check_int("n", n, 2)
    period = check_int("period", period, 2)
    amplitude = check_number("amplitude", amplitude, 0.0)
    noise = check_number("noise", noise, 0.0)
    trend = float(trend)
    rng = _rng(seed)
    t = np.arange(n, dtype=np.float64)
    phase = 2 * np.pi * t / period
    seasonal = amplitude * (np.sin(phase) + 0.3 * np.sin(2 * phase + 0.8))
    slope = trend * t
    eps = rng.normal(scale=noise, size=n)
    values = level + slope + seasonal + eps
    f32 = np.float32
    return SeasonalSeries(t.astype(f32), values.astype(f32), slope.astype(f32), seasonal.astype(f32),
                          eps.astype(f32), period)
