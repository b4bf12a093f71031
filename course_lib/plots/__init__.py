"""One function per picture, grouped by kind. Each returns the matplotlib Figure it drew on.

* :mod:`~course_lib.plots.training`: learning curves;
* :mod:`~course_lib.plots.planes`: decision regions and lines of 2-D classifiers;
* :mod:`~course_lib.plots.functions`: activation functions and their derivatives; loss contours with
  optimizer paths;
* :mod:`~course_lib.plots.networks`: a dense network with its weights;
* :mod:`~course_lib.plots.images`: image grids with labels and predictions, weights as images;
* :mod:`~course_lib.plots.gradients`: per-layer gradient norms, per-layer profiles, dead units.

>>> from course_lib import plots
>>> fig = plots.learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
"""

from __future__ import annotations

from .functions import activation_functions, optimizer_paths
from .gradients import dead_units, gradient_norms, layer_profiles
from .images import image_grid, weight_images
from .networks import network
from .planes import decision_boundary, decision_lines
from .training import learning_curves

__all__ = ["activation_functions", "dead_units", "decision_boundary", "decision_lines", "gradient_norms", "image_grid",
           "layer_profiles", "learning_curves", "network", "optimizer_paths", "weight_images"]
