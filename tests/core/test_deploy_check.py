"""`manage.py check --deploy` is clean in production settings (issue #12,
finding 8): HSTS, HTTPS redirect, secure cookies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prod_dir(tmp_path_factory):
    """A production set-up's folder, its static files collected (a check of
    vigil.core.checks refuses to start without them)."""
    path = tmp_path_factory.mktemp("production")
    result = run(["collectstatic", "--no-input", "-v", "0"], production_env(path))
    assert result.returncode == 0, result.stderr
    return path


def production_env(prod_dir, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VIGIL_")
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        VIGIL_SECRET_KEY="x7Qm2-production-like-secret-key-kL9vP3wR8tY1uI0oA5sD6fG4hJ2",
        VIGIL_ALLOWED_HOSTS="vigil.example.gov.vn",
        VIGIL_VAR_DIR=str(prod_dir),
        VIGIL_STATIC_ROOT=str(prod_dir / "static"),
        **extra,
    )
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warning(prod_dir):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], production_env(prod_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "no issues" in result.stdout


def settings_of(prod_dir, *names, **extra):
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names!r}])"
    result = run(["shell", "-c", code], production_env(prod_dir, **extra))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_https_redirect_can_be_turned_off_and_the_proxy_header_needs_trusted_proxies(
    prod_dir,
):
    names = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")
    assert settings_of(prod_dir, *names[:2]) == "[True, True]"
    assert settings_of(prod_dir, names[0], VIGIL_SSL_REDIRECT="false") == "[False]"
    trusted = settings_of(prod_dir, names[2], VIGIL_TRUSTED_PROXIES="10.0.0.1")
    assert trusted == "[('HTTP_X_FORWARDED_PROTO', 'https')]"
    result = run(["check"], production_env(prod_dir, VIGIL_BEHIND_TLS_PROXY="true"))
    assert result.returncode != 0 and "VIGIL_TRUSTED_PROXIES" in result.stderr
