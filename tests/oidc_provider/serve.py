"""Start the test OpenID provider: `python -m tests.oidc_provider.serve` with

OP_DATA_DIR   an empty folder (database, RSA key)
OP_PORT       the port to listen on (127.0.0.1)
OP_CLIENT     JSON {"client_id", "client_secret", "redirect_uris": [...]}
OP_USERS      JSON [{"username", "password", "email"}, ...]
"""

import json
import os
from pathlib import Path


def write_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def populate(client, users):
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for u in users:
        User.objects.create_user(u["username"], email=u.get("email", ""), password=u["password"])
    Application.objects.create(
        name="Vigil",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )


def main():
    data_dir = Path(os.environ["OP_DATA_DIR"])
    write_key(data_dir / "rsa.pem")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    populate(json.loads(os.environ["OP_CLIENT"]), json.loads(os.environ["OP_USERS"]))
    call_command("runserver", f"127.0.0.1:{os.environ['OP_PORT']}", use_reloader=False)


if __name__ == "__main__":
    main()
