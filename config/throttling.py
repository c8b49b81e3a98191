"""Sign-in throttling: failed password checks, counted per account and per client address.

Both ways to sign in (session login and token exchange) go through ``sign_in_attempt``.
It reserves a try on the account's and on the address's budget *before* the password is
checked, so requests sent in parallel cannot all slip past the limit, and the try is given
back when the password was right: only failures count. A budget counts in windows of
``LOGIN_FAILURES_WINDOW_SECONDS`` that open with its first try; once a budget is spent,
every try on it, the right password included, is refused with a 429 until the window
closes.

Counts live in the ``throttle`` cache: Redis, or files under the data directory in the
embedded mode, so that every web process sees the same counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.exceptions import ErrorDetail, Throttled

CACHE = "throttle"


class SignInLocked(Throttled):
    """A 429 that says when to try again (DRF's handler adds Retry-After from ``wait``)."""

    def __init__(self, *, wait: float) -> None:
        seconds = math.ceil(wait)
        super().__init__(wait=seconds)
        self.detail = ErrorDetail(
            f"Too many failed sign-in attempts. Try again in {_duration(seconds)}.",
            code=self.default_code,
        )


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class _Try:
    counter: str  # the cache key of the window's count
    count: int  # tries in the window, this one included
    window_ends: float


@dataclass(frozen=True)
class _Budget:
    key: str
    limit: int

    @classmethod
    def of(cls, kind: str, value: str, limit: int) -> _Budget:
        # Hashed: a username may hold characters some cache backends refuse in keys.
        return cls(f"signin:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}", limit)

    def take(self, now: float) -> _Try:
        cache, window = caches[CACHE], settings.LOGIN_FAILURES_WINDOW_SECONDS
        cache.add(f"{self.key}:end", now + window, timeout=window)
        window_ends = cache.get(f"{self.key}:end") or now + window
        # One counter per window, so a count can never outlive its window (the file cache's
        # incr rewrites an entry with a fresh expiry).
        counter = f"{self.key}:{window_ends:.6f}"
        cache.add(counter, 0, timeout=window)
        try:
            count = cache.incr(counter)
        except ValueError:  # the window closed between add and incr
            count = 1
            cache.set(counter, count, timeout=window)
        return _Try(counter, count, window_ends)


def _give_back(attempt: _Try) -> None:
    with contextlib.suppress(ValueError):  # the window has closed meanwhile
        caches[CACHE].decr(attempt.counter)


class SignInAttempt:
    """One password check under way, holding a try on each budget."""

    def __init__(self, tries: list[_Try]) -> None:
        self._tries = tries

    def succeeded(self) -> None:
        """The password was right: the tries were no failures, give them back."""
        for attempt in self._tries:
            _give_back(attempt)


def sign_in_attempt(request: HttpRequest, *, username: str) -> SignInAttempt:
    """Reserve a try for ``username`` from the request's address, or raise SignInLocked.

    Call ``succeeded()`` on the result when the password was right; a try not given back
    counts as a failure.
    """
    now = time.time()
    budgets = [
        _Budget.of("user", username.casefold(), settings.LOGIN_FAILURES_PER_USER),
        _Budget.of("address", client_address(request), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]
    tries = [budget.take(now) for budget in budgets]
    spent = [t for budget, t in zip(budgets, tries, strict=True) if t.count > budget.limit]
    if spent:
        for attempt in tries:  # a refused try is no failure either
            _give_back(attempt)
        raise SignInLocked(wait=max(1.0, max(t.window_ends for t in spent) - now))
    return SignInAttempt(tries)


def client_address(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or behind ``TRUSTED_PROXIES``
    proxies the X-Forwarded-For entry the outermost of them added."""
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if settings.TRUSTED_PROXIES and forwarded:
        return forwarded[-min(settings.TRUSTED_PROXIES, len(forwarded))]
    return str(request.META.get("REMOTE_ADDR", ""))
