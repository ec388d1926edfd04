"""The API tokens page shows how to send a token."""

from django.conf import settings

from vigil.accounts.models import Task


def test_the_tokens_page_shows_the_authorization_header_with_its_placeholder(
    client, make_user, places
):
    client.force_login(make_user("cdc.tokens", places.district, tasks=[Task.CDC]))
    for lang in ("vi", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        html = client.get("/accounts/tokens/").content.decode()
        # Escaped, so that the browser shows "<token>" instead of swallowing it as a tag.
        assert '<code id="token-header">Authorization: Bearer &lt;token&gt;</code>' in html
        assert "Bearer <token>" not in html
