import socket
import time

from course_lib import net


def test_forced_offline_and_online(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert net.is_online() is False
    assert net.data_path_label() == "offline"
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    assert net.is_online() is True


def test_hanging_dns_is_abandoned_within_the_bound(monkeypatch):
    """A resolver that never answers must not hang the probe."""
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)

    def hang(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    assert net.is_online(timeout=0.5, use_cache=False) is False
    assert time.perf_counter() - start < 1.5


def test_refused_connection_means_offline(monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no route")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert net.is_online(timeout=1.0, use_cache=False) is False


def test_reachable_host_means_online(monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)

    class FakeSocket:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: FakeSocket())
    assert net.is_online(timeout=1.0, use_cache=False) is True
