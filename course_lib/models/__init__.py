"""Keras model factories shared by the notebooks and exercises, one module per family.

Each factory returns an uncompiled ``keras.Model`` built from an explicit ``keras.Input``,
so ``count_params()`` and ``summary()`` work at once.
"""
