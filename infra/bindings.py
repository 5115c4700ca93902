"""How a catalogue resource ("table:main", "bucket:vouchers", ...) reaches a function.

Each construct that creates catalogue resources registers a Binding for each: the value that the
function's environment variable carries (`functions.catalogue.env_var`) and how to grant access.
The api construct then wires every function from its `access` tuple without knowing the kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import aws_iam as iam

Grant = Callable[[iam.IGrantable, bool], None]


@dataclass(frozen=True)
class Binding:
    """A deployed catalogue resource: its name (or id, ARN, URL) and its grant(grantee, write)."""

    value: str
    grant: Grant


class Bindings(dict[str, Binding]):
    """Resource string ("kind:name") → Binding, filled by the constructs that create resources."""

    def require(self, resource: str) -> Binding:
        """The binding of `resource`; a clear error when the catalogue names an unknown one."""
        try:
            return self[resource]
        except KeyError:
            known = ", ".join(sorted(self))
            raise KeyError(f"catalogue names {resource!r}, which the stack does not create; known: {known}") from None
