"""Device helpers. Multi-device training is checked on a CPU split into 2 logical devices."""

import importlib.metadata
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from course_lib import device

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Mirrored training splits each batch over replicas and sums gradients; in float32 the
# per-epoch losses agree with single-device training up to summation-order rounding
# (seen: 2e-7 relative).
LOSS_RTOL = 1e-5


def test_describe_reports_versions_and_devices():
    info = device.describe()
    assert info["tensorflow"] == importlib.metadata.version("tensorflow") and info["keras"] == keras.__version__
    assert info["keras_backend"] == "tensorflow"
    assert any(d.startswith("CPU") for d in info["physical_devices"])
    assert {"cuda_build", "cuda_version", "cudnn_version", "mixed_precision_policy"} <= info.keys()


def test_setup_validates_arguments():
    with pytest.raises(TypeError, match="mixed_precision must be True or False, got 'yes'"):
        device.setup(mixed_precision="yes")


def _gpus() -> list:
    import tensorflow as tf

    return tf.config.list_logical_devices("GPU")


def test_strategy_fits_the_devices_of_this_machine():
    strategy = device.strategy()
    gpus = _gpus()
    # What the machine running the test should give: one replica per GPU when there are
    # several, else one device (the GPU, or the CPU).
    expected = ("MirroredStrategy", len(gpus)) if len(gpus) >= 2 else ("OneDeviceStrategy", 1)
    assert (type(strategy).__name__, strategy.num_replicas_in_sync) == expected
    if len(gpus) == 1:
        assert "GPU" in strategy.extended.worker_devices[0].upper()
    elif not gpus:
        assert "CPU" in strategy.extended.worker_devices[0].upper()
    with pytest.raises(ValueError, match="at least 2 devices"):
        device.strategy(devices=["/cpu:0"])


def test_mixed_precision_training_step_runs_and_resets():
    try:
        info = device.setup(mixed_precision=True)
        # float16 where a GPU computes (tensor cores), bfloat16 on CPUs and TPUs.
        expected_policy = "mixed_float16" if _gpus() else "mixed_bfloat16"
        assert info["mixed_precision_policy"] == expected_policy
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, dtype="float32")])
        compute = expected_policy.removeprefix("mixed_")
        assert model.layers[0].compute_dtype == compute and model.layers[0].variable_dtype == "float32"
        model.compile(optimizer="adam", loss="mse")
        x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        loss = model.train_on_batch(x, x.sum(axis=1, keepdims=True))
        assert np.isfinite(loss)
    finally:
        assert device.setup()["mixed_precision_policy"] == "float32"


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus_matches_single_device():
    script = textwrap.dedent("""
        import json
        import numpy as np
        from course_lib import device
        names = device.split_cpu(2)
        import keras, tensorflow as tf

        rng = np.random.default_rng(0)
        x = rng.normal(size=(512, 4)).astype("float32")
        y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]

        def build():
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="tanh"),
                                      keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
            return model

        def train(strategy):
            with strategy.scope():
                model = build()
            return model.fit(x, y, batch_size=64, epochs=4, shuffle=False, verbose=0).history["loss"]

        mirrored = device.strategy(devices=names)
        print(json.dumps({"devices": names, "replicas": mirrored.num_replicas_in_sync,
                          "auto": type(device.strategy()).__name__,
                          "single": train(tf.distribute.OneDeviceStrategy(names[0])),
                          "mirrored": train(mirrored)}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["devices"]) == 2 and out["replicas"] == 2
    # Logical CPUs are not GPUs: strategy() mirrors only over real GPUs (none here, or several).
    assert out["auto"] == ("MirroredStrategy" if len(_gpus()) >= 2 else "OneDeviceStrategy")
    single, mirrored = np.array(out["single"]), np.array(out["mirrored"])
    assert single[-1] < single[0] / 2, "the model should learn in 4 epochs"
    np.testing.assert_allclose(mirrored, single, rtol=LOSS_RTOL)
