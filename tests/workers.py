"""Real Celery worker processes for tests that need one, on the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]


class TrainingWorkers:
    """``start()`` launches a ``training``-queue worker (solo pool) that sees the test
    database and writes under ``data_dir``; ``stop_all()`` kills whatever is left.
    ``queue="default"`` gives workers of the other queue (imports, exports, builds)."""

    def __init__(self, data_dir: Path, queue: str = "training") -> None:
        self.data_dir = data_dir
        self.queue = queue
        self.processes: list[subprocess.Popen[bytes]] = []
        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)  # type: ignore[attr-defined]

    def start(self) -> subprocess.Popen[bytes]:
        db = connection.settings_dict
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "RANKWISE_DATA_DIR": str(self.data_dir),
            "RANKWISE_TRAINING_HEARTBEAT_SECONDS": "1",
        }
        log = (self.data_dir / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue,
             "--pool", "solo", "--without-gossip", "--without-mingle", "-l", "info"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()
