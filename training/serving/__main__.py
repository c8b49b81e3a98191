"""``python -m training.serving [gunicorn options]``: the scoring server, one process.

Defaults: bind 0.0.0.0:8001, 64 threads, gunicorn's hooks of the web tier; any gunicorn
option given after it replaces or adds to these. Point RL trainers (OpenRLHF's
``--reward.remote_url``, ``RankwiseReward``) at it; set ``RANKWISE_SCORING_DEVICE=cuda``
on a GPU box.
"""

import sys

from gunicorn.app.wsgiapp import run  # type: ignore[import-untyped]

DEFAULTS = [
    "--config", "python:config.gunicorn",
    "--bind", "0.0.0.0:8001",
    "--workers", "1",
    "--threads", "64",
    "--timeout", "300",
]  # fmt: skip

if __name__ == "__main__":
    sys.argv = ["gunicorn", *DEFAULTS, *sys.argv[1:], "training.serving.wsgi:application"]
    run()
