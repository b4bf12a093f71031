"""Checks for the exercises of Unit 2: ``u2.<name>`` lives in ``<name>.py``, mirroring ``exercises/u2/<name>.ipynb``."""
