"""What the API tests share: an account with its token, a call as an account."""

import json

import pytest

from vigil.accounts.models import ApiToken


@pytest.fixture
def call(client):
    """call(user, method, path, body=None, **query): the API answer to `user`'s request."""

    def do(user, method, path, body=None, **query):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif query:
            kwargs["data"] = query
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return do


@pytest.fixture
def token_for(make_user):
    def make(username, unit, tasks):
        user = make_user(username, unit, tasks=tasks)
        return user, ApiToken.issue(user, "test")[1]

    return make
