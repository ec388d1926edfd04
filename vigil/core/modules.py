"""The module menu of the home page (the seed's "Phòng chống dịch giai đoạn mới",
"Điều tra dịch tễ", "Thống kê" ...), filtered by the account's task groups.

Each module adds its screens here as it lands; a section with no screen the
account may open is not shown at all.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.accounts.models import Task

STAFF = [t for t in Task.values if t != Task.ESTABLISHMENT]


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    tasks: tuple


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    entries: tuple


SECTIONS = (
    Section(
        "prevention",
        _("Epidemic prevention (new phase)"),
        (
            Entry(_("Scan QR"), "declarations:scan", tuple(STAFF)),
            # Staff entry and paper digitisation ("Cập nhật người về từ địa
            # phương" / "... từ các chốt"): the task groups of
            # vigil.declarations.permissions.ENTRY_TASKS.
            Entry(
                _("Update arrivals in the locality"),
                "declarations:new",
                (
                    Task.HEALTH_STATION,
                    Task.DIGITISATION,
                    Task.COMMUNITY,
                    Task.CHECKPOINT,
                    Task.POLICE,
                    Task.CDC,
                ),
            ),
            Entry(
                _("Update arrivals from checkpoints"),
                "declarations:new-checkpoint",
                (
                    Task.HEALTH_STATION,
                    Task.DIGITISATION,
                    Task.COMMUNITY,
                    Task.CHECKPOINT,
                    Task.POLICE,
                    Task.CDC,
                ),
            ),
            Entry(
                _("Import paper forms"),
                "declarations:import",
                (
                    Task.HEALTH_STATION,
                    Task.DIGITISATION,
                    Task.COMMUNITY,
                    Task.CHECKPOINT,
                    Task.POLICE,
                    Task.CDC,
                ),
            ),
            Entry(_("Arrival declarations"), "declarations:list", tuple(STAFF)),
            Entry(_("People registry"), "people:list", tuple(STAFF)),
        ),
    ),
    Section("investigation", _("Epidemiological investigation"), ()),
    Section("statistics", _("Statistics"), ()),
    Section(
        "administration",
        _("Administration"),
        (
            Entry(_("Accounts"), "accounts:list", (Task.ADMIN,)),
            Entry(_("Account requests"), "accounts:requests", (Task.ADMIN, Task.LEADER)),
            Entry(_("Audit log"), "audit:list", (Task.ADMIN,)),
        ),
    ),
)


def menu_for(user):
    """[(section, [(label, url), ...]), ...] for the sections the user may open."""
    out = []
    for section in SECTIONS:
        links = [(e.label, reverse(e.url_name)) for e in section.entries if user.has_task(*e.tasks)]
        if links:
            out.append((section, links))
    return out
