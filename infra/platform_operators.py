"""`klientportal platform operator add`: make someone a platform operator (decision 0713), against the
running local stack or AWS (the ambient credentials and KP_* environment). Platform operators write the
platform's price list to the bureaus; nobody becomes one through the API."""

from __future__ import annotations

import argparse
import json

from klientportal.repository.store import Actor


def add(args: argparse.Namespace) -> int:
    from klientportal.bootstrap import tenancy_service

    actor = Actor(sub="platform-cli", email=None, kind="system")
    added = tenancy_service().add_platform_operator(args.email, args.name, actor)
    print(json.dumps(added, indent=2, ensure_ascii=False))
    return 0
