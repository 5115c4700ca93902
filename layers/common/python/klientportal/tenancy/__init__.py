"""Bureaus, clients, tiers, modules, licences and memberships."""
