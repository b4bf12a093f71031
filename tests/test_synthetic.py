"""Synthetic generators: exact shapes and dtypes, determinism, and targets that match what was drawn."""

import datetime
import re

import numpy as np
import pytest

from course_lib import synthetic

# --------------------------------------------------------------------------------------- 2-D toys


@pytest.mark.parametrize("name, outputs", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("nand", [1, 1, 1, 0]),
                                           ("nor", [1, 0, 0, 0]), ("xor", [0, 1, 1, 0]), ("XOR", [0, 1, 1, 0])])
def test_logic_gates_are_truth_tables(name, outputs):
    X, y = synthetic.logic_gate(name)
    assert X.dtype == np.float32 and X.shape == (4, 2)
    assert y.dtype == np.int64 and y.shape == (4,)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == outputs


def test_logic_gate_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"name must be one of .*'xor'.*got 'xnor'"):
        synthetic.logic_gate("xnor")


@pytest.mark.parametrize("make", [synthetic.moons, synthetic.circles, synthetic.spirals])
def test_toy_sets_shape_balance_and_determinism(make):
    X, y = make(301, seed=3)
    assert X.shape == (301, 2) and X.dtype == np.float32
    assert y.shape == (301,) and y.dtype == np.int64
    assert sorted(np.bincount(y).tolist()) == [150, 151]
    X2, y2 = make(301, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(301, seed=4)
    assert not np.array_equal(X, X3)
    # Shuffled: the classes are not in two sorted blocks.
    assert 0 < np.flatnonzero(y == 1)[0] < 50


def test_circles_geometry_without_noise():
    X, y = synthetic.circles(200, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-5)


def test_spirals_turns_and_moons_layout():
    X, y = synthetic.spirals(400, noise=0.0, turns=2.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0 + 1e-6
    # The two arms are point reflections of each other (phase pi).
    a, b = X[y == 0], X[y == 1]
    a, b = a[np.argsort(np.hypot(*a.T))], b[np.argsort(np.hypot(*b.T))]
    np.testing.assert_allclose(a, -b, atol=1e-5)
    X, y = synthetic.moons(100, noise=0.0, seed=0)
    assert X[y == 0, 1].min() >= -1e-6 and X[y == 1, 1].max() <= 0.5 + 1e-6


@pytest.mark.parametrize("call, message", [
    (lambda: synthetic.moons(1), r"n must be an int >= 2, got 1"),
    (lambda: synthetic.circles(10, factor=1.5), r"factor must be .*got 1.5"),
    (lambda: synthetic.spirals(10, noise=-1), r"noise must be a non-negative number, got -1"),
    (lambda: synthetic.moons(10, seed=-2), r"seed must be a non-negative int or None, got -2"),
])
def test_toy_sets_validate_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------------------- scenes

PHRASE = re.compile(r"an? (\w+) (\w+)")


def _centroid(mask):
    ys, xs = np.nonzero(mask)
    return ys.mean(), xs.mean()


@pytest.fixture(scope="module")
def scenes():
    return synthetic.shape_scenes(300, size=48, max_objects=4, shapes=synthetic.SHAPES,
                                  colours=("red", "green", "blue", "yellow", "white"), seed=11)


def test_scene_arrays_have_documented_shapes(scenes):
    n, size, K = 300, 48, 4
    assert scenes.images.shape == (n, size, size, 3) and scenes.images.dtype == np.float32
    assert 0.0 <= scenes.images.min() and scenes.images.max() <= 1.0
    assert scenes.masks.shape == scenes.instances.shape == (n, size, size)
    assert scenes.boxes.shape == (n, K, 4) and scenes.labels.shape == scenes.colours.shape == (n, K)
    assert len(scenes.captions) == n and scenes.source == "synthetic:shapes"
    # Occlusion really happens in this configuration, and some objects were hidden enough to drop.
    assert (scenes.labels == -1).any()


def test_scene_boxes_tightly_contain_each_visible_object(scenes):
    checked = 0
    for i in range(len(scenes)):
        for k in range(scenes.labels.shape[1]):
            visible = scenes.instances[i] == k + 1
            if scenes.labels[i, k] < 0:
                assert not visible.any() and (scenes.boxes[i, k] == -1).all()
                continue
            x0, y0, x1, y1 = scenes.boxes[i, k]
            assert visible.any()
            inside = np.zeros_like(visible)
            inside[y0:y1, x0:x1] = True
            assert not (visible & ~inside).any(), f"scene {i} object {k}: pixels outside its box"
            # Tight: every edge row and column of the box holds a visible pixel of the object.
            assert visible[y0, x0:x1].any() and visible[y1 - 1, x0:x1].any()
            assert visible[y0:y1, x0].any() and visible[y0:y1, x1 - 1].any()
            checked += 1
    assert checked > 300


def test_scene_masks_and_pixels_match_the_objects(scenes):
    for i in range(0, len(scenes), 7):
        expected = np.zeros_like(scenes.masks[i])
        for k in np.flatnonzero(scenes.labels[i] >= 0):
            visible = scenes.instances[i] == k + 1
            expected[visible] = scenes.labels[i, k] + 1
            # The object's pixels carry its colour (up to the pixel noise).
            rgb = np.array(synthetic.COLOURS[scenes.colour_names[scenes.colours[i, k]]]) / 255
            assert np.abs(scenes.images[i][visible] - rgb).max() <= 0.04 + 1e-6
        np.testing.assert_array_equal(scenes.masks[i], expected)


def test_scene_captions_name_the_visible_objects_and_their_relation(scenes):
    for i in range(len(scenes)):
        caption = scenes.captions[i]
        slots = np.flatnonzero(scenes.labels[i] >= 0)
        drawn = [(scenes.colour_names[scenes.colours[i, k]], scenes.shape_names[scenes.labels[i, k]]) for k in slots]
        assert PHRASE.findall(caption) == drawn, caption
        if len(slots) >= 2:
            (ay, ax), (by, bx) = (_centroid(scenes.instances[i] == k + 1) for k in slots[:2])
            said = re.match(r"an? \w+ \w+ (above|below|to the left of|to the right of) an? ", caption).group(1)
            dy, dx = by - ay, bx - ax
            if said in ("above", "below"):
                assert abs(dy) >= abs(dx) and (dy > 0) == (said == "above"), (caption, dy, dx)
            else:
                assert abs(dx) > abs(dy) and (dx > 0) == (said == "to the left of"), (caption, dy, dx)


def test_hidden_objects_are_dropped_below_min_visible():
    for min_visible in (0.3, 0.9):
        s = synthetic.shape_scenes(300, size=40, min_objects=3, max_objects=3, max_scale=0.3,
                                   min_visible=min_visible, seed=1)
        kept = s.labels >= 0
        assert (s.visible_fraction[kept] >= min_visible).all()
        assert (s.visible_fraction[~kept] == 0).all()
        assert (~kept).sum() > 10  # the configuration does hide objects
        topmost = s.visible_fraction[:, -1]
        np.testing.assert_array_equal(topmost, 1.0)  # nothing covers the last object drawn


def test_relation_rule_on_known_points():
    assert synthetic.relation((5, 10), (20, 12)) == "above"
    assert synthetic.relation((20, 10), (5, 12)) == "below"
    assert synthetic.relation((10, 2), (12, 30)) == "to the left of"
    assert synthetic.relation((10, 30), (12, 2)) == "to the right of"


def test_scenes_without_occlusion_keep_every_object_apart():
    s = synthetic.shape_scenes(200, size=40, min_objects=4, max_objects=4, occlusion=False, seed=2)
    assert (s.labels >= 0).all()  # none hidden, none dropped
    boxes = s.boxes
    for i in range(len(s)):
        for a in range(4):
            for b in range(a + 1, 4):
                ax0, ay0, ax1, ay1 = boxes[i, a]
                bx0, by0, bx1, by1 = boxes[i, b]
                assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0


def test_scenes_are_deterministic_per_seed_and_configurable():
    a = synthetic.shape_scenes(20, size=32, seed=5)
    b = synthetic.shape_scenes(20, size=32, seed=5)
    c = synthetic.shape_scenes(20, size=32, seed=6)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.captions == b.captions
    assert not np.array_equal(a.images, c.images)
    one = synthetic.shape_scenes(10, size=32, min_objects=1, max_objects=1, shapes=("circle",), colours=("red",),
                                 seed=0)
    assert one.captions == ["a red circle"] * 10


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 8}, r"size must be an int >= 16, got 8"),
    ({"shapes": ("hexagon",)}, r"shapes must be a non-empty selection from .*got \('hexagon',\)"),
    ({"colours": ("mauve",)}, r"colours must be .*got \('mauve',\)"),
    ({"min_objects": 3, "max_objects": 2}, r"min_objects must be <= max_objects \(2\), got 3"),
    ({"min_visible": 1.5}, r"min_visible must be a number in \[0, 1\], got 1.5"),
])
def test_scene_arguments_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        synthetic.shape_scenes(2, **kwargs)


