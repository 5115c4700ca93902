"""The local outbox: where simulators put what the real services would have sent.

Only the local stack and tests use it (KP_LOCAL_OUTBOX, default .local/outbox). Each message is one
JSON file under <outbox>/<channel>/, so a developer can see what was sent.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from klientportal import clock


def outbox_dir() -> Path:
    return Path(os.environ.get("KP_LOCAL_OUTBOX", ".local/outbox"))


def deliver(channel: str, message: dict[str, Any]) -> Path:
    """Write `message` to the outbox channel and return its path."""
    folder = outbox_dir() / channel
    folder.mkdir(parents=True, exist_ok=True)
    at = clock.now()
    path = folder / f"{at.strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}.json"
    partial = folder / f".{path.name}.part"  # not *.json: `messages` never reads it
    partial.write_text(json.dumps({"at": clock.iso(at), **message}, ensure_ascii=False, indent=2))
    partial.replace(path)  # whole or absent, however the process ends (the local stack's stop)
    return path


def messages(channel: str) -> list[dict[str, Any]]:
    folder = outbox_dir() / channel
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
