"""The client's registers by name (the path segment of their routes). The catalogue's routes, the
policy's actions and the register service all take them from here; pure data, no imports."""

CUSTOMERS = "customers"
SUPPLIERS = "suppliers"
PRODUCTS = "products"
PROJECTS = "projects"
DEPARTMENTS = "departments"
EMPLOYEES = "employees"

REGISTERS = (CUSTOMERS, SUPPLIERS, PRODUCTS, PROJECTS, DEPARTMENTS, EMPLOYEES)
