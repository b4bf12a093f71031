"""Is the internet reachable? Answered within a hard time bound, never hanging.

``socket.create_connection(timeout=...)`` does not bound the DNS lookup, which can
hang for a long time on a machine with a broken resolver, so the probe runs in a
daemon thread and is abandoned when the bound passes.

Set ``COURSE_OFFLINE=1`` to skip the probe and treat the network as unreachable
(CI does), or ``COURSE_OFFLINE=0`` to assume it is reachable.
"""

from __future__ import annotations

import os
import socket
import threading

from ._validation import ArgumentValueError

OFFLINE_ENV = "COURSE_OFFLINE"
# Hosts that serve the course's full datasets; reaching any of them is what matters.
PROBE_HOSTS = (("storage.googleapis.com", 443), ("github.com", 443))
_cached: dict[float, bool] = {}


def _try_connect(hosts, per_host_timeout: float, result: list) -> None:
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=per_host_timeout):
                result.append(True)
                return
        except OSError:
            continue
    result.append(False)


def is_online(timeout: float = 3.0, *, use_cache: bool = True) -> bool:
    """True if a dataset host accepts a TCP connection within ``timeout`` seconds in all."""
    forced = os.environ.get(OFFLINE_ENV, "").strip().lower()
    if forced in ("1", "true", "yes"):
        return False
    if forced in ("0", "false", "no"):
        return True
    if timeout <= 0:
        raise ArgumentValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if use_cache and timeout in _cached:
        return _cached[timeout]
    result: list[bool] = []
    worker = threading.Thread(target=_try_connect, args=(PROBE_HOSTS, timeout, result), daemon=True)
    worker.start()
    worker.join(timeout)
    online = bool(result and result[0])
    _cached[timeout] = online
    return online


def data_path_label(timeout: float = 3.0) -> str:
    """'online' or 'offline': which path the dataset loaders will take."""
    return "online" if is_online(timeout) else "offline"
