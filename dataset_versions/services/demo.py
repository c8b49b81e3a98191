"""The demo project that ``make run`` seeds, so a newcomer has something to rank."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from annotation.models import Prompt, Ranking
from annotation.services.imports import items_import
from dataset_versions.models import DatasetVersion
from dataset_versions.services.datasets import Rule, dataset_version_create, dataset_version_preview
from preferences.services.pairs import pairs_expand
from projects.models import Project, Role
from projects.services.projects import membership_set, project_create

DEMO_ITEMS = Path(__file__).resolve().parent.parent / "demo" / "items.jsonl"
# Preference pairs with a recorded choice, so a researcher can train a reward model at once.
DEMO_PAIRS = DEMO_ITEMS.with_name("pairs.jsonl")
DEMO_SLUG = "demo"
DEMO_RULE = Rule(include_imported=True)
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("admin", Role.ADMIN),
    ("researcher", Role.RESEARCHER),
    ("annotator1", Role.ANNOTATOR),
    ("annotator2", Role.ANNOTATOR),
    ("annotator3", Role.ANNOTATOR),
)
GUIDELINES = """\
# How to rank

Rank the answers from **best** (rank 1) to **worst**.

1. **Correct and safe** beats everything else. A wrong or harmful answer ranks last.
2. Then **helpful**: does it answer what was asked, completely?
3. Then **clear**: well organised, no padding.

Give two answers the same rank only when you truly cannot tell them apart.
"""


@dataclass(frozen=True)
class DemoSummary:
    project: Project
    usernames: list[tuple[str, Role]]
    prompts_created: int


def _demo_user(username: str, role: Role, password: str) -> User:
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(password)
        # The demo admin may also use Django's admin site.
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
    return user


def demo_description(*, project: Project) -> str:
    """What the demo holds, counted from its data: the card shows it beside the annotator's
    "N left for you", so the two must agree."""
    imported = Ranking.objects.filter(prompt=OuterRef("pk"), annotator__isnull=True)
    items = Prompt.objects.filter(project=project, is_gold=False).annotate(
        answers=Count("completions"), recorded=Exists(imported)
    )
    sizes = Counter(
        answers for answers, recorded in items.values_list("answers", "recorded") if not recorded
    )
    recorded = items.filter(recorded=True).count()
    parts = [f"{n} with {k} model answers each" for k, n in sorted(sizes.items(), reverse=True)]
    if recorded:
        parts.append(f"{recorded} answer pairs that come with a recorded preference")
    total = sum(sizes.values()) + recorded
    return f"{total} prompts to rank: {' and '.join(parts)}, to try Rankwise out."


@transaction.atomic
def demo_seed(*, password: str) -> DemoSummary:
    """Create (or top up) the demo project, its users and its items. Safe to run again."""
    users = {name: _demo_user(name, role, password) for name, role in DEMO_USERS}
    project = Project.objects.filter(slug=DEMO_SLUG).first() or project_create(
        name="Demo: helpful answers",
        slug=DEMO_SLUG,
        guidelines=GUIDELINES,
        raters_per_item=3,
        created_by=users["admin"],
    )
    for name, role in DEMO_USERS:
        membership_set(project=project, user=users[name], role=role)
    with DEMO_ITEMS.open("rb") as items:
        items_report = items_import(project=project, file=items, file_name=DEMO_ITEMS.name)
    with DEMO_PAIRS.open("rb") as pairs:
        pairs_report = items_import(
            project=project, file=pairs, file_name=DEMO_PAIRS.name, source="demo-seed"
        )
    project.description = demo_description(project=project)
    project.save(update_fields=["description"])
    if not DatasetVersion.objects.filter(project=project).exists():
        dataset_version_create(
            project=project,
            rule=DEMO_RULE,
            name="demo seed",
            seed=demo_split_seed(project=project),
            created_by=users["researcher"],
        )
    return DemoSummary(
        project=project,
        usernames=list(DEMO_USERS),
        prompts_created=items_report.created + pairs_report.created,
    )


def demo_split_seed(*, project: Project) -> int:
    """The first split seed that gives the demo version validation prompts: a run needs
    them, and the demo's few recorded prompts at the default shares leave none about one
    install in five (the split hashes prompt ids, which differ between databases)."""
    pairs_expand(project_id=project.pk)  # the preview counts expanded pairs
    for seed in range(100):
        counts = dataset_version_preview(project=project, rule=DEMO_RULE, seed=seed)
        if counts["validation"]["prompts"] and counts["train"]["prompts"]:
            return seed
    return 0
