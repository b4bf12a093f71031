import pytest

from course_lib import config


def test_mode_defaults_to_default(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    assert config.mode() == "default"


@pytest.mark.parametrize("raw,expected", [("smoke", "smoke"), (" FULL ", "full"), ("", "default")])
def test_mode_reads_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("COURSE_MODE", raw)
    assert config.mode() == expected


def test_bad_mode_names_variable_and_value(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "turbo")
    with pytest.raises(config.ConfigError, match=r"environment variable COURSE_MODE must be one of "
                       r"\('smoke', 'default', 'full'\), got 'turbo'"):
        config.mode()
    assert issubclass(config.ConfigError, ValueError)


def test_bad_seed_is_a_config_error(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "forty-two")
    with pytest.raises(config.ConfigError, match="environment variable COURSE_SEED must be an integer, got 'forty-two'"):
        config.seed()


def test_budgets_grow_with_mode():
    smoke, default, full = (config.budget(m) for m in config.MODES)
    assert smoke.epochs < default.epochs < full.epochs
    assert smoke.max_train < default.max_train and full.max_train is None


def test_take_caps_and_passes_through():
    smoke, full = config.budget("smoke"), config.budget("full")
    assert smoke.take(10_000) == smoke.max_train
    assert smoke.take(10) == 10
    assert smoke.take(10_000, split="test") == smoke.max_test
    assert full.take(70_000) == 70_000
    with pytest.raises(ValueError, match="split"):
        smoke.take(5, split="validation")
    with pytest.raises(ValueError, match="n_available"):
        smoke.take(-1)


def test_scaled_multiplies_and_validates():
    b = config.budget("default").scaled(epochs=0.5, steps=2)
    assert b.epochs == 5 and b.steps == 10_000
    assert config.budget("smoke").scaled(epochs=0.1).epochs == 1  # never rounds to zero
    assert config.budget("full").scaled(max_train=2).max_train is None
    with pytest.raises(ValueError, match="'mode'"):
        config.budget("smoke").scaled(mode=2)
    with pytest.raises(ValueError, match="> 0"):
        config.budget("smoke").scaled(epochs=0)


@pytest.mark.parametrize("env, expected", [("smoke", 1), ("default", 2), ("full", 3), (None, 2)])
def test_by_mode_follows_the_current_mode(monkeypatch, env, expected):
    # Each mode picks its own value, and an unset COURSE_MODE means default (not full).
    if env is None:
        monkeypatch.delenv("COURSE_MODE", raising=False)
    else:
        monkeypatch.setenv("COURSE_MODE", env)
    assert config.by_mode(smoke=1, default=2, full=3) == expected
    for name, value in (("smoke", 1), ("default", 2), ("full", 3)):
        assert config.by_mode(smoke=1, default=2, full=3, mode_name=name) == value
    with pytest.raises(ValueError, match="mode must be one of"):
        config.by_mode(smoke=1, default=2, full=3, mode_name="fast")


def test_seed_env(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "7")
    assert config.seed() == 7
    monkeypatch.setenv("COURSE_SEED", "seven")
    with pytest.raises(ValueError, match="COURSE_SEED.*'seven'"):
        config.seed()


def test_set_seed_repeats_keras_and_numpy_draws():
    import keras
    import numpy as np

    def draw():
        config.set_seed(123)
        return np.random.rand(3), keras.random.uniform((3,)).numpy()

    (a1, k1), (a2, k2) = draw(), draw()
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(k1, k2)
    config.set_seed(124)
    assert not np.array_equal(np.random.rand(3), a1)


def test_set_seed_rejects_bad_values():
    with pytest.raises(ValueError, match="seed"):
        config.set_seed(-1)
    with pytest.raises(ValueError, match="seed"):
        config.set_seed("42")


def test_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()


@pytest.mark.parametrize("layout,expected", [
    ("file", "which is a file, not a folder"),
    ("under a file", "which lies under a file or is a broken link"),
    ("broken link", "which lies under a file or is a broken link"),
])
def test_cache_dir_that_cannot_be_a_folder_names_the_variable(monkeypatch, tmp_path, layout, expected):
    target = tmp_path / "target"
    if layout == "file":
        target.write_text("x")
    elif layout == "under a file":
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "cache"
    else:
        target.symlink_to(tmp_path / "gone")
    monkeypatch.setenv("COURSE_CACHE", str(target))
    with pytest.raises(config.ConfigError, match=f"environment variable COURSE_CACHE is '{target}', {expected}"):
        config.cache_dir()


def test_default_cache_dir_under_a_file_says_how_to_move_it(monkeypatch, tmp_path):
    (tmp_path / ".cache").write_text("not a folder")
    monkeypatch.delenv("COURSE_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(config.ConfigError, match=r"the default cache folder .* \(set COURSE_CACHE to use another\)"):
        config.cache_dir()


def test_deterministic_switch_enables_op_determinism():
    """Op determinism is process-global, so check it in a fresh interpreter."""
    import subprocess
    import sys

    # TensorFlow has no public getter for this flag; its internal one is stable since TF 2.9.
    code = ("from tensorflow.python.framework.config import is_op_determinism_enabled as on; "
            "from course_lib import config; before = on(); config.set_seed(3); mid = on(); "
            "config.set_seed(3, deterministic=True); print(before, mid, on())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)  # a loaded machine
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "False", "True"]
