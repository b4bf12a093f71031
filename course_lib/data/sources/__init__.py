"""Every data source, one module per family; importing this package registers them all.

Each module imports only :mod:`course_lib.data.registry`, :mod:`~course_lib.data.splits`
and :mod:`~course_lib.data.cache`, never :mod:`course_lib.data` itself, so there is no
import cycle and no registration hidden at the bottom of another file.
"""

from . import generated, images, keras_sets, series, tables, text, video  # noqa: F401

__all__ = ["generated", "images", "keras_sets", "series", "tables", "text", "video"]
