"""The Siamese factory: one shared encoder, the distance layer, the contrastive loss and balanced pairs."""

import keras
import numpy as np
import pytest

from course_lib._validation import ArgumentTypeError, ArgumentValueError, ShapeError
from course_lib.models import siamese as S


@pytest.fixture
def model():
    keras.utils.set_random_seed(0)
    return S.siamese(S.mlp_encoder((5,), embedding_dim=3, hidden=(4,)))


def test_the_encoder_is_shared_not_copied(model):
    encoder = model.get_layer("encoder")
    # 5·4 + 4 + 4·3 + 3 parameters, once.
    assert model.count_params() == encoder.count_params() == 39
    assert [id(v) for v in model.trainable_variables] == [id(v) for v in encoder.trainable_variables]
    assert len(encoder._inbound_nodes) == 2  # called on both inputs


def test_distances_match_numpy_and_are_symmetric(model):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    encoder = model.get_layer("encoder")
    ea, eb = encoder.predict(a, verbose=0), encoder.predict(b, verbose=0)
    d = model.predict([a, b], verbose=0)
    assert d.shape == (6, 1)
    assert np.allclose(d[:, 0], np.linalg.norm(ea - eb, axis=1), atol=1e-5)
    assert np.allclose(d, model.predict([b, a], verbose=0), atol=1e-6)
    manhattan = S.siamese(encoder, distance="manhattan")
    assert np.allclose(manhattan.predict([a, b], verbose=0)[:, 0], np.abs(ea - eb).sum(axis=1), atol=1e-5)


def test_contrastive_loss_pulls_same_pairs_and_pushes_others_to_the_margin():
    loss = S.contrastive_loss(margin=2.0)
    same = np.ones((3, 1), dtype="float32")
    different = np.zeros((3, 1), dtype="float32")
    d = np.array([[0.0], [1.0], [3.0]], dtype="float32")
    assert np.allclose(keras.ops.convert_to_numpy(loss(same, d)), [0.0, 1.0, 9.0])
    assert np.allclose(keras.ops.convert_to_numpy(loss(different, d)), [4.0, 1.0, 0.0])  # past the margin: 0


def test_a_training_step_moves_both_branches_together(model):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(16, 5)).astype("float32"), rng.normal(size=(16, 5)).astype("float32")
    same = rng.integers(0, 2, size=(16, 1)).astype("float32")
    model.compile(keras.optimizers.SGD(0.1), loss=S.contrastive_loss())
    before = model.predict([a, a], verbose=0)
    model.fit([a, b], same, epochs=1, batch_size=16, verbose=0)
    assert np.allclose(before, 0, atol=1e-3) and np.allclose(model.predict([a, a], verbose=0), 0, atol=1e-3)


def test_make_pairs_is_balanced_and_labelled_by_class():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.repeat(np.arange(4), 5)
    left, right, same = S.make_pairs(x, y, 30, seed=3)
    assert left.shape == right.shape == (30, 2) and same.shape == (30,)
    assert same.sum() == 15
    left_class, right_class = (left[:, 0] // 10).astype(int), (right[:, 0] // 10).astype(int)
    assert np.array_equal(same, (left_class == right_class).astype("float32"))
    again = S.make_pairs(x, y, 30, seed=3)
    assert all(np.array_equal(u, v) for u, v in zip((left, right, same), again))


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: S.siamese("encoder"), ArgumentTypeError, "encoder"),
    (lambda: S.siamese(S.mlp_encoder((3,)), distance="cosine"), ArgumentValueError, "distance"),
    (lambda: S.contrastive_loss(margin=0), ArgumentValueError, "margin"),
    (lambda: S.mlp_encoder((3,), embedding_dim=0), ArgumentValueError, "embedding_dim"),
    (lambda: S.make_pairs(np.zeros((4, 2)), [0, 1, 0, 1], 1), ArgumentValueError, "n_pairs"),
    (lambda: S.make_pairs(np.zeros((4, 2)), [0, 1, 0], 4), ShapeError, "same length"),
    (lambda: S.make_pairs(np.zeros((4, 2)), [1, 1, 1, 1], 4), ShapeError, "two classes"),
])
def test_bad_arguments_name_themselves(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()
