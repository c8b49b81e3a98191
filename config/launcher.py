"""Run web, Celery worker and Celery beat together, for ``make run``.

Production runs each as its own service (docker-compose.yml); here one command
starts all three, prints the URL once the web server answers, and stops them all
together on Ctrl-C or as soon as any one of them dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import FrameType


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
            python, "-m", "celery", "-A", "config", "worker", "-Q", "default,training",
            "--concurrency", "2", "--loglevel", "INFO", "--hostname", "embedded@%h",
        ],
        "beat": [
            python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
        ],
    }  # fmt: skip


def _wait_until_up(url: str, processes: dict[str, subprocess.Popen[bytes]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, even if unhealthy: /healthz says why
        except OSError:
            time.sleep(0.3)
    return False


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    processes = {
        name: subprocess.Popen(command) for name, command in _commands(args.host, args.port).items()
    }
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    shown_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    url = f"http://{shown_host}:{args.port}/"
    if _wait_until_up(f"http://127.0.0.1:{args.port}/healthz", processes, seconds=60):
        print(
            f"\n  Rankwise is running at {url}  (Ctrl-C stops web, worker and beat)\n", flush=True
        )
    while not stopping:
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead:
            print(f"rankwise: {', '.join(dead)} exited; stopping the others.", file=sys.stderr)
            _stop(processes)
            return 1
        time.sleep(0.5)
    _stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
