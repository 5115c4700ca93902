"""The Cognito user directory adapter against moto's Cognito: create once, then find the same user."""

from __future__ import annotations

from klientportal import aws
from klientportal.adapters.identity import CognitoUserDirectory


def test_invite_creates_the_user_once_and_returns_its_subject(aws_env):
    idp = aws.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
    directory = CognitoUserDirectory(pool)
    sub = directory.ensure_user("ny@kunde.no", "Ny Bruker", "Fjordkaffe AS")
    assert sub and directory.ensure_user("ny@kunde.no", None, "Fjordkaffe AS") == sub
    user = idp.admin_get_user(UserPoolId=pool, Username="ny@kunde.no")
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["email"] == "ny@kunde.no" and attrs["sub"] == sub and attrs["name"] == "Ny Bruker"
