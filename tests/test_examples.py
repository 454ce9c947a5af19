"""Every script in examples/ runs as written, in a fresh interpreter, within a time limit;
the strategies there (``oms simulate`` modules) run in tests/simulate/test_simulate.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
SCRIPTS = [p for p in EXAMPLES if "asyncio.run(" in p.read_text(encoding="utf-8")]

pytestmark = pytest.mark.timeout(60)


def test_every_example_runs_somewhere() -> None:
    assert len(SCRIPTS) >= 3
    simulated = (ROOT / "tests" / "simulate" / "test_simulate.py").read_text(encoding="utf-8")
    for strategy in set(EXAMPLES) - set(SCRIPTS):
        assert f'"examples" / "{strategy.name}"' in simulated, strategy.name


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=45,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and done.stdout.strip()
