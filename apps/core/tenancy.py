"""Tenancy that fails closed.

Every tenant-owned model inherits :class:`TenantModel` and is reached through
``Model.objects.for_workspace(workspace)``. A queryset that was never scoped raises
:class:`UnscopedQueryError` the moment it would touch the database, so a forgotten workspace
filter is a crash in development and in tests, never another tenant's rows in production.

Two paths are scoped by construction and therefore allowed:

* related managers reached from a loaded instance (``product.variants.all()``): the parent was
  itself loaded through a scoped query, so its children share its workspace;
* ``Model.objects.all_workspaces()``: the explicit, greppable escape hatch for site-wide code
  (the Django admin, management commands, migrations of data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, cast

from django.db import models

if TYPE_CHECKING:
    from apps.workspaces.models import Workspace


class UnscopedQueryError(RuntimeError):
    """A tenant-owned model was queried without naming the workspace."""


class TenantQuerySet(models.QuerySet):
    _workspace_scoped: bool = False

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]  # private Django API, not in the stubs
        clone._workspace_scoped = self._workspace_scoped
        return clone

    def _mark_scoped(self) -> Self:
        self._workspace_scoped = True
        return self

    def for_workspace(self, workspace: Workspace | int) -> Self:
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        if workspace_id is None:
            raise UnscopedQueryError("for_workspace() needs a saved workspace.")
        return self.filter(workspace_id=workspace_id)._mark_scoped()

    def all_workspaces(self) -> Self:
        return self.all()._mark_scoped()

    def _require_scope(self) -> None:
        if not self._workspace_scoped:
            raise UnscopedQueryError(
                f"{self.model.__name__} is tenant-owned: query it through "
                f"{self.model.__name__}.objects.for_workspace(workspace)."
            )

    # Every way a queryset reaches the database passes through one of these.
    def _fetch_all(self):
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def iterator(self, chunk_size=None):
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)

    def aiterator(self, chunk_size=2000):
        self._require_scope()
        return super().aiterator(chunk_size=chunk_size)

    def count(self) -> int:
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self):
        self._require_scope()
        return super().delete()

    def in_bulk(self, id_list=None, *, field_name="pk"):
        self._require_scope()
        return super().in_bulk(id_list, field_name=field_name)

    def explain(self, *, format=None, **options):
        self._require_scope()
        return super().explain(format=format, **options)


_TenantManagerBase = models.Manager.from_queryset(TenantQuerySet)


class TenantManager(_TenantManagerBase):
    def get_queryset(self) -> TenantQuerySet:
        queryset = cast(TenantQuerySet, super().get_queryset())
        # Related managers (workspace.memberships, product.variants) carry the loaded parent.
        if getattr(self, "instance", None) is not None:
            queryset._mark_scoped()
        return queryset


class TenantModel(models.Model):
    """Base for every model that belongs to one workspace."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    objects = TenantManager()

    class Meta:
        abstract = True


class TimestampedTenantModel(TenantModel):
    """A tenant-owned model that keeps when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
