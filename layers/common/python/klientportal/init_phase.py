"""Lambda's init phase without cyclic garbage collection.

Importing a handler module allocates some hundred thousand objects and almost no garbage, yet
CPython runs its collector every 2,000 allocations and a full collection once the older
generations fill: tens of milliseconds of the cold start spent finding nothing. In Lambda
(`AWS_LAMBDA_RUNTIME_API` is set by the runtime) `functions/__init__.py` calls `begin()` before any
other import, and `end()` runs when the handler is wrapped at the bottom of its module: it moves
everything the import built into the permanent generation (`gc.freeze()`, never scanned again) and
turns the collector back on.

`begin()` also turns off pydantic's plugin discovery (`PYDANTIC_DISABLE_PLUGINS`, unless the
environment sets it): the first model pydantic builds would otherwise scan the metadata of every
installed distribution for `pydantic` entry points (some 10 ms of each cold start), and
Klientportal uses no pydantic plugins. Outside Lambda (tests, the local stack) nothing changes.
"""

from __future__ import annotations

import gc
import os

RUNTIME_API = "AWS_LAMBDA_RUNTIME_API"
PYDANTIC_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"
_paused = False


def begin() -> None:
    """In Lambda's init phase: pause the collector and turn pydantic's plugin scan off (idempotent)."""
    global _paused
    if RUNTIME_API not in os.environ:
        return
    os.environ.setdefault(PYDANTIC_PLUGINS, "__all__")
    if gc.isenabled():
        gc.disable()
        _paused = True


def end() -> None:
    """Freeze what the import built and resume collection, if `begin()` paused it."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
