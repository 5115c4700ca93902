"""Every template stays under a resource budget, and growth in routes lands in the nested stacks.

CloudFormation refuses a template with more than 500 resources or 200 parameters (decision 0030).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from infra.api import MAX_ROUTES_PER_STACK
from infra.app import build_app
from infra.spec import Spec
from tests.infra.conftest import EXTENDED_SPEC

RESOURCE_BUDGET = 400  # of CloudFormation's 500 per template: room for the next routines
PARAMETER_BUDGET = 150  # of CloudFormation's 200 per template
ROUTE = "AWS::ApiGatewayV2::Route"


def _count(template: dict, type_: str | None = None) -> int:
    return sum(type_ is None or r["Type"] == type_ for r in template["Resources"].values())


def test_every_template_stays_under_the_budget(any_stack):
    for name, template in any_stack.templates.items():
        assert _count(template) <= RESOURCE_BUDGET, name
        assert len(template.get("Parameters", {})) <= PARAMETER_BUDGET, name
        assert _count(template, ROUTE) <= MAX_ROUTES_PER_STACK, name


def test_the_parent_holds_no_routes_and_no_alarms(any_stack):
    parent = any_stack.templates[f"{any_stack.stack.stack_name}.template.json"]
    assert _count(parent, ROUTE) == 0
    assert _count(parent, "AWS::CloudWatch::Alarm") == 0
    assert _count(any_stack.template, ROUTE) == sum(len(fn.routes) for fn in any_stack.stack.spec.functions)


def _doubled(spec: Spec) -> Spec:
    """Every routed function with each of its routes twice: once more under /v2."""
    functions = tuple(
        fn._replace(routes=(*fn.routes, *(r._replace(path=f"/v2{r.path}") for r in fn.routes))) for fn in spec.functions
    )
    return dataclasses.replace(spec, functions=functions)


@pytest.fixture(scope="module")
def doubled(tmp_path_factory) -> tuple[dict, dict[str, dict]]:
    from tests.infra.conftest import nested_template_files

    tmp = tmp_path_factory.mktemp("doubled")
    app, stacks = build_app(
        outdir=tmp / "cdk.out",
        context={"klientportal:depsLayerDir": str(tmp / "no-deps-layer")},
        specs={"Klientportal-doubled": _doubled(EXTENDED_SPEC)},
    )
    parent = app.synth().get_stack_by_name("Klientportal-doubled").template
    files = nested_template_files(stacks["Klientportal-doubled"]).values()
    return parent, {f: json.loads((tmp / "cdk.out" / f).read_text()) for f in files}


def test_doubling_the_routes_grows_only_the_nested_stacks(doubled, extended_stack):
    parent, nested = doubled
    before_parent = extended_stack.templates[f"{extended_stack.stack.stack_name}.template.json"]
    assert _count(parent) == _count(before_parent)
    routes = sum(len(fn.routes) for fn in EXTENDED_SPEC.functions)
    assert sum(_count(t, ROUTE) for t in nested.values()) == 2 * routes == 2 * _count(extended_stack.template, ROUTE)
    for name, template in nested.items():
        assert _count(template) <= RESOURCE_BUDGET, name
        assert _count(template, ROUTE) <= MAX_ROUTES_PER_STACK, name
