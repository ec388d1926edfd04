"""Concentrated quarantine screens (R-Q1..R-Q4, the seed's §II.9 and §II.10c).

- The facility catalogue ("Danh mục cơ sở cách ly") and each facility's
  buildings, rooms and beds with their occupants.
- Intake ("Nhập khu cách ly" → "Thêm mới"): search first, reuse the person
  found, else record a new one, then facility, start date, bed and answers.
- The lists "Đang cách ly" / "Hết cách ly" and the actions on a stay: move,
  extend, end ("HCL"), delete when entered by mistake.
- The "to take in" list: whom CDC sent to concentrated quarantine.
- The facility board: beds, occupancy, arrivals, discharges, who is due.

Stays and facilities are read through `visible_to` / `get_for_user` (a facility
manager sees their facility only) and changed only through
vigil.quarantine.services.

One module per capability: facilities (catalogue, rooms and beds), intake,
stays (lists and the actions on a stay), board, and shared (helpers they all
use). The names below are what urls.py and other apps import from here.
"""

from .board import board
from .facilities import (
    facility_create,
    facility_detail,
    facility_edit,
    facility_list,
    facility_rooms,
)
from .intake import bed_options, intake, room_occupants
from .stays import (
    StayFilterForm,
    stay_delete,
    stay_detail,
    stay_end,
    stay_extend,
    stay_list,
    stay_move,
)
from .worklist import to_take_in_list

__all__ = [
    "StayFilterForm",
    "bed_options",
    "board",
    "facility_create",
    "facility_detail",
    "facility_edit",
    "facility_list",
    "facility_rooms",
    "intake",
    "room_occupants",
    "stay_delete",
    "stay_detail",
    "stay_end",
    "stay_extend",
    "stay_list",
    "stay_move",
    "to_take_in_list",
]
