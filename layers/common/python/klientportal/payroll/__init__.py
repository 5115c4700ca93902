"""Payroll: tabelltrekk, employments, tax cards, payroll runs and the a-melding (issue 11)."""
