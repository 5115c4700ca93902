"""HTTP handler of the sync routine: change feed, webhooks, bureau overview, questions."""

from __future__ import annotations

from functions import catalogue
from functions.sync import feed_api, notifications_api, push_api, questions_api, webhooks_api
from klientportal.api.app import build_app, http_handler

app = build_app(
    [feed_api.router, webhooks_api.router, questions_api.router, push_api.router, notifications_api.router],
    catalogue.function("sync").routes,
)
lambda_handler = http_handler(app)
