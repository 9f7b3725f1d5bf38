import pytest

from apps.audit.models import AuditEvent
from apps.core.tenancy import UnscopedQueryError
from apps.workspaces.models import Membership
from tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def two_workspaces(db):
    a, b = WorkspaceFactory(), WorkspaceFactory()
    MembershipFactory.create_batch(2, workspace=a)
    MembershipFactory.create_batch(3, workspace=b)
    return a, b


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Membership.objects.all()),
        lambda: Membership.objects.filter(role="owner").first(),
        lambda: Membership.objects.get(pk=1),
        lambda: Membership.objects.count(),
        lambda: Membership.objects.exists(),
        lambda: Membership.objects.update(role="admin"),
        lambda: Membership.objects.filter(role="copywriter").delete(),
        lambda: list(Membership.objects.values_list("pk", flat=True)),
        lambda: list(Membership.objects.iterator()),
        lambda: Membership.objects.in_bulk(),
        lambda: Membership.objects.aggregate(n=__import__("django").db.models.Count("pk")),
        lambda: AuditEvent.objects.order_by("-created_at")[:5][0],
    ],
)
def test_a_query_that_forgets_the_workspace_fails_loudly(two_workspaces, query):
    with pytest.raises(UnscopedQueryError, match="for_workspace"):
        query()
    # ...and nothing was changed by the refused update/delete.
    assert Membership.objects.all_workspaces().count() == 5
    assert not Membership.objects.all_workspaces().filter(role="admin").exists()


def test_for_workspace_returns_only_that_workspaces_rows(two_workspaces):
    a, b = two_workspaces
    assert Membership.objects.for_workspace(a).count() == 2
    assert Membership.objects.for_workspace(b).count() == 3
    assert {m.workspace_id for m in Membership.objects.for_workspace(b)} == {b.pk}
    # chaining keeps the scope
    assert Membership.objects.for_workspace(a).filter(role="copywriter").order_by("pk").count() == 2


def test_related_managers_of_a_loaded_object_are_scoped_by_it(two_workspaces):
    a, _ = two_workspaces
    assert a.memberships.count() == 2
    assert all(m.workspace_id == a.pk for m in a.memberships.all())


def test_a_get_for_another_workspaces_row_does_not_find_it(two_workspaces):
    a, b = two_workspaces
    foreign = Membership.objects.for_workspace(b).first()
    with pytest.raises(Membership.DoesNotExist):
        Membership.objects.for_workspace(a).get(pk=foreign.pk)
