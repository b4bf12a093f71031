"""scikit-learn's bundled tables and 8×8 digits.
"""

from __future__ import annotations

import numpy as np

from ..registry import Dataset, Entry, package_dir, register
from ..splits import random_split, stratified_split

UCI = "CC BY 4.0 (UCI ML repository); shipped with scikit-learn"


def _has(package: str):
    return lambda: package_dir(package) is not None


def _sklearn_table(name: str, loader_name: str, citation: str, seed: int, regression: bool = False) -> Dataset:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader_name)()
    x = np.asarray(bunch.data, dtype=np.float32)
    if regression:
        y = np.asarray(bunch.target, dtype=np.float32)
        train, test = random_split(len(x), seed=seed)
        x_train, x_test, y_train, y_test = x[train], x[test], y[train], y[test]
        classes = []
    else:
        y = np.asarray(bunch.target, dtype=np.int64)
        x_train, x_test, y_train, y_test = stratified_split(x, y, seed=seed)
        classes = [str(c) for c in bunch.target_names]
    return Dataset(name, x_train, y_train, x_test, y_test, classes, source="bundled:sklearn",
                   licence=UCI if name != "diabetes" else "distributed with scikit-learn (BSD-3-Clause)",
                   citation=citation, task="regression" if regression else "classification",
                   info={"feature_names": [str(f) for f in bunch.feature_names]})


def _load_digits(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = stratified_split(images, bunch.target.astype("int64"), seed=seed)
    return Dataset("digits", x_train, y_train, x_test, y_test, [str(d) for d in range(10)],
                   source="bundled:sklearn", licence=UCI,
                   citation="Alpaydin & Kaynak (1998), Optical Recognition of Handwritten Digits, UCI ML repository")


register(Entry("digits", "1,797 handwritten digits, 8×8 grey levels, 10 classes", "bundled:sklearn", None,
               "CC BY 4.0", "Alpaydin & Kaynak (1998), UCI ML repository", _has("sklearn"), _load_digits))

_TABLES = {
    "iris": ("load_iris", "150 iris flowers, 4 measurements, 3 species",
             "Fisher (1936), The use of multiple measurements in taxonomic problems, Annals of Eugenics 7(2)"),
    "wine": ("load_wine", "178 wines, 13 chemical measurements, 3 cultivars",
             "Forina et al. (1988), PARVUS; UCI ML repository Wine data set"),
    "breast_cancer": ("load_breast_cancer", "569 tumours, 30 cell-nucleus features, malignant or benign",
                      "Street, Wolberg & Mangasarian (1993), Nuclear feature extraction for breast tumor diagnosis; "
                      "UCI Breast Cancer Wisconsin (Diagnostic)"),
    "diabetes": ("load_diabetes", "442 patients, 10 baseline variables, disease progression after a year (regression)",
                 "Efron, Hastie, Johnstone & Tibshirani (2004), Least Angle Regression, Annals of Statistics 32(2)"),
}
for _name, (_fn, _description, _citation) in _TABLES.items():
    def _table_loader(seed, budget=None, prefer="auto", _name=_name, _fn=_fn, _citation=_citation):
        return _sklearn_table(_name, _fn, _citation, seed, regression=_name == "diabetes")

    register(Entry(_name, _description, "bundled:sklearn", None, "CC BY 4.0" if _name != "diabetes" else "BSD-3-Clause",
                   _citation, _has("sklearn"), _table_loader,
                   task="regression" if _name == "diabetes" else "classification"))
del _name, _fn, _description, _citation
