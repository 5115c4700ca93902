"""The local stack: AWS emulated in-process by moto, the HTTP gateway, pumps, simulators and demo data."""
