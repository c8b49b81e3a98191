"""The scoring server's WSGI application: Rankwise's settings, database and token auth,
answering only ``training.serving.urls``.

Run it as one process with many threads (``python -m training.serving`` or the compose
``scorer`` service): every request thread of the process feeds the same batcher per
model, so concurrent RL callers share forward passes on the one GPU. Several processes
would each load the model and split the batches.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

URLCONF = "training.serving.urls"


class ScorerHandler(WSGIHandler):
    def get_response(self, request: HttpRequest) -> Any:
        # Django resolves with a request's own urlconf when it has one
        request.urlconf = URLCONF  # type: ignore[attr-defined]
        return super().get_response(request)


def _application() -> ScorerHandler:
    import django

    django.setup(set_prefix=False)
    return ScorerHandler()


application = _application()