# --------------------------------------------------------------------------------------- clips


def test_clip_captions_match_the_motion_in_the_pixels():
    clips = synthetic.shape_clips(60, frames=10, size=32, speed=1.5, distractors=1, seed=4)
    assert clips.videos.shape == (60, 10, 32, 32, 3) and clips.videos.dtype == np.uint8
    assert clips.source == "synthetic:clips"
    for i in range(len(clips)):
        colour = clips.colour_names[clips.colours[i]]
        shape = clips.shape_names[clips.labels[i]]
        direction = synthetic.DIRECTIONS[clips.directions[i]]
        assert clips.captions[i] == f"the {colour} {shape} moves {direction}"
        rgb = np.array(synthetic.COLOURS[colour])
        first, last = (np.abs(clips.videos[i, t].astype(int) - rgb).max(axis=-1) <= 12 for t in (0, -1))
        (y0, x0), (y1, x1) = _centroid(first), _centroid(last)
        dy, dx = y1 - y0, x1 - x0
        expected = {"left": dx < -5, "right": dx > 5, "up": dy < -5, "down": dy > 5}[direction]
        assert expected, (clips.captions[i], dy, dx)


def test_clips_deterministic_and_validated():
    a = synthetic.shape_clips(5, seed=1)
    b = synthetic.shape_clips(5, seed=1)
    np.testing.assert_array_equal(a.videos, b.videos)
    with pytest.raises(ValueError, match=r"speed must be at most .* pixels per frame .*got 9"):
        synthetic.shape_clips(2, frames=16, size=32, speed=9)


