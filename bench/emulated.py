"""The emulated AWS every bench runs against, started one way: the local stack's moto server (with
the DynamoDB and Query patches the tests and `make run` use), boto3 pointed at it, an outbox in a
fresh temporary folder, and the deployment's resources created from the catalogue."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer


class Emulated(NamedTuple):
    server: ThreadedMotoServer
    endpoint: str
    tmp: Path
    #: the resources' environment (queue URLs, state machine ARNs, ...), as `resources.create_all()` gave it
    env: dict[str, str]


def start(**extra_env: str) -> Emulated:
    """Start moto, point this process at it and create the resources; `extra_env` is set first."""
    from infra.local import environment, moto_server, resources

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines in the tables
    server, endpoint = moto_server.start()
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "MOTO_PORT": endpoint.rsplit(":", 1)[1],
            "KP_LOCAL_OUTBOX": str(tmp / "outbox"),
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            **extra_env,
        }
    )
    environment.apply({})
    env = resources.create_all()
    environment.apply(env)
    return Emulated(server, endpoint, tmp, env)
