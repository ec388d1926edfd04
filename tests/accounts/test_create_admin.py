import pytest
from django.core.management import CommandError, call_command

from vigil.accounts.models import Task, User


def test_it_creates_the_first_administrator_for_the_province(places, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("a-long-first-password\n")
    call_command("create_admin", "ioc.first", "--password-file", str(secret))
    user = User.objects.get(username="ioc.first")
    assert user.tasks == [Task.ADMIN]
    assert user.jurisdiction == places.province
    assert user.check_password("a-long-first-password")


def test_it_refuses_a_weak_password(places, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("123")
    with pytest.raises(CommandError):
        call_command("create_admin", "ioc.weak", "--password-file", str(secret))
    assert not User.objects.filter(username="ioc.weak").exists()
