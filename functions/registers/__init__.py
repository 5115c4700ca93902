"""Registers routine: the client's customers, suppliers, products, projects, departments,
employees, chart of accounts and VAT codes."""
