"""Scoped access, built once and used by every list, page, export and API.

A model whose rows belong to an organisation uses :class:`ScopedQuerySet`
(directly or subclassed) as its manager and names the path to the owning
organisation in ``scope_field``::

    class Station(models.Model):
        operator = models.ForeignKey(Organisation, ...)
        objects = ScopedQuerySet.as_manager(scope_field="operator")

``Station.objects.for_user(user)`` then returns the rows in the user's subtree;
``get_for_user(Station.objects, user, code=...)`` returns one or raises 404
(never 403: an object outside the scope does not exist for that user).
"""

from __future__ import annotations

from django.db import models
from django.http import Http404

from .models import Organisation, Role


def subtree_ids(path: str):
    """The ids of the organisations at and under ``path``, as a subquery.

    Scoping compares a row's organisation id with this list (one indexed range on the
    organisations' path) instead of joining the organisation and testing its path: the
    planner can then walk the row table's own index on its order and keep the rows whose
    id is in a hashed list, or look the subtree's ids up in an index on the organisation.
    """
    return Organisation.objects.filter(path__startswith=path).values("pk")


class ScopedQuerySet(models.QuerySet):
    #: lookup path from the model to its owning Organisation
    scope_field: str = "organisation"

    @classmethod
    def as_manager(cls, *, scope_field: str | None = None):
        if scope_field is None:
            return super().as_manager()
        subclass = type(
            cls.__name__, (cls,), {"scope_field": scope_field, "__module__": cls.__module__}
        )
        return models.Manager.from_queryset(subclass)()

    def in_subtree(self, path: str):
        if path == "/":
            return self
        return self.filter(**{f"{self.scope_field}__in": subtree_ids(path)})

    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DRIVER and not user.is_superuser:
            return self.for_driver(user)
        path = user.scope_path
        if path is None:
            return self.none()
        return self.in_subtree(path)

    def for_driver(self, user):
        """What a driver sees of this model; nothing unless the model says otherwise."""
        return self.none()


def get_for_user(queryset, user, **lookup):
    """One object the user may see, or 404."""
    if isinstance(queryset, models.Manager):
        queryset = queryset.all()
    try:
        return queryset.for_user(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None
