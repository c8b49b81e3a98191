"""Run web, Celery worker and Celery beat together, for ``make run``.

Production runs each as its own service (docker-compose.yml), restarted by whatever runs
the services; here one command starts all three, prints the URL once the web server
answers, and supervises them: one that dies is logged and started again after a backoff
while the others keep running. Ctrl-C (or SIGTERM) stops them all, and nothing restarts
while they stop.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import FrameType

# How long a process is given to stop on Ctrl-C before it is killed.
STOP_SECONDS = 15.0


def _commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [
            python, "-m", "gunicorn", "config.wsgi:application",
            "--config", "python:config.gunicorn",
            "--bind", f"{host}:{port}", "--workers", "2", "--threads", "4",
            "--access-logfile", "-", "--timeout", "120",
        ],
        "worker": [
            python, "-m", "celery", "-A", "config", "worker", "-Q", "default,training,generation",
            "--concurrency", "2", "--loglevel", "INFO", "--hostname", "embedded@%h",
        ],
        "beat": [
            python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
        ],
    }  # fmt: skip


@dataclass
class Backoff:
    """The wait before starting a process that died again: ``first`` seconds, doubled for
    each further death soon after a start, at most ``cap``. A process that stayed up
    ``stable`` seconds before it died counts as a first death again."""

    first: float = 1.0
    cap: float = 60.0
    stable: float = 60.0
    deaths: int = 0

    def delay(self, *, uptime: float) -> float:
        if uptime >= self.stable:
            self.deaths = 0
        self.deaths += 1
        return min(self.cap, self.first * 2 ** (self.deaths - 1))


def _say(message: str) -> None:
    print(f"rankwise: {message}", file=sys.stderr, flush=True)


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


def _kill_group(pid: int) -> None:
    """Kill what is left in the process group of a child that just exited: gunicorn's
    workers (they hold the port) and Celery's pool processes outlive a killed parent for a
    moment. Called right after the exit, before the group's id can be anyone else's."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


class Child:
    """One supervised process. Each runs in a process group of its own, so that its
    leftovers can be cleared, and so that Ctrl-C reaches the launcher only: the launcher
    stops them."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.backoff = Backoff()
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, process_group=0)
        self.started_at = time.monotonic()
        self.restart_at = None
        _say(f"{self.name} started (pid {self.process.pid})")

    def died(self) -> bool:
        """It exited, and no restart is scheduled yet."""
        exited = self.process is not None and self.process.poll() is not None
        return exited and self.restart_at is None

    def supervise(self) -> None:
        """Schedule the restart of a process that died; start it once the backoff is over."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
        elif self.died() and self.process is not None:
            _kill_group(self.process.pid)
            uptime = now - self.started_at
            delay = self.backoff.delay(uptime=uptime)
            self.restart_at = now + delay
            how = _how_it_ended(self.process.returncode)
            _say(
                f"{self.name} (pid {self.process.pid}) stopped ({how}) after {uptime:.0f} s; "
                f"restarting it in {delay:g} s"
            )

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self, deadline: float) -> None:
        """Wait until the process, sent SIGTERM already, stops; kill it at ``deadline``."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{self.name} did not stop within {STOP_SECONDS:g} s; killing it")
        _kill_group(self.process.pid)
        self.process.wait()


def _stop(children: list[Child]) -> None:
    # One waiting for its restart has been cleared up already; it stays down.
    current = [child for child in children if child.restart_at is None]
    for child in current:
        child.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in current:
        child.stop(deadline)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if unhealthy: /healthz says why
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # The children are in process groups of their own, so the terminal's signals reach the
    # launcher only (SIGHUP too, when the terminal closes): it stops them.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    commands = _commands(args.host, args.port)
    children = {name: Child(name, command) for name, command in commands.items()}
    for child in children.values():
        child.start()
    shown_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    health = f"http://127.0.0.1:{args.port}/healthz"
    announced = False
    while not stopping:
        if not announced and children["web"].died():
            # It never came up: the port is taken or a setting is wrong, and starting it
            # again would fail the same way.
            _say("web stopped before it ever answered; stopping the others")
            _stop(list(children.values()))
            return 1
        for child in children.values():
            if not stopping:
                child.supervise()
        if not announced and _answers(health):
            announced = True
            print(
                f"\n  Rankwise is running at http://{shown_host}:{args.port}/  "
                "(Ctrl-C stops web, worker and beat)\n",
                flush=True,
            )
        time.sleep(0.5)
    _stop(list(children.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
