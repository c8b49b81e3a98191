import pytest
from django.apps import apps
from django.contrib import admin

# Derived rows keyed by a composite primary key, which Django's admin cannot show: a
# ranking's pairs follow from the ranking, which is in the admin.
NOT_IN_ADMIN = {"preferences.rankingpair"}


@pytest.mark.parametrize(
    "app_label", ["projects", "annotation", "preferences", "dataset_versions", "training"]
)
def test_every_model_of_rankwise_is_in_django_admin(app_label):
    for model in apps.get_app_config(app_label).get_models():
        if model._meta.label_lower not in NOT_IN_ADMIN:
            assert admin.site.is_registered(model), model


@pytest.mark.django_db
def test_the_admin_pages_render(admin_client, project):
    for path in (
        "/admin/",
        "/admin/projects/project/",
        f"/admin/projects/project/{project.id}/change/",
    ):
        assert admin_client.get(path).status_code == 200


@pytest.mark.django_db
def test_an_admin_address_from_before_the_app_split_leads_to_the_moved_model(admin_client, project):
    response = admin_client.get(f"/admin/annotation/project/{project.id}/change/?a=1")
    assert response.status_code == 301
    assert response["Location"] == f"/admin/projects/project/{project.id}/change/?a=1"
    assert admin_client.get("/admin/annotation/prompt/").status_code == 200


# Endings that take "es", not a bare "s", in the plural (class → classes, box → boxes).
SIBILANT = ("s", "x", "z", "ch", "sh")


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_every_admin_model_has_a_proper_plural(model):
    singular = str(model._meta.verbose_name)
    plural = str(model._meta.verbose_name_plural)
    assert not plural.endswith("ss"), plural
    assert not (singular.endswith(SIBILANT) and plural == f"{singular}s"), plural
    assert not (
        singular.endswith("y") and singular[-2:-1] not in "aeiou" and plural == f"{singular}s"
    )


@pytest.mark.django_db
def test_the_admin_index_names_the_settings_and_consensus_models_in_english(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Training settings" in page
    assert "Prompt consensuses" in page
