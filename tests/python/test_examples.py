"""The notebook-style example runs as a script, on a small devnet, and finishes by itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "walrus_datasets.py"


def test_the_datasets_notebook_runs(tmp_path):
    env = {**os.environ, "MORSA_EXAMPLE_SHARDS": "100", "MORSA_EXAMPLE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "3 files, 1 quilt" in proc.stdout and "dep_delay: 336,776 rows" in proc.stdout
    assert (tmp_path / "public.croissant.json").is_file()
