"""Lambda functions of Klientportal: one folder per portal routine, thin handlers."""
