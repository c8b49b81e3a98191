"""Rankwise settings: every value comes from the environment (see README, "Configuration").

With nothing set, Rankwise runs in its embedded development mode: a SQLite file
and a SQLite-backed Celery broker under ``RANKWISE_DATA_DIR``, no servers needed.

Two parts: ``base`` (Django and the web tier) and ``pipeline`` (Celery and its beat, the
training, scoring and generation workers), read in that order.
"""

from config.settings.base import *  # noqa: F403
from config.settings.pipeline import *  # noqa: F403
