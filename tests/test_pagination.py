"""Keyset pagination walks every row exactly once, ties included, in both directions."""

import pytest

from driverhome.accounts.models import Organisation
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate


@pytest.fixture
def many_orgs(db):
    parent = Organisation(code="p-root", name="root", kind=Organisation.Kind.DISTRICT)
    parent.save()
    for n in range(23):
        # Only four distinct names: the primary key must break the ties.
        Organisation(code=f"p-{n:02d}", name=f"name-{n % 4}", kind="company", parent=parent).save()
    return Organisation.objects.filter(parent=parent)


@pytest.mark.parametrize("order", ["name", "-name", "pk", "-pk"])
def test_pages_cover_every_row_once(many_orgs, order):
    seen, cursor = [], None
    while True:
        page = paginate(many_orgs, order=order, cursor=cursor, page_size=5)
        seen.extend(o.code for o in page)
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [o.code for o in many_orgs.order_by(order, "-pk" if order.startswith("-") else "pk")]
    assert seen == expected
    assert len(seen) == len(set(seen)) == 23


def test_a_forged_cursor_is_a_clear_error(many_orgs):
    with pytest.raises(DomainError):
        paginate(many_orgs, order="name", cursor="not-a-cursor")
