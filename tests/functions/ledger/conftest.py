"""The ledger on moto: c-fjordkaffe ready to invoice (the invoicing fixtures)."""

from tests.functions.invoicing.conftest import inv  # noqa: F401  (a fixture, used by name)
