"""The README's ``python`` examples run as written (the embedding example under "## Embedding"
among them), each in a fresh interpreter with a time limit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
BLOCKS = BLOCK.findall(README.read_text(encoding="utf-8")) if README.is_file() else []

pytestmark = pytest.mark.timeout(60)


def test_the_readme_has_an_embedding_example() -> None:
    if not BLOCKS:
        pytest.skip("README.md has no ```python block yet")
    text = README.read_text(encoding="utf-8")
    embedding = text.split("## Embedding", 1)
    assert len(embedding) == 2, "README.md has no '## Embedding' section"
    assert "```python" in embedding[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("index", range(max(1, len(BLOCKS))))
def test_readme_python_block_runs(index: int, tmp_path: Path) -> None:
    if not BLOCKS:
        pytest.skip("README.md has no ```python block yet")
    script = tmp_path / f"readme_{index}.py"
    script.write_text(BLOCKS[index], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1
    commands = [line for line in blocks[0].splitlines() if line.strip()]
    assert len(commands) == 2 and commands[0].endswith("oms demo")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
    assert "mypy oms transports" in ci and "ruff check oms transports tests bench" in ci
