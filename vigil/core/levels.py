"""The levels of the administrative tree (`vigil.areas.models.AdminUnit.level`),
on the ground floor because jurisdiction (`vigil.core.scope`) and the permission
registry read them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District")
    COMMUNE = 3, _("Commune")
    VILLAGE = 4, _("Village / residential group")
