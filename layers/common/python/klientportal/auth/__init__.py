"""Identity and access: token verification, principals and the one policy module."""
