import pytest

from vigil.accounts.models import Task


@pytest.fixture
def leader(make_user, places, client, settings):
    def as_(unit_, username="leader"):
        user = make_user(f"{username}.{unit_.pk}", unit_, tasks=[Task.LEADER])
        client.force_login(user)
        # The labels below are the English source strings.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return user

    return as_
