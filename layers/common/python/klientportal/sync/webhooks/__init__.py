"""Webhooks for every domain event type: subscriptions, signing, URL rules, delivery."""
