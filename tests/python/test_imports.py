"""The package's import graph has no cycle, and every module imports on its own in a fresh
interpreter (so no module works only because another one was imported first)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import morsa

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "import_cycles.py"
PACKAGE = Path(morsa.__file__).resolve().parent


def test_the_import_graph_has_no_cycle():
    proc = subprocess.run([sys.executable, str(SCRIPT), str(PACKAGE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 cycles" in proc.stdout


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .a import g\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(package)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "cycle: pkg.a <-> pkg.b" in proc.stdout and "pkg.c" not in proc.stdout


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages([str(PACKAGE)], "morsa.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_in_a_fresh_interpreter(module):
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def _import_graph() -> dict[str, set[str]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    known = script.modules(PACKAGE)
    return {name: script.imports(name, path, known) for name, path in known.items()}


def test_the_node_app_composes_the_healer_and_the_service_which_do_not_import_each_other():
    graph = _import_graph()
    assert "morsa.node.service" not in graph["morsa.node.healer"]
    assert "morsa.node.healer" not in graph["morsa.node.service"]
    assert {"morsa.node.healer", "morsa.node.service"} <= graph["morsa.node.app"]


def test_the_names_shared_by_the_bindings_are_defined_once():
    import typing

    from morsa import _types, rewards

    assert morsa.Axis is _types.Axis and typing.get_args(morsa.Axis) == ("primary", "secondary")
    assert morsa.ConsistencyCheck is _types.ConsistencyCheck and morsa.CertificateKind is _types.CertificateKind
    assert rewards.Rules is _types.Rules
    sources = [p for p in PACKAGE.rglob("*.py*") if p.suffix in (".py", ".pyi") and p.name != "_types.py"]
    for literal in ('Literal["primary"', 'Literal["default"', 'Literal["confirmation"', 'Literal["mainnet"'):
        assert not [p.name for p in sources if literal in p.read_text()], literal
