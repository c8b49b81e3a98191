"""The hand-written hot-path SQL reads and writes rows exactly as the ORM does."""

import uuid

import pytest
from django.db import connection

from annotation.models import Assignment, Prompt, Ranking
from config import sql
from tests.factories import AssignmentFactory, UserFactory, item_with_completions

pytestmark = pytest.mark.django_db


def _fetch(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(model, 't')} FROM {model._meta.db_table} t WHERE t.id = %s",
            [pk],
        )
        return sql.from_row(model, cursor.fetchone())


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_row_reads_back_as_the_orm_reads_it(project):
    prompt = item_with_completions(
        project,
        messages=[{"role": "user", "content": "Hi"}],
        metadata={"source": "test", "n": 3},
        gold_ranking=[[1], [0]],
    )
    assert _fields(_fetch(Prompt, prompt.pk)) == _fields(Prompt.objects.get(pk=prompt.pk))


def test_an_inserted_row_is_what_save_would_have_stored(project):
    prompt = item_with_completions(project, k=2)
    annotator = UserFactory()
    ranking = Ranking(
        project=project,
        prompt=prompt,
        annotator=annotator,
        tiers=[[2], [1]],
        display_order=[1, 2],
        client_request_id=uuid.uuid4(),
    )
    with connection.cursor() as cursor:
        sql.insert(cursor, ranking)
    stored = Ranking.objects.get(pk=ranking.pk)
    assert _fields(stored) == _fields(ranking)
    assert stored.created_at is not None
    assert stored.kind == Ranking.Kind.RANKED  # the field default


def test_query_parameters_are_prepared_by_their_field(project):
    prompt = item_with_completions(project, k=2)
    lease = AssignmentFactory(
        prompt=prompt,
        annotator=UserFactory(),
        display_order=[1, 2],
        expires_at=prompt.created_at,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Assignment._meta.db_table} WHERE expires_at = %s",
            [sql.param(Assignment, "expires_at", lease.expires_at)],
        )
        assert cursor.fetchall() == [(lease.pk,)]
