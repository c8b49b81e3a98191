"""`make run` starts web + worker + beat through config.launcher on the embedded defaults,
and keeps them running: a process that dies is started again, the others stay up."""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.launcher import Backoff
from tests.embedded import ROOT, embedded_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT, env=environment, check=True, timeout=300, capture_output=True,
    )  # fmt: skip


def _session_processes(session: int) -> str:
    found = subprocess.run(["pgrep", "-s", str(session)], capture_output=True, text=True)
    return found.stdout.strip()


class Launcher:
    """``python -m config.launcher`` in a session of its own; its output (the children's
    too) is collected line by line for ``wait_for``."""

    def __init__(self, environment: dict[str, str], port: int) -> None:
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "config.launcher", "--port", str(port)],
            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: str, seconds: float = 180, after: int = 0) -> re.Match[str]:
        """The first line from index ``after`` on that matches ``pattern``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if found := re.search(pattern, line):
                    return found
            time.sleep(0.1)
        raise AssertionError(f"no line matches {pattern!r}:\n{self.output()}")

    def pid_of(self, name: str, after: int = 0) -> int:
        return int(self.wait_for(rf"rankwise: {name} started \(pid (\d+)\)", after=after)[1])

    def output(self) -> str:
        return "".join(self.lines[-200:])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def clean_up(self) -> None:
        """After a failed test: nothing of this session may outlive it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        subprocess.run(["pkill", "-KILL", "-s", str(self.process.pid)], check=False)


class HealthWatch:
    """Asks /healthz every 0.2 s in a thread; ``failures`` lists what did not answer 200."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answered = 0
        self.failures: list[str] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.2):
            try:
                with urllib.request.urlopen(self.url, timeout=30) as response:
                    self.answered += 1
                    if response.status != 200:
                        self.failures.append(f"status {response.status}")
            except OSError as error:  # HTTPError included
                self.failures.append(repr(error))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


@pytest.fixture
def embedded(tmp_path):
    environment = embedded_env(tmp_path)
    _manage(environment, "migrate", "-v", "0")
    return environment


@pytest.fixture
def launch(embedded):
    """``launch()`` starts the launcher on a free port; whatever it started is gone after."""
    started = []

    def start(port: int | None = None) -> Launcher:
        launcher = Launcher(embedded, port or _free_port())
        started.append(launcher)
        return launcher

    yield start
    for launcher in started:
        launcher.clean_up()


def _api(launcher: Launcher, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(
        launcher.url(path),
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"}
        | ({"Authorization": f"Token {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _child_of(parent: int, command: bytes, seconds: float = 60) -> int:
    """The pid of the child of ``parent`` whose command line contains ``command``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            for pid in children.read_text().split():
                with contextlib.suppress(FileNotFoundError):
                    if command in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "):
                        return int(pid)
        time.sleep(0.2)
    raise AssertionError(f"{parent} has no child running {command!r}")


def test_the_launcher_serves_on_the_embedded_defaults_and_stops_everything(launch):
    launcher = launch()
    line = launcher.wait_for("Rankwise is running at").string
    assert f"http://localhost:{launcher.port}/" in line
    with urllib.request.urlopen(launcher.url("/healthz"), timeout=10) as response:
        health = json.load(response)
    assert health["database"]["vendor"] == "sqlite"
    assert health["broker"] == {"ok": True, "transport": "sqla+sqlite"}

    assert launcher.stop() == 0
    # Nothing of the session (gunicorn, celery worker, beat and their children) is left
    # behind, and nothing was started again while they stopped.
    time.sleep(1)
    assert _session_processes(launcher.process.pid) == ""
    assert "restarting" not in launcher.output()


def test_a_killed_worker_is_replaced_while_the_web_keeps_answering(embedded, launch):
    _manage(embedded, "seed_demo")
    launcher = launch()
    launcher.wait_for("Rankwise is running at")
    killed = _child_of(launcher.process.pid, b"celery -A config worker")
    mark = len(launcher.lines)
    health = HealthWatch(launcher.url("/healthz"))
    try:
        os.kill(killed, signal.SIGKILL)
        launcher.wait_for(
            rf"rankwise: worker \(pid {killed}\) stopped \(killed by SIGKILL\) after \d+ s; "
            r"restarting it in 1 s",
            after=mark,
        )
        replacement = launcher.pid_of("worker", after=mark)
        assert replacement == _child_of(launcher.process.pid, b"celery -A config worker")
        # The next task goes to the new worker: a dataset version queued through the API.
        token = _api(
            launcher,
            "/api/v1/auth/token/",
            {"username": "researcher", "password": "rankwise-demo"},
        )["token"]
        (project,) = _api(launcher, "/api/v1/projects/", token=token)["results"]
        datasets = f"/api/v1/projects/{project['id']}/datasets/"
        queued = _api(
            launcher, datasets, {"name": "after the kill", "include_imported": True}, token=token
        )
        assert queued["status"] == "building"
        deadline = time.monotonic() + 90
        version = queued
        while version["status"] == "building" and time.monotonic() < deadline:
            time.sleep(0.5)
            version = _api(launcher, f"{datasets}{queued['number']}/", token=token)
    finally:
        health.stop()
    assert version["status"] == "ready", version
    assert replacement != killed
    # The killed worker's pool processes went with it.
    assert not Path(f"/proc/{killed}").exists()
    assert subprocess.run(["pgrep", "-g", str(killed)], capture_output=True).stdout == b""
    assert health.failures == []
    assert health.answered >= 5
    assert launcher.stop() == 0


def test_a_killed_web_server_is_started_again(launch):
    launcher = launch()
    launcher.wait_for("Rankwise is running at")
    killed = _child_of(launcher.process.pid, b"gunicorn")
    mark = len(launcher.lines)
    os.kill(killed, signal.SIGKILL)
    launcher.wait_for(rf"rankwise: web \(pid {killed}\) stopped \(killed by SIGKILL\)", after=mark)
    assert launcher.pid_of("web", after=mark) == _child_of(launcher.process.pid, b"gunicorn")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(launcher.url("/healthz"), timeout=30) as response:
                assert response.status == 200
                break
        except OSError:  # refused until it listens, or slow while its workers boot
            time.sleep(0.3)
    else:
        raise AssertionError(f"the web server did not come back:\n{launcher.output()}")
    assert launcher.stop() == 0


def test_the_launcher_gives_up_when_the_web_server_never_comes_up(launch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        launcher = launch(port=taken.getsockname()[1])
        assert launcher.process.wait(timeout=120) == 1
    assert "web stopped before it ever answered; stopping the others" in launcher.output()
    time.sleep(1)
    assert _session_processes(launcher.process.pid) == ""


def test_restarts_back_off_from_one_second_doubling_up_to_the_cap():
    backoff = Backoff(first=1, cap=60, stable=60)
    delays = [backoff.delay(uptime=2) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]


def test_the_backoff_starts_over_once_a_process_stayed_up_long_enough():
    backoff = Backoff(first=1, cap=60, stable=60)
    for _ in range(4):
        backoff.delay(uptime=0.5)
    assert backoff.delay(uptime=59) == 16
    assert backoff.delay(uptime=60) == 1
    assert backoff.delay(uptime=3) == 2
