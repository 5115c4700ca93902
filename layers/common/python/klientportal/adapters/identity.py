"""The user directory: Amazon Cognito in AWS, a local simulator on the local stack.

`ensure_user` creates the sign-in identity for an invited e-mail address (sending the invitation
e-mail) or returns the existing one, and gives back its subject, the user id in tokens.
"""

from __future__ import annotations

from typing import Protocol

from klientportal import aws
from klientportal.adapters import outbox
from klientportal.auth.subjects import local_subject


class UserDirectory(Protocol):
    def ensure_user(self, email: str, name: str | None, invited_to: str) -> str: ...


class CognitoUserDirectory:
    """AdminCreateUser on the user pool; Cognito e-mails the invitation with a temporary password."""

    def __init__(self, user_pool_id: str) -> None:
        self._pool = user_pool_id

    def ensure_user(self, email: str, name: str | None, invited_to: str) -> str:
        idp = aws.client("cognito-idp")
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        if name:
            attributes.append({"Name": "name", "Value": name})
        try:
            user = idp.admin_create_user(
                UserPoolId=self._pool, Username=email, UserAttributes=attributes, DesiredDeliveryMediums=["EMAIL"]
            )["User"]
            found = user["Attributes"]
        except idp.exceptions.UsernameExistsException:
            found = idp.admin_get_user(UserPoolId=self._pool, Username=email)["UserAttributes"]
        sub: str = next(a["Value"] for a in found if a["Name"] == "sub")
        return sub


class LocalUserDirectory:
    """Local simulator: subjects derived from the address (as the dev issuer does); the invitation
    e-mail lands in the local outbox instead of being sent."""

    def ensure_user(self, email: str, name: str | None, invited_to: str) -> str:
        sub = local_subject(email)
        outbox.deliver(
            "invitations",
            {
                "to": email,
                "name": name,
                "subject": f"Invitasjon til Klientportal ({invited_to})",
                "body": f"Logg inn lokalt med: klientportal token --user {email}",
                "sub": sub,
            },
        )
        return sub


def user_directory(kind: str, user_pool_id: str) -> UserDirectory:
    if kind == "cognito":
        return CognitoUserDirectory(user_pool_id)
    if kind == "local":
        return LocalUserDirectory()
    raise RuntimeError(f"unknown identity provider {kind!r}")
