"""`make run` starts web + worker + beat through config.launcher on the embedded defaults."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.embedded import ROOT, embedded_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_launcher_serves_on_the_embedded_defaults_and_stops_everything(tmp_path):
    environment = embedded_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )
    port = _free_port()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "config.launcher", "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        for line in launcher.stdout:
            if "Rankwise is running at" in line or time.monotonic() > deadline:
                break
        assert f"http://localhost:{port}/" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            health = json.load(response)
        assert health["database"]["vendor"] == "sqlite"
        assert health["broker"] == {"ok": True, "transport": "sqla+sqlite"}
    finally:
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) == 0
    # Nothing of the process group (gunicorn, celery worker, beat) is left behind.
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-g", str(launcher.pid)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
