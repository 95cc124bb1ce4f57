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