# --------------------------------------------------------------------------------------- NER


@pytest.fixture(scope="module")
def ner():
    return synthetic.ner_sentences(2000, names="train", seed=8), synthetic.ner_sentences(500, names="heldout", seed=9)


def test_ner_tags_are_valid_iob2_and_match_the_spans(ner):
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import IOB2, Entities

    for data in ner:
        assert data.source == "synthetic:ner"
        strict = Entities(data.tags, IOB2).entities
        for tokens, tags, spans, found in zip(data.tokens, data.tags, data.entities, strict):
            assert len(tokens) == len(tags) > 0
            assert set(tags) <= {"O"} | {f"{p}-{t}" for p in "BI" for t in synthetic.ENTITY_TYPES}
            lenient = [(t, s, e + 1) for t, s, e in get_entities(tags)]
            assert lenient == [(e.tag, e.start, e.end) for e in found] == spans, (tokens, tags)


def test_ner_covers_every_type_and_resolves_ambiguous_words_by_context(ner):
    train, _ = ner
    types = {t for spans in train.entities for t, _, _ in spans}
    assert types == set(synthetic.ENTITY_TYPES)
    readings = {}
    for tokens, tags in zip(train.tokens, train.tags):
        for token, tag in zip(tokens, tags):
            if token in ("Washington", "Ford"):
                readings.setdefault(token, set()).add(tag)
    assert {"B-PER", "B-LOC"} <= readings["Washington"]
    assert {"B-PER", "B-ORG"} <= readings["Ford"]


def test_ner_held_out_names_never_appear_in_training(ner):
    train, heldout = ner

    def names(data):
        return {" ".join(tokens[s:e]) for tokens, spans in zip(data.tokens, data.entities) for t, s, e in spans
                if t in ("PER", "ORG", "LOC")}

    ambiguous = {"Washington", "Jordan", "Chelsea", "Ford"}
    shared = (names(train) & names(heldout)) - ambiguous
    assert not shared
    assert len(names(heldout) - ambiguous) >= 10


