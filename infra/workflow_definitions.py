"""The ASL of a catalogue state machine with its `${Placeholder}`s filled in, for the CDK app and
the local runner alike (both build every state machine from the same file and entry)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from functions import catalogue as cat

REPO_ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


def source(sm: cat.StateMachine) -> str:
    """The ASL file's text, placeholders unfilled."""
    return (REPO_ROOT / sm.definition).read_text(encoding="utf-8")


def placeholders(sm: cat.StateMachine) -> set[str]:
    return set(PLACEHOLDER.findall(source(sm)))


def render(sm: cat.StateMachine, task_arn: Callable[[str], str], resource_value: Callable[[str], str]) -> str:
    """The definition with every placeholder filled: a task's function ARN, a resource's value.
    A placeholder the entry does not name, or a name the file does not use, is an error."""
    used = placeholders(sm)
    named = set(sm.tasks) | set(sm.resources)
    if used != named:
        raise ValueError(
            f"state machine {sm.name}: placeholders in {sm.definition} {sorted(used)} differ from the "
            f"catalogue's tasks and resources {sorted(named)}"
        )
    values = {k: task_arn(fn) for k, fn in sm.tasks.items()} | {k: resource_value(r) for k, r in sm.resources.items()}
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], source(sm))


def states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state of a definition, nested ones (Map, Parallel) included."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from states(state[key])


def human_waits(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The `.waitForTaskToken` states of a definition."""
    return [(n, s) for n, s in states(definition) if str(s.get("Resource", "")).endswith(".waitForTaskToken")]


def parsed(sm: cat.StateMachine) -> dict[str, Any]:
    """The definition as JSON with placeholders left as strings (for checks)."""
    loaded: dict[str, Any] = json.loads(source(sm))
    return loaded
