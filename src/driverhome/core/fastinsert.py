"""One new row written with a statement built once, for the hot write paths.

``Model.save()`` builds its INSERT anew for every row: a query object, a compiler,
the column list and the placeholders, before the values. An intake writes five rows
inside the one write transaction that SQLite runs at a time, and that building was
about a fifth of the time the write lock was held. ``insert(obj)`` writes what
``obj.save()`` writes for a new row:

* the same columns (the model's concrete fields but the auto primary key), with the
  values prepared by the same field methods ``save()`` calls (``pre_save`` with
  ``add=True`` for defaults and ``auto_now_add``, ``get_db_prep_save`` for
  conversion, JSON and encryption);
* from the statement Django's own compiler builds for the first such row, kept per
  model and database alias;
* with the primary key read back (``RETURNING``) and the instance marked saved.

It goes through ``obj.save(force_insert=True)`` instead whenever the short path
could differ: a model whose class defines its own ``save`` (other than
``AppendOnly``'s insert-only guard), a ``pre_save``/``post_save`` receiver for the
model, an inherited model, a primary key already set, a value that is an SQL
expression, or a database that cannot return the new key from the INSERT.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router
from django.db.models import Model, signals
from django.db.models.sql import InsertQuery

_statements: dict[tuple[type, str], str] = {}


@cache
def _plain_save(model: type) -> bool:
    from driverhome.accounts.models import AppendOnly

    owner = next(klass for klass in model.__mro__ if "save" in vars(klass))
    return owner in (Model, AppendOnly)


@cache
def _fields(model: type) -> tuple | None:
    """The columns ``save()`` inserts for a new row of ``model``, or ``None`` when the
    model's shape rules the short path out (own save, inheritance, a key the INSERT
    does not return). Worked out once per model: it does not change while running."""
    meta = model._meta
    if (
        meta.parents
        or meta.auto_field is None
        or list(meta.db_returning_fields) != [meta.pk]
        or not _plain_save(model)
    ):
        return None
    return tuple(
        f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
    )


def insert(obj: Model, *, using: str | None = None) -> Model:
    """Write ``obj`` as a new row (see the module docstring); returns ``obj`` with its key."""
    model = type(obj)
    using = using or router.db_for_write(model, instance=obj)
    connection = connections[using]
    fields = _fields(model)
    if (
        fields is None
        or obj.pk is not None
        or not connection.features.can_return_columns_from_insert
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        obj.save(using=using, force_insert=True)
        return obj
    # As save() does: a related row saved after it was assigned gives its key now, an
    # unsaved one is refused.
    obj._prepare_related_fields_for_save(operation_name="save")
    meta = model._meta
    key = (model, using)
    statement = _statements.get(key)
    if statement is None:
        # Built (and the row's defaults filled) by Django's compiler, the first time only.
        query = InsertQuery(model)
        query.insert_values(list(fields), [obj])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [meta.pk]
        [(statement, _params)] = compiler.as_sql()
    values = [field.pre_save(obj, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        obj.save(using=using, force_insert=True)
        return obj
    _statements[key] = statement
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = using
    return obj
