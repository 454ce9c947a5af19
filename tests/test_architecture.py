"""The core stays pure: lifecycle modules import no I/O, clock, randomness or transports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The async manager, journal and command line are the I/O shell around the core.
SHELL = {
    "manager.py",
    "dispatch.py",
    "placing.py",
    "cancelling.py",
    "resolve.py",
    "reconcile.py",
    "journal.py",
    "replay.py",
    "cli.py",
    "demo.py",
    "__main__.py",
}
FORBIDDEN_IN_CORE = {
    "transports",
    "aiohttp",
    "asyncio",
    "time",
    "random",
    "socket",
    "requests",
    "orjson",
    "sqlite3",
    "threading",
    "datetime",
    "os",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def core_modules() -> list[Path]:
    return [p for p in sorted((ROOT / "oms").rglob("*.py")) if p.name not in SHELL]


def test_core_modules_exist() -> None:
    names = {p.name for p in core_modules()}
    assert {"enums.py", "money.py", "events.py", "decoding.py", "rest.py"} <= names


def test_core_is_sans_io() -> None:
    for path in core_modules():
        bad = _imports(path) & FORBIDDEN_IN_CORE
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_binance_transport_does_not_import_sim() -> None:
    for path in sorted((ROOT / "transports" / "binance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("transports.sim"), path
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("transports.sim"), path


def test_detector_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import asyncio\nfrom time import monotonic\nfrom . import x\n")
    assert _imports(bad) == {"asyncio", "time"}


def _oms_imports(path: Path) -> set[str]:
    """The oms modules ``path`` imports (absolute ``oms.x`` or relative), as file names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative, inside oms
                base = node.module or ""
                modules = [f"oms.{base}"] if base else [f"oms.{a.name}" for a in node.names]
            else:
                modules = [node.module or ""]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "oms" and len(parts) > 1:
                names.add(f"{parts[1]}.py")
    return names


def test_core_imports_no_shell_module() -> None:
    # With test_core_is_sans_io this makes purity transitive within oms: a core module can
    # only reach other core modules, and none of them imports I/O.
    for path in core_modules():
        shell = _oms_imports(path) & SHELL
        assert not shell, f"{path.relative_to(ROOT)} imports the shell: {sorted(shell)}"


def test_shell_detector_sees_absolute_and_relative_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import oms.manager\nfrom oms.journal import J\nfrom . import dispatch\n")
    assert _oms_imports(bad) == {"manager.py", "journal.py", "dispatch.py"}
