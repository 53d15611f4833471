"""Import an app's optional module (``api``, ``demo``, ``console`` ...) if the app has one."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def optional_import(module_name: str) -> ModuleType | None:
    try:
        return import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "this module (or its package) does not exist" is expected; a missing
        # import *inside* an existing module is a real error and propagates.
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
