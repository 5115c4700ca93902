"""A client's registers (customers, suppliers, products, projects, departments, employees)."""
