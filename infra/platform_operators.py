"""`klientportal platform operator add | disable | list`: the platform operators (decision 0713), against
the running local stack or AWS (the ambient credentials and KP_* environment). Platform operators write
the platform's price list to the bureaus; nobody becomes one, or stops being one, through the API."""

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


def disable(args: argparse.Namespace) -> int:
    from klientportal.bootstrap import tenancy_service
    from klientportal.errors import NotFound

    actor = Actor(sub="platform-cli", email=None, kind="system")
    try:
        disabled = tenancy_service().disable_platform_operator(args.email, actor)
    except NotFound as refused:
        print(refused)
        return 1
    print(json.dumps(disabled, indent=2, ensure_ascii=False))
    return 0


def listing(args: argparse.Namespace) -> int:
    from klientportal.bootstrap import tenancy_service

    print(json.dumps(tenancy_service().platform_operators(), indent=2, ensure_ascii=False))
    return 0
