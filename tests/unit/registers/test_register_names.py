"""The list of registers has one home (klientportal.registers.names): routes, policy and service agree."""

from __future__ import annotations

from functions import catalogue
from klientportal.auth.policy import ACTIONS
from klientportal.registers import names
from klientportal.registers.service import REGISTERS


def test_the_service_serves_exactly_the_registers_named() -> None:
    assert tuple(REGISTERS) == names.REGISTERS


def test_every_register_has_its_four_routes_and_both_rules() -> None:
    routes = {(r.method, r.path): r.action for f in catalogue.FUNCTIONS for r in f.routes}
    for register in names.REGISTERS:
        base = f"/clients/{{client_id}}/{register}"
        assert routes[("GET", base)] == routes[("GET", base + "/{item_id}")] == f"registers.{register}.read"
        assert routes[("POST", base)] == routes[("PATCH", base + "/{item_id}")] == f"registers.{register}.write"
        assert {f"registers.{register}.read", f"registers.{register}.write"} <= set(ACTIONS)
