"""Reference data owned by Klientportal: Norwegian VAT codes and a standard chart of accounts."""
