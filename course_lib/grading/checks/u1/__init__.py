"""Checks for the exercises of Unit 1: ``u1.<name>`` lives in ``<name>.py``, mirroring ``exercises/u1/<name>.ipynb``."""
