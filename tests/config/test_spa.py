import pytest

pytestmark = pytest.mark.django_db


def test_client_side_routes_get_the_spa_shell(client, settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    settings.FRONTEND_DIST = tmp_path
    for path in ("/", "/login", "/projects/3/rank"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"<div id=root>" in b"".join(response.streaming_content)


def test_the_spa_shell_sets_the_csrf_cookie(client, settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")
    settings.FRONTEND_DIST = tmp_path
    assert "csrftoken" in client.get("/").cookies


def test_an_unbuilt_frontend_says_how_to_build_it(client, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 503
    assert b"npm run build" in response.content
