"""Every schema of the API has its own name: two classes of one name would share one entry of
the OpenAPI components, so clients (and the fuzzer) would read one operation's body or
answer with the other's fields."""

import inspect
import sys
from collections import defaultdict

import pydantic


def test_no_two_api_schemas_share_a_name():
    from driverhome.config.api import api  # noqa: F401 - imports every router

    owners = defaultdict(set)
    for name, module in list(sys.modules.items()):
        if not name.startswith("driverhome.") or not name.rsplit(".", 1)[-1].startswith("api"):
            continue
        for attr, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, pydantic.BaseModel)
                and obj.__module__ == name
            ):
                owners[attr].add(name)
    assert {n: m for n, m in owners.items() if len(m) > 1} == {}
