"""Mermaid diagrams of the lifecycles, drawn from their ``transitions`` Machines.

Rules:
- One drawing for every lifecycle (orders: ``oms.core.state``; order lists:
  ``oms.core.list_state``), so the specs in ``specs/`` are generated the same way.
- Self-loops are left out (the specs' tables show them); edges are labelled with their
  triggers in declaration order; final states lead to ``[*]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from transitions import Machine

__all__ = ["mermaid"]


def _plain(trigger: str, _transition: Any) -> str:
    return trigger


def mermaid(
    machine: Machine,
    states: Iterable[Enum],
    initial: Enum,
    label: Callable[[str, Any], str] = _plain,
) -> str:
    """The Machine as a mermaid ``stateDiagram-v2``; ``label(trigger, transition)`` names an
    edge (a guarded trigger, say)."""
    labels: dict[tuple[str, str], list[str]] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for t in transitions:
                if t.dest is not None and t.dest != source:
                    labels.setdefault((source, t.dest), []).append(label(trigger, t))
    lines = ["stateDiagram-v2", f"    [*] --> {initial.name}"]
    for (source, dest), triggers in labels.items():
        lines.append(f"    {source} --> {dest} : {', '.join(triggers)}")
    lines.extend(f"    {s.name} --> [*]" for s in states if machine.get_state(s.name).final)
    return "\n".join(lines)
