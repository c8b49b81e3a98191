import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = """
import logging, django
django.setup()
logging.getLogger("rankwise.test").warning("lease expired", extra={"prompt_id": 7})
"""


def test_json_log_format_writes_one_json_object_per_line():
    environment = {
        **os.environ,
        "DJANGO_LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SNIPPET],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "lease expired"
    assert record["level"] == "WARNING"
    assert record["logger"] == "rankwise.test"
    assert record["prompt_id"] == 7
