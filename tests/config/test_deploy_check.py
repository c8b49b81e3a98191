import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7%k2!q9vR-production-like-secret-key-with-plenty-of-entropy-4f8a1c",
    "DJANGO_ALLOWED_HOSTS": "rankwise.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://rankwise.example.org",
    "DJANGO_LOG_FORMAT": "json",
}


def test_check_deploy_is_clean_with_production_settings():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(PRODUCTION)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
