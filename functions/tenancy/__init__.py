"""Tenancy routine: bureau licence, clients (tier, modules, licence), users and invitations."""
