"""Running Rankwise the way `make run` does: SQLite file + SQLite broker, no servers."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def embedded_env(data_dir: Path) -> dict[str, str]:
    dropped = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment["RANKWISE_DATA_DIR"] = str(data_dir)
    return environment
