"""Helpers of the import-job tests: the imports URL, a JSONL body, an upload, a job's state."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

SYNC_BYTES = 100


def url(project, tail: str = "") -> str:
    return f"/api/v1/projects/{project.id}/imports/{tail}"


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def post(client, project, content: bytes, name: str = "items.jsonl", **fields):
    return client.post(url(project), {"file": SimpleUploadedFile(name, content), **fields})


def uploads(media) -> list[str]:
    folder = media / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def job_of(client, project, response) -> dict:
    assert response.status_code == 202, response.json()
    return client.get(url(project, f"{response.json()['id']}/")).json()
