"""Lazy package exports (PEP 562), so that ``morsa`` commands which do not serve HTTP start
without importing the web stack."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` (a submodule,
    relative to the package) on first access of ``name`` and caches the value."""

    def __getattr__(name: str) -> Any:
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(submodule, package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
