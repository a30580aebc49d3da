"""The case state machine as a Mermaid diagram, generated from the model's transitions.

``python manage.py state_diagram --write`` puts it in the README between the markers
below; a test fails when the README's copy is stale.
"""

from __future__ import annotations

from pathlib import Path

from casework.models import Case, CaseState

START_MARKER = "<!-- state-diagram:start -->"
END_MARKER = "<!-- state-diagram:end -->"


def state_diagram() -> str:
    field = Case._meta.get_field("state")
    edges: dict[tuple[str, str], list[str]] = {}
    for t in field.get_all_transitions(Case):
        label = t.name
        hints = [getattr(c, "hint", c.__name__) for c in t.conditions]
        if hints:
            label += f" [requires {' and '.join(hints)}]"
        edges.setdefault((t.source, t.target), []).append(label)
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {CaseState.NEW.value}"]
    order = {state.value: i for i, state in enumerate(CaseState)}
    for (source, target), labels in sorted(
        edges.items(), key=lambda e: (order[e[0][0]], order[e[0][1]])
    ):
        lines.append(f"    {source} --> {target}: {' / '.join(sorted(set(labels)))}")
    lines.append(f"    {CaseState.CLOSED.value} --> [*]")
    lines.append("```")
    return "\n".join(lines)


def readme_section() -> str:
    return f"{START_MARKER}\n{state_diagram()}\n{END_MARKER}"


def replace_in(text: str) -> str:
    start, end = text.index(START_MARKER), text.index(END_MARKER) + len(END_MARKER)
    return text[:start] + readme_section() + text[end:]


def readme_path() -> Path:
    return Path(__file__).resolve().parent.parent / "README.md"
