"""Lambda functions of Klientportal: one folder per portal routine, thin handlers."""

from klientportal import init_phase

init_phase.begin()
