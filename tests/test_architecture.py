"""The layers are folders, and each folder imports only what its layer may.

- ``oms/wire`` (Binance's shapes) and ``oms/core`` (the lifecycle) are pure: no I/O, clock,
  randomness, threads or transports; ``wire`` never imports ``core``.
- ``oms/runtime`` (the async manager) depends on the port it declares (``ports.py``), never on
  ``transports``; it never imports the application layer.
- ``oms/sim`` (strategies, market data, simulated time) is runtime level: no transports.
- ``oms/app`` (the command line, the demo, rendering) and ``oms/testing`` (the public fuzzing
  kit and pytest plugin) are the only parts of ``oms`` that wire transports in.
- ``transports`` implement oms's port; ``transports/binance`` never imports ``transports/sim``;
  no transport imports the application layer.
- No import cycles between modules of ``oms`` and ``transports``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import oms

ROOT = Path(__file__).resolve().parent.parent

PURE_FORBIDDEN = {
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
# What each layer of oms may import from oms (prefixes of module names).
LAYERS: dict[str, tuple[str, ...]] = {
    "oms.wire": ("oms.wire", "oms.errors"),
    "oms.core": ("oms.wire", "oms.core", "oms.errors"),
    "oms.runtime": ("oms.wire", "oms.core", "oms.runtime", "oms.errors"),
    # Strategies, market data, the virtual-time loop and the report: runtime level.
    "oms.sim": ("oms.wire", "oms.core", "oms.runtime", "oms.sim", "oms.errors"),
}
# Packages of oms that wire transports in: the command, and the public test kit.
WIRING = ("oms.app", "oms.testing")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, name: str | None = None) -> set[str]:
    """Every module ``path`` (module ``name``) imports, anywhere in it, as dotted names."""
    here = (name or module_name(path)).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("folder", ["oms/wire", "oms/core"])
def test_pure_layers_import_no_io(folder: str) -> None:
    paths = sources(folder)
    assert len(paths) >= 5, folder
    for path in paths:
        bad = roots(imports(path)) & PURE_FORBIDDEN
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_below(layer: str) -> None:
    for path in sources(layer.replace(".", "/")):
        for name in imports(path):
            if name.split(".")[0] == "oms":
                assert within(name, LAYERS[layer]), f"{path.relative_to(ROOT)} imports {name}"


def test_only_the_app_layer_of_oms_imports_transports() -> None:
    for path in sources("oms"):
        if within(module_name(path), WIRING):
            continue
        assert "transports" not in roots(imports(path)), path.relative_to(ROOT)


def test_transports_never_import_the_app_and_binance_never_imports_sim() -> None:
    for path in sources("transports"):
        names = imports(path)
        assert not any(within(n, ("oms.app",)) for n in names), path.relative_to(ROOT)
        if within(module_name(path), ("transports.binance",)):
            assert not any(within(n, ("transports.sim",)) for n in names), path


def _graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in sources("oms", "transports")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {n for n in imports(path) if n in modules and n != name}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.add(top)
                if top == node:
                    break
            groups.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles() -> None:
    graph = _graph()
    # Packages re-export their modules; a package's own __init__ is not a cycle with them.
    for name in list(graph):
        graph[name] = {n for n in graph[name] if not name.startswith(n + ".")}
    cycles = [sorted(g) for g in strongly_connected(graph) if len(g) > 1]
    assert not cycles, cycles


def test_detectors_see_relative_absolute_and_cycles(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import asyncio\nfrom time import monotonic\nfrom . import order\n"
        "from ..wire import money\n"
    )
    found = imports(probe, "oms.core.probe")
    assert {"asyncio", "time", "oms.core.order", "oms.wire.money"} <= found
    assert roots(found) & PURE_FORBIDDEN == {"asyncio", "time"}
    assert not within("oms.core.order", LAYERS["oms.wire"])
    cyclic = strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert sorted(len(g) for g in cyclic) == [1, 3]


def test_public_api_is_importable_from_oms() -> None:
    for name in oms.__all__:
        assert getattr(oms, name) is not None, name


def public_classes(paths: list[Path]) -> dict[str, list[str]]:
    """The files defining each public (not ``_``-prefixed) class name, over ``paths``."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found.setdefault(node.name, []).append(path.as_posix())
    return found


def test_one_meaning_per_class_name() -> None:
    # Issue 12 item 6: no two classes of the same name (an error and an output both called
    # OrderRejected, two OrderBooks, two SymbolRules): a name says what it is, everywhere.
    paths = sorted((ROOT / "oms").rglob("*.py")) + sorted((ROOT / "transports").rglob("*.py"))
    twice = {name: where for name, where in public_classes(paths).items() if len(where) > 1}
    assert not twice, twice


def test_class_name_detector_sees_twins(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("class Book:\n    pass\nclass _Private:\n    pass\n")
    (tmp_path / "b.py").write_text("def f():\n    class Book:\n        pass\n")
    found = public_classes([tmp_path / "a.py", tmp_path / "b.py"])
    assert len(found["Book"]) == 2 and "_Private" not in found
