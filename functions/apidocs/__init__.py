"""API documentation routine: the OpenAPI 3.1 document of all API functions and interactive docs."""
