import pytest
from django.apps import apps
from django.contrib import admin


@pytest.mark.parametrize("app_label", ["annotation", "training"])
def test_every_model_of_rankwise_is_in_django_admin(app_label):
    for model in apps.get_app_config(app_label).get_models():
        assert admin.site.is_registered(model), model


@pytest.mark.django_db
def test_the_admin_pages_render(admin_client, project):
    for path in (
        "/admin/",
        "/admin/annotation/project/",
        f"/admin/annotation/project/{project.id}/change/",
    ):
        assert admin_client.get(path).status_code == 200
