"""The catalogue, the handlers and the policy agree: no route without a handler or an action."""

from __future__ import annotations

import importlib

import pytest

from functions import catalogue
from klientportal.auth import policy


@pytest.mark.parametrize("fn", catalogue.FUNCTIONS, ids=lambda f: f.name)
def test_handler_imports_and_is_callable(fn):
    module = importlib.import_module(fn.module)
    assert callable(getattr(module, fn.handler.rsplit(".", 1)[1]))


@pytest.mark.parametrize("fn", [f for f in catalogue.FUNCTIONS if f.routes], ids=lambda f: f.name)
def test_api_routes_match_the_app_routes(fn):
    app = importlib.import_module(fn.module).app
    served = {
        (r.method, r.openapi_path)
        for r in app._static_routes + app._dynamic_routes
        if r.openapi_path not in ("/swagger",)
    }
    catalogued = {(r.method, r.path) for r in fn.routes}
    assert served == catalogued


def test_every_route_action_has_a_policy_rule():
    actions = {r.action for _, r in catalogue.routes() if r.action is not None}
    assert actions - set(policy.ACTIONS) == set()


def test_route_keys_are_unique():
    keys = [r.route_key for _, r in catalogue.routes()]
    assert len(keys) == len(set(keys))


def test_env_var_naming():
    assert catalogue.env_var("table:main") == "KP_TABLE_MAIN"
    assert catalogue.env_var("key:personal-data") == "KP_KEY_PERSONAL_DATA"
