"""Time from "submit" to the next item on screen, in the real workspace, on 805 real items.

Self-contained by default: creates (or reuses) a PostgreSQL database, migrates it,
imports the 805 AlpacaEval items (K=4) from ../shared/data into a fresh project,
starts gunicorn with production settings, drives headless Chromium through the
workspace with the keyboard, and stops everything. ``--url`` points it at a
running server instead (with ``--username``, ``--password``, ``--project-id``).

For each submit it measures, inside the page, the time from the Enter keydown to
the next item's prompt being in the DOM and to the frame after that (painted).
It also reports the gzipped size of the JavaScript the workspace loads.

    .venv/bin/python benchmarks/workspace/bench_workspace.py --submits 30
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATA = ROOT.parent / "shared" / "data" / "alpaca_eval_k4.jsonl.gz"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rankwise_workspace_bench"
USERNAME = "bench-annotator"
PASSWORD = "bench-annotator-password"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Production-like settings for the server this script starts.
SERVER_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "workspace-benchmark-dummy-secret-key-not-for-production-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_LOG_LEVEL": "warning",
}

# Installed before Enter is pressed; resolves once the next prompt is on screen.
MEASURE_JS = """
(previous) => {
  window.__benchResult = new Promise((resolve) => {
    let pressed = null;
    const onKey = (event) => {
      if (event.key === 'Enter' && pressed === null) pressed = performance.now();
    };
    window.addEventListener('keydown', onKey, true);
    const observer = new MutationObserver(() => {
      const prompt = document.querySelector('.item:not([hidden]) section[data-prompt-id]');
      if (pressed === null || !prompt || prompt.dataset.promptId === previous) return;
      const inDom = performance.now();
      observer.disconnect();
      window.removeEventListener('keydown', onKey, true);
      // The frame after the commit: the item has been painted.
      requestAnimationFrame(() => setTimeout(() => resolve({
        promptId: prompt.dataset.promptId,
        domMs: inDom - pressed,
        paintMs: performance.now() - pressed,
        text: prompt.innerText.slice(0, 80),
      }), 0));
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_ensure(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.update(SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _project_create(data: Path) -> tuple[int, int]:
    """A fresh project with every item of ``data``; returns (project id, items)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from annotation.models import Completion, Prompt
    from projects.models import Membership, Project, Role

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    Project.objects.filter(slug__startswith="workspace-bench-").delete()
    with transaction.atomic():
        project = Project.objects.create(
            name="AlpacaEval K=4 (workspace benchmark)",
            slug=f"workspace-bench-{int(time.time())}",
            guidelines="Rank the completions from most to least helpful.",
            raters_per_item=1,
        )
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        with gzip.open(data, "rt", encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines]
        prompts = Prompt.objects.bulk_create(
            Prompt(
                project=project,
                external_id=r["id"],
                text=r["prompt"],
                metadata={"source": r.get("source", "")},
            )
            for r in records
        )
        Completion.objects.bulk_create(
            (
                Completion(prompt=p, position=i, text=c["text"], model_name=c.get("model", ""))
                for p, r in zip(prompts, records, strict=True)
                for i, c in enumerate(r["completions"])
            ),
            batch_size=2000,
        )
    return project.pk, len(records)


def _server_start(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url}
    OUT.mkdir(exist_ok=True)
    log = (OUT / "gunicorn.log").open("wb")
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {OUT / 'gunicorn.log'}") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(_percentile(values, 0.95), 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


def _measure(url: str, project_id: int, submits: int, think_s: float) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    scripts: dict[str, bytes] = {}
    samples: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_FLAGS
        )
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def on_response(response: Any) -> None:
            if response.request.resource_type == "script" and response.url not in scripts:
                scripts[response.url] = response.body()

        page.on("response", on_response)
        page.goto(f"/projects/{project_id}/rank")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        item = page.locator(".item:not([hidden])")
        prompt = item.locator("section[data-prompt-id]")
        expect(prompt).to_be_visible(timeout=30_000)
        page.remove_listener("response", on_response)

        for _ in range(submits):
            cards = item.locator("article[data-completion-id]")
            expect(cards.first).to_be_focused()
            page.wait_for_timeout(think_s * 1000)  # the annotator reads; the prefetch lands
            for key in "1234"[: cards.count()]:
                page.keyboard.press(key)
            previous = prompt.get_attribute("data-prompt-id")
            page.evaluate(MEASURE_JS, previous)
            started = time.perf_counter()
            page.keyboard.press("Enter")
            result = page.evaluate("window.__benchResult")
            expect(prompt).not_to_have_attribute("data-prompt-id", previous or "")
            result["playwrightMs"] = (time.perf_counter() - started) * 1000
            samples.append(result)
        expect(page.locator(".save-status__text")).to_have_text("Saved", timeout=30_000)
        browser.close()

    js_gzip = {
        u.rsplit("/", 1)[-1]: len(gzip.compress(b, compresslevel=9)) for u, b in scripts.items()
    }
    return {
        "samples": samples,
        "errors": errors,
        "initial_js": {
            "files": {name: {"gzip_bytes": size} for name, size in js_gzip.items()},
            "raw_bytes": sum(len(b) for b in scripts.values()),
            "gzip_bytes": sum(js_gzip.values()),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="seconds on each item")
    parser.add_argument("--url", help="a running server (skips setup and gunicorn)")
    parser.add_argument("--project-id", type=int)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    server = None
    items = None
    if args.url:
        if args.project_id is None:
            parser.error("--url needs --project-id (and the bench-annotator user)")
        url, project_id = args.url, args.project_id
    else:
        _database_ensure(args.database_url)
        _django_setup(args.database_url)
        started = time.perf_counter()
        project_id, items = _project_create(args.data)
        elapsed = time.perf_counter() - started
        print(f"setup: project {project_id} with {items} items in {elapsed:.1f} s")
        port = _free_port()
        server = _server_start(args.database_url, port)
        url = f"http://127.0.0.1:{port}"
    try:
        measured = _measure(url, project_id, args.submits, args.think)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)

    samples = measured["samples"]
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "items": items,
        "submits": len(samples),
        "think_s": args.think,
        "next_item_painted_ms": _summary([s["paintMs"] for s in samples]),
        "next_item_in_dom_ms": _summary([s["domMs"] for s in samples]),
        "playwright_roundtrip_ms": _summary([s["playwrightMs"] for s in samples]),
        "initial_js": measured["initial_js"],
        "page_errors": measured["errors"],
        "cpus": os.cpu_count(),
        # Other work on the machine skews every number: say how busy it was.
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({**report, "samples": samples}, indent=1))
    print(json.dumps(report, indent=1))
    painted = report["next_item_painted_ms"]
    js_kb = report["initial_js"]["gzip_bytes"] / 1000
    ok = painted["p95"] < 100 and js_kb < 300 and not measured["errors"]
    print(
        f"next item painted after submit: p50 {painted['p50']} ms, p95 {painted['p95']} ms, "
        f"max {painted['max']} ms (target < 100 ms); initial JS {js_kb:.1f} kB gzipped "
        f"(target < 300 kB): {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
