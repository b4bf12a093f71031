"""`course lab`: JupyterLab starts headless on the course folder with this environment's kernel."""

import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from course_lib import lab, manifest

ROOT = pathlib.Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None, method: str = "GET", body: dict | None = None):
    headers = {"Authorization": f"token {token}"} if token else {}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return response.status, (json.loads(text) if text.strip().startswith(("{", "[")) else text)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("jupyterlab", reason="JupyterLab is pinned in pyproject.toml; rerun the bootstrap")
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    port, token = free_port(), secrets.token_hex(16)
    argv, env = lab.command(port=port, no_browser=True, root=ROOT,
                            extra=["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"])
    env.update(JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(runtime / "config"))  # no user config
    log = open(runtime / "server.log", "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=runtime)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if get(f"{base}/api/status", token)[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s (exit {proc.poll()}):\n"
                        + (runtime / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    started = time.monotonic() - (deadline - START_TIMEOUT_S)
    yield {"base": base, "token": token, "proc": proc, "runtime": runtime, "started_s": started}
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    log.close()


def test_lab_answers_with_the_token_only(server):
    status, body = get(f"{server['base']}/api/status", server["token"])
    assert status == 200 and "started" in body
    assert get(f"{server['base']}/lab", server["token"])[0] == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(f"{server['base']}/api/contents", None)
    assert refused.value.code == 403
    print(f"JupyterLab answered {server['started_s']:.1f} s after start")


def test_root_is_the_course_folder(server):
    _, listing = get(f"{server['base']}/api/contents", server["token"])
    names = {item["name"] for item in listing["content"]}
    assert {"notebooks", "exercises", "pyproject.toml"} <= names


def test_python3_kernel_is_this_environment(server):
    _, specs = get(f"{server['base']}/api/kernelspecs", server["token"])
    assert specs["default"] == "python3"
    spec = specs["kernelspecs"]["python3"]["spec"]
    assert spec["argv"][0] == sys.executable and spec["display_name"] == lab.KERNEL_DISPLAY_NAME


def test_course_lib_imports_in_the_lab_kernel(server):
    from jupyter_client import BlockingKernelClient

    _, kernel = get(f"{server['base']}/api/kernels", server["token"], "POST", {"name": "python3"})
    client = BlockingKernelClient(connection_file=str(server["runtime"] / f"kernel-{kernel['id']}.json"))
    client.load_connection_file()
    # No heartbeat channel: on a loaded machine the kernel may take seconds to start, and a heartbeat
    # that has not beaten yet makes wait_for_ready report a dead kernel (jupyter_client's HBChannel).
    client.start_channels(hb=False)
    try:
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive("import sys, course_lib; print(sys.executable, course_lib.__file__)",
                                           timeout=60, output_hook=lambda msg: printed.append(msg))
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok"
    text = "".join(m["content"].get("text", "") for m in printed if m["msg_type"] == "stream")
    executable, module = text.split()
    assert executable == sys.executable and pathlib.Path(module).name == "__init__.py"
    get(f"{server['base']}/api/kernels/{kernel['id']}", server["token"], "DELETE")


printed: list = []


def test_lab_stops_cleanly(server):
    proc = server["proc"]
    start = time.monotonic()
    status, _ = get(f"{server['base']}/api/shutdown", server["token"], "POST")
    assert status == 200
    assert proc.wait(timeout=30) == 0
    print(f"JupyterLab stopped {time.monotonic() - start:.1f} s after /api/shutdown")
    with pytest.raises(urllib.error.URLError):
        get(f"{server['base']}/api/status", server["token"])


def test_command_opens_a_notebook_inside_the_course_folder():
    notebook = ROOT / manifest.load().notebooks[0].path
    argv, env = lab.command(notebook, root=ROOT)
    assert f"--ServerApp.root_dir={ROOT}" in argv and argv[-1] == str(notebook)
    assert "--ServerApp.ip=127.0.0.1" in argv
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(lab.jupyter_data_dir())
    with pytest.raises(FileNotFoundError, match="path must be an existing folder or notebook, got 'nowhere.ipynb'"):
        lab.command("nowhere.ipynb", root=ROOT)


def test_kernelspec_written_where_jupyter_path_points(tmp_path):
    data = lab.jupyter_data_dir(tmp_path)
    spec = json.loads((data / "kernels/python3/kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["argv"][-1] == "{connection_file}"


def test_lab_without_jupyterlab_says_how_to_get_it(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    assert lab.main() == 2
    assert "bootstrap.py lab" in capsys.readouterr().err


def test_course_lab_help_needs_no_jupyter_import():
    code = ("import sys\nfrom course_lib import cli\ntry:\n    cli.main(['lab', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jupyterlab', 'jupyter_server', 'tensorflow')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_bootstrap_lab_sets_up_then_starts_course_lab(monkeypatch):
    import contextlib
    import importlib.util
    import types

    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "bootstrap.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    calls = []
    monkeypatch.setattr(bootstrap, "ensure_environment", lambda: pathlib.Path(sys.executable))
    monkeypatch.setattr(bootstrap, "run", lambda cmd, **kw: calls.append([str(c) for c in cmd]) or 0)

    def execv(exe, argv):  # the real one never returns: this process becomes JupyterLab
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(bootstrap.os, "execv", execv)
    monkeypatch.setattr(bootstrap.os, "chdir", lambda folder: None)
    with pytest.raises(SystemExit) if os.name == "posix" else contextlib.nullcontext():
        bootstrap.lab(types.SimpleNamespace(path="notebooks/u1_basics", port=9999, no_browser=True))
    assert calls == [[sys.executable, "-m", "course_lib.cli", "lab", "notebooks/u1_basics", "--port", "9999",
                      "--no-browser"]]