def test_ner_deterministic_and_validated():
    a = synthetic.ner_sentences(50, seed=1)
    b = synthetic.ner_sentences(50, seed=1)
    assert a.tokens == b.tokens and a.tags == b.tags
    with pytest.raises(ValueError, match=r"names must be 'train' or 'heldout', got 'test'"):
        synthetic.ner_sentences(5, names="test")


# --------------------------------------------------------------------------------------- seq2seq

_DATE_FORMATS = ("%d %B %Y", "%b %d, %Y", "%A, %B %d, %Y", "%d.%m.%Y", "%d %b %Y", "%B %d %Y")


def _parse_date(text):
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.title() if fmt == "%B %d %Y" else text, fmt).date()
        except ValueError:
            continue
    raise AssertionError(f"unparseable date input {text!r}")


def test_date_pairs_inputs_denote_their_iso_targets():
    inputs, targets = synthetic.date_pairs(600, seed=0)
    assert len(inputs) == len(targets) == 600
    formats = set()
    for text, iso in zip(inputs, targets):
        assert _parse_date(text).isoformat() == iso, text
        formats.add(re.sub(r"\d", "9", re.sub(r"[A-Za-z]+", "W", text)))
    assert len(formats) >= 5
    assert synthetic.date_pairs(30, seed=2) == synthetic.date_pairs(30, seed=2)


_WORD_VALUES = {w: i for i, w in enumerate(("zero one two three four five six seven eight nine ten eleven twelve "
                                            "thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split())}
_WORD_VALUES.update({w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty "
                                                          "ninety".split())})


def _words_to_number(text):
    """An independent reader of the generator's English numbers."""
    total, group = 0, 0
    for word in text.split():
        if word == "hundred":
            group *= 100
        elif word in ("thousand", "million"):
            total += group * (1000 if word == "thousand" else 1_000_000)
            group = 0
        else:
            group += sum(_WORD_VALUES[part] for part in word.split("-"))
    return total + group


def test_number_words_read_back_to_the_number():
    assert synthetic.number_to_words(0) == "zero"
    assert synthetic.number_to_words(1234) == "one thousand two hundred thirty-four"
    assert synthetic.number_to_words(70_000_015) == "seventy million fifteen"
    inputs, targets = synthetic.number_word_pairs(2000, max_value=999_999, seed=1)
    assert all(_words_to_number(words) == int(digits) for digits, words in zip(inputs, targets))
    lengths = {len(s) for s in inputs}
    assert min(lengths) == 1 and max(lengths) == 6  # short and long numbers both occur
    with pytest.raises(ValueError, match=r"value must be an int in \[0, 999999999\], got -1"):
        synthetic.number_to_words(-1)


def test_reversal_and_addition_targets_are_right():
    inputs, targets = synthetic.reversal_pairs(500, min_length=2, max_length=7, alphabet="abc", seed=0)
    assert all(t == s[::-1] and 2 <= len(s) <= 7 and set(s) <= set("abc") for s, t in zip(inputs, targets))
    inputs, targets = synthetic.addition_pairs(500, digits=4, seed=0)
    for text, result in zip(inputs, targets):
        a, b = text.split("+")
        assert int(a) + int(b) == int(result) and len(a) <= 4 and len(b) <= 4
    assert synthetic.addition_pairs(20, seed=3) == synthetic.addition_pairs(20, seed=3)


# --------------------------------------------------------------------------------------- series


def test_seasonal_series_is_the_sum_of_its_parts():
    s = synthetic.seasonal_series(480, period=24, trend=0.05, level=3.0, noise=0.1, seed=0)
    assert s.values.dtype == np.float32 and len(s) == 480 and s.source == "synthetic:series"
    np.testing.assert_allclose(s.values, 3.0 + s.trend + s.seasonal + s.noise, atol=1e-5)
    np.testing.assert_allclose(s.seasonal[:-24], s.seasonal[24:], atol=1e-5)  # periodic
    assert abs(float(np.std(s.noise)) - 0.1) < 0.02
    slope = np.polyfit(s.time, s.values, 1)[0]
    assert abs(slope - 0.05) < 0.01
    np.testing.assert_array_equal(s.values, synthetic.seasonal_series(480, period=24, trend=0.05, level=3.0,
                                                                      noise=0.1, seed=0).values)
