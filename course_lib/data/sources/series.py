"""Time series from statsmodels' data files, read as CSV.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..registry import Dataset, Entry, package_dir, register, unavailable


# ---------------------------------------------------------------------------------------------
# Time series (statsmodels' data files, read as CSV)


def _statsmodels_csv(name: str) -> pathlib.Path | None:
    root = package_dir("statsmodels")
    path = root / "datasets" / name / f"{name}.csv" if root else None
    return path if path and path.exists() else None


def _series(name, time, values, licence, citation, extra=None) -> Dataset:
    cut = int(round(len(values) * 0.8))  # chronological: the test part is the future
    info = {"time_train": time[:cut], "time_test": time[cut:], **(extra or {})}
    return Dataset(name, values[:cut], None, values[cut:], None, [], "bundled:statsmodels", licence, citation,
                   task="series", info=info)


SUNSPOTS_CITATION = "Yearly sunspot numbers 1700-2008, NOAA National Geophysical Data Center, via statsmodels"
CO2_CITATION = ("Keeling & Whorf (2004), Atmospheric CO2 concentrations derived from flask air samples at sites in the "
                "SIO network, CDIAC; weekly Mauna Loa values 1958-2001 via statsmodels")


def _load_sunspots(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _statsmodels_csv("sunspots")
    if path is None:
        raise unavailable("sunspots", "statsmodels is not installed")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return _series("sunspots", table[:, 0].astype(np.int64), table[:, 1].astype(np.float32), "public domain",
                   SUNSPOTS_CITATION)


def _load_co2(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _statsmodels_csv("co2")
    if path is None:
        raise unavailable("co2", "statsmodels is not installed")
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line.strip()]
    dates = np.array([f"{r[0][:4]}-{r[0][4:6]}-{r[0][6:8]}" for r in rows], dtype="datetime64[D]")
    values = np.array([float(r[1]) if len(r) > 1 and r[1].strip() else np.nan for r in rows])
    missing = np.isnan(values)
    # Weeks without a measurement are filled by linear interpolation; info says how many.
    days = dates.astype(np.int64)
    values[missing] = np.interp(days[missing], days[~missing], values[~missing])
    return _series("co2", dates, values.astype(np.float32), "public domain", CO2_CITATION,
                   {"interpolated": int(missing.sum()), "units": "ppmv"})


register(Entry("sunspots", "yearly sunspot numbers, 1700-2008 (309 values)", "bundled:statsmodels", None,
               "public domain", SUNSPOTS_CITATION, lambda: _statsmodels_csv("sunspots") is not None, _load_sunspots,
               task="series"))
register(Entry("co2", "weekly atmospheric CO₂ at Mauna Loa, 1958-2001 (2,284 values)", "bundled:statsmodels", None,
               "public domain", CO2_CITATION, lambda: _statsmodels_csv("co2") is not None, _load_co2,
               task="series"))
