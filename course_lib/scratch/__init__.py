"""From-scratch NumPy versions of the course's models, written to be read, not to be fast.

One module per idea, each tested against Keras/TensorFlow or finite differences:

* :mod:`~course_lib.scratch.activations`: activation functions with their derivatives;
* :mod:`~course_lib.scratch.losses`: losses with their gradients (:func:`get_loss`);
* :mod:`~course_lib.scratch.single_layer`: one neuron trained by gradient descent (logistic and
  linear regression), the perceptron rule, the Widrow–Hoff delta rule, least squares;
* :mod:`~course_lib.scratch.mlp`: a multilayer perceptron for any layer sizes, built from
  explicit weights, with forward and backward passes (:class:`MLP`);
* :mod:`~course_lib.scratch.gradcheck`: finite-difference gradient checking;
* :mod:`~course_lib.scratch.optimizers`: SGD, momentum, Nesterov, Adagrad, RMSprop, Adadelta and
  Adam with ``step(params, grads)``, matched step for step against ``keras.optimizers``, and
  learning-rate schedules.

Later units add their own modules here (convolution, pooling, recurrent cells, the RBM). The names below are re-exported, so ``cl.scratch.MLP`` and friends work directly.

>>> from course_lib import scratch
>>> float(scratch.neuron([5.0], [2.5], 90.0))  # calories = 2.5 · sugars + 90
102.5

Only NumPy is imported, so this package loads without TensorFlow.
"""

from __future__ import annotations

from . import activations, gradcheck, losses, mlp, optimizers, single_layer
from .gradcheck import gradient_check, numerical_gradients, relative_error
from .losses import LOSSES, Loss, get_loss, one_hot
from .mlp import MLP, ForwardCache, Gradients
from .single_layer import (DeltaRuleResult, NeuronFit, PerceptronResult, fit_neuron, least_squares_line, neuron,
                     normal_equation, perceptron_predict, train_delta_rule, train_perceptron)

__all__ = ["DeltaRuleResult", "ForwardCache", "Gradients", "LOSSES", "Loss", "MLP", "NeuronFit", "PerceptronResult",
           "activations", "fit_neuron", "get_loss", "gradcheck", "gradient_check", "least_squares_line", "losses",
           "mlp", "neuron", "normal_equation", "numerical_gradients", "one_hot", "optimizers", "perceptron_predict",
           "relative_error", "single_layer", "train_delta_rule", "train_perceptron"]
