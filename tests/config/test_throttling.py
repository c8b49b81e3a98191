"""Sign-in throttling: failed password checks per account and per address (on Redis)."""

import subprocess
import sys
import time

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from config.throttling import SignInLocked, sign_in_attempt
from tests.embedded import ROOT, embedded_env
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN, TOKEN = "/api/v1/auth/login/", "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fast_password_checks(settings):
    # What is tested here is the counting, not the hashing (the default takes ~0.5 s a check).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(url, username, password, **headers):
    payload = {"username": username, "password": password}
    return APIClient().post(url, payload, format="json", **headers)


def _fail(times, username, url=LOGIN, **headers):
    for _ in range(times):
        assert _sign_in(url, username, "wrong", **headers).status_code == 400


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one():
    UserFactory(username="ann")
    _fail(5, "ann")
    response = _sign_in(LOGIN, "ann", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"] == {
        "status": 429,
        "code": "throttled",
        "message": "Too many failed sign-in attempts. Try again in 15 minutes.",
        "fields": {},
    }
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "sessionid" not in response.cookies


def test_session_login_and_token_exchange_share_the_count():
    UserFactory(username="bot")
    _fail(3, "bot", LOGIN)
    _fail(2, "bot", TOKEN)
    assert _sign_in(TOKEN, "bot", PASSWORD).status_code == 429


def test_right_passwords_never_count(settings):
    settings.LOGIN_FAILURES_PER_USER = 2
    UserFactory(username="ann")
    for _ in range(25):  # beyond both limits
        assert _sign_in(TOKEN, "ann", PASSWORD).status_code == 200
    _fail(1, "ann")
    assert _sign_in(LOGIN, "ann", PASSWORD).status_code == 200


def test_the_lock_ends_with_the_window(settings):
    settings.LOGIN_FAILURES_WINDOW_SECONDS = 2
    UserFactory(username="ann")
    _fail(5, "ann")
    locked = _sign_in(LOGIN, "ann", PASSWORD)
    assert locked.status_code == 429
    assert (locked["Retry-After"], locked.json()["error"]["message"]) in {
        ("1", "Too many failed sign-in attempts. Try again in 1 second."),
        ("2", "Too many failed sign-in attempts. Try again in 2 seconds."),
    }
    time.sleep(2.1)
    assert _sign_in(LOGIN, "ann", PASSWORD).status_code == 200


def test_twenty_failures_from_one_address_lock_every_account_from_it():
    UserFactory(username="victim")
    for n in range(5):
        _fail(4, f"guess{n}")
    assert _sign_in(TOKEN, "victim", PASSWORD).status_code == 429
    # ... from that address only: the account itself is not locked.
    assert _sign_in(TOKEN, "victim", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = 0
    UserFactory(username="victim")
    for n in range(20):
        _fail(1, f"guess{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = _sign_in(LOGIN, "victim", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(settings):
    settings.TRUSTED_PROXIES = 1
    UserFactory(username="victim")
    # The client writes what it likes on the left; the proxy appends the address it saw.
    for n in range(20):
        _fail(1, f"guess{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7")
    spoofed = "203.0.113.1, 198.51.100.7"
    assert _sign_in(LOGIN, "victim", PASSWORD, HTTP_X_FORWARDED_FOR=spoofed).status_code == 429
    other_client = "198.51.100.8"
    assert _sign_in(LOGIN, "victim", PASSWORD, HTTP_X_FORWARDED_FOR=other_client).status_code == 200


def test_guesses_in_flight_at_once_cannot_pass_the_limit():
    request = RequestFactory().post(LOGIN)
    for _ in range(5):  # checked in parallel: none has failed yet
        sign_in_attempt(request, username="ann")
    with pytest.raises(SignInLocked):
        sign_in_attempt(request, username="ann")


def test_the_account_count_ignores_the_usernames_case():
    UserFactory(username="ann")
    for spelling in ("Ann", "ANN", "aNN", "ann", "AnN"):
        _fail(1, spelling)
    assert _sign_in(LOGIN, "ann", PASSWORD).status_code == 429


EMBEDDED_FAILURES = """
import django
django.setup()
from django.test import RequestFactory
from config.throttling import SignInLocked, sign_in_attempt
request = RequestFactory().post("/api/v1/auth/login/")
try:
    for _ in range({times}):
        sign_in_attempt(request, username="ann")
except SignInLocked:
    print("locked")
else:
    print("open")
"""


def test_the_embedded_mode_counts_failures_once_for_all_web_processes(tmp_path):
    """`make run` serves from two gunicorn processes: the counts must be shared."""
    environment = {**embedded_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}

    def run(times):
        result = subprocess.run(
            [sys.executable, "-c", EMBEDDED_FAILURES.format(times=times)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    assert run(5) == "open"
    assert run(1) == "locked"
    assert (tmp_path / "cache" / "throttle").is_dir()
