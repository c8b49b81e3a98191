from django.urls import path

from preferences.api import activity, agreement, items

urlpatterns = [
    path("projects/<int:project_id>/items/", items.ItemListView.as_view(), name="items"),
    path(
        "projects/<int:project_id>/items/models/",
        items.ItemModelsView.as_view(),
        name="item-models",
    ),
    path(
        "projects/<int:project_id>/items/<int:prompt_id>/",
        items.ItemDetailView.as_view(),
        name="item-detail",
    ),
    path("projects/<int:project_id>/activity/", activity.ActivityView.as_view(), name="activity"),
    path(
        "projects/<int:project_id>/agreement/",
        agreement.AgreementView.as_view(),
        name="agreement",
    ),
    path(
        "projects/<int:project_id>/consensus/refresh/",
        agreement.ConsensusRefreshView.as_view(),
        name="consensus-refresh",
    ),
]
