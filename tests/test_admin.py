import pytest
from django.apps import apps
from django.contrib import admin

# Derived rows keyed by a composite primary key, which Django's admin cannot show: a
# ranking's pairs follow from the ranking, which is in the admin.
NOT_IN_ADMIN = {"annotation.rankingpair"}


@pytest.mark.parametrize("app_label", ["annotation", "training"])
def test_every_model_of_rankwise_is_in_django_admin(app_label):
    for model in apps.get_app_config(app_label).get_models():
        if model._meta.label_lower not in NOT_IN_ADMIN:
            assert admin.site.is_registered(model), model


@pytest.mark.django_db
def test_the_admin_pages_render(admin_client, project):
    for path in (
        "/admin/",
        "/admin/annotation/project/",
        f"/admin/annotation/project/{project.id}/change/",
    ):
        assert admin_client.get(path).status_code == 200
