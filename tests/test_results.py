import json
import math

import numpy as np
import pytest

from course_lib import results


@pytest.fixture(autouse=True)
def fresh_sources(monkeypatch):
    monkeypatch.setattr(results, "_data_sources", [])


def test_report_writes_and_merges(monkeypatch, tmp_path, capsys):
    target = tmp_path / "m.json"
    monkeypatch.setenv("COURSE_RESULTS_FILE", str(target))
    results.note_data_source("bundled:sklearn")
    results.report(accuracy=np.float32(0.5))
    results.report(loss=0.25, data_source="synthetic:xor")
    saved = json.loads(target.read_text())
    assert saved["metrics"] == {"accuracy": 0.5, "loss": 0.25}
    assert saved["data_sources"] == ["bundled:sklearn", "synthetic:xor"]
    out = capsys.readouterr().out
    assert "accuracy=0.5  " in out and "loss=0.25  " in out


def test_report_without_runner_only_prints(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_RESULTS_FILE", raising=False)
    record = results.report(n=3)
    assert record["metrics"] == {"n": 3} and "n=3" in capsys.readouterr().out


@pytest.mark.parametrize("value,error", [(math.nan, ValueError), ([1, 2], TypeError), (True, TypeError)])
def test_report_rejects_bad_values_naming_the_metric(value, error):
    with pytest.raises(error, match="'acc'"):
        results.report(acc=value)


def test_report_needs_a_metric():
    with pytest.raises(ValueError, match="at least one metric"):
        results.report()


def test_small_metrics_keep_their_significant_digits(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_RESULTS_FILE", raising=False)
    results.report(rel_error=2.41e-9)
    assert "rel_error=2.41e-09" in capsys.readouterr().out
