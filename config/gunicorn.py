"""gunicorn hooks for every way Rankwise's web tier runs (compose, ``make run``, benchmarks).

    gunicorn config.wsgi:application --config python:config.gunicorn [options]

Without them, the first requests a worker serves import every view module through the
URLconf, and with it torch and transformers (the scoring API runs in the web process):
about 200,000 objects that live as long as the worker. The cyclic garbage collector then
walks all of them in every full collection, a pause of 50-500 ms that stops all of the
worker's threads at once and is what the annotators' slowest requests waited on
(benchmarks/annotation_load). Loading them up front and freezing them out of the
collector's reach makes a full collection walk only what requests leave behind.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Import what requests would import lazily, then freeze it (gc.freeze: Python 3.7+)."""
    del worker
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the attribute access imports every view)
    gc.collect()
    gc.freeze()
