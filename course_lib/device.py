"""Devices: what is here, how to configure it, and which tf.distribute strategy to use.

>>> from course_lib import device
>>> info = device.describe()            # versions, devices, CUDA build, precision policy
>>> strategy = device.strategy()        # TPU, Mirrored (2+ GPUs) or one device
>>> import keras
>>> with strategy.scope():             # variables are created on the strategy's devices
...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
>>> model.count_params()
4

Importing this module imports TensorFlow.
"""

from __future__ import annotations

import os

import keras
import tensorflow as tf
from ._validation import ArgumentTypeError, ArgumentValueError


def describe() -> dict:
    """A plain-dict report of TF/Keras versions, devices, CUDA/cuDNN build and precision policy."""
    build = tf.sysconfig.get_build_info()
    physical = tf.config.list_physical_devices()
    try:
        logical = [d.name for d in tf.config.list_logical_devices()]
    except RuntimeError:  # pragma: no cover - only before the runtime starts on odd builds
        logical = []
    return {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "physical_devices": [f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}" for d in physical],
        "logical_devices": logical,
        "gpus": [d.name for d in physical if d.device_type == "GPU"],
        "cuda_build": bool(build.get("is_cuda_build", False)),
        "cuda_version": build.get("cuda_version"),
        "cudnn_version": build.get("cudnn_version"),
        "mixed_precision_policy": keras.mixed_precision.global_policy().name,
    }


def short_description() -> str:
    """One phrase naming the compute devices, e.g. ``'CPU'`` or ``'2×GPU (NVIDIA H100)'``."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        tpus = tf.config.list_logical_devices("TPU")
        return f"{len(tpus)}×TPU" if tpus else "CPU"
    names = set()
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        names.add(details.get("device_name", "GPU"))
    return f"{len(gpus)}×GPU ({', '.join(sorted(names))})"


def setup(memory_growth: bool = True, mixed_precision: bool = False, jit_compile: bool = False) -> dict:
    """Configure the accelerators and return :func:`describe`'s report.

    Args:
        memory_growth: let TensorFlow grow GPU memory as needed instead of taking it all,
            so several notebooks can share one GPU. Must run before any GPU op.
        mixed_precision: compute in float16 (GPU) or bfloat16 (CPU/TPU), keep variables
            in float32. Pays off on GPUs with tensor cores.
        jit_compile: compile ``tf.function``s with XLA by default.
    """
    for name, value in (("memory_growth", memory_growth), ("mixed_precision", mixed_precision),
                        ("jit_compile", jit_compile)):
        if not isinstance(value, bool):
            raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    gpus = tf.config.list_physical_devices("GPU")
    if memory_growth:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:
                # The runtime already started; growth can no longer change, which is harmless.
                pass
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16" if gpus else "mixed_bfloat16")
    else:
        keras.mixed_precision.set_global_policy("float32")
    tf.config.optimizer.set_jit(bool(jit_compile))
    return describe()


def split_cpu(n: int = 2) -> list[str]:
    """Split the CPU into ``n`` logical devices so multi-device code can be tried on a laptop.

    Must be called before TensorFlow initialises its runtime (before the first op).
    Returns the logical device names, e.g. ``['/device:CPU:0', '/device:CPU:1']``.
    """
    if not isinstance(n, int) or n < 1:
        raise ArgumentValueError(f"n must be a positive int, got {n!r}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def _tpu_resolver():
    """A TPU cluster resolver on a Colab/Cloud TPU, or None. Never contacts the network elsewhere."""
    if not (os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME")):
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return resolver
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None


def strategy(devices: list[str] | None = None) -> tf.distribute.Strategy:
    """The distribution strategy for this machine.

    * a ``TPUStrategy`` on a Colab or Cloud TPU,
    * a ``MirroredStrategy`` over all GPUs when there are two or more,
    * otherwise a ``OneDeviceStrategy`` on the GPU, or on the CPU.

    Args:
        devices: mirror over exactly these devices instead, e.g. the two logical
            CPUs made by :func:`split_cpu`. Needs at least two.
    """
    if devices is not None:
        if len(devices) < 2:
            raise ArgumentValueError(f"devices must name at least 2 devices to mirror over, got {devices!r}")
        return tf.distribute.MirroredStrategy(devices)
    resolver = _tpu_resolver()
    if resolver is not None:
        return tf.distribute.TPUStrategy(resolver)
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) >= 2:
        return tf.distribute.MirroredStrategy([g.name for g in gpus])
    if gpus:
        return tf.distribute.OneDeviceStrategy(gpus[0].name)
    return tf.distribute.OneDeviceStrategy("/cpu:0")
