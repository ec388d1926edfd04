from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vigil.core.levels import Level
from vigil.core.text import fold

__all__ = ["AdminUnit", "Country", "Level"]


class AdminUnitQuerySet(models.QuerySet):
    def active_tree(self):
        return self.filter(tree=settings.VIGIL_AREA_TREE)

    def in_home_province(self):
        """Units of the deployment's home province (the province itself included)."""
        home = AdminUnit.objects.home_province()
        return self.filter(path__startswith=home.path)

    def under(self, unit):
        return self.filter(path__startswith=unit.path)


class AdminUnitManager(models.Manager.from_queryset(AdminUnitQuerySet)):
    def home_province(self):
        return self.get(
            tree=settings.VIGIL_AREA_TREE,
            level=Level.PROVINCE,
            code=settings.VIGIL_HOME_PROVINCE,
        )


class AdminUnit(models.Model):
    """One node of the administrative tree: province, district, commune or village.

    `path` is the materialised path of codes with a trailing slash
    (``46/474/19900/``): a unit's descendants are exactly the rows whose path
    starts with its path, and the trailing slash stops ``46/47`` matching
    ``46/474``. Scoped records copy the path of their unit so that jurisdiction
    is one indexed prefix comparison.
    """

    TREE_PRE2025 = "pre2025"
    TREE_CURRENT = "current"
    TREES = [
        (TREE_PRE2025, _("Three levels (before 1 July 2025)")),
        (TREE_CURRENT, _("Two levels (from 1 July 2025)")),
    ]

    tree = models.CharField(max_length=16, choices=TREES)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=200, blank=True)
    division_type = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=128)
    search_key = models.CharField(max_length=200, blank=True)

    objects = AdminUnitManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="areas_unit_tree_code"),
        ]
        indexes = [
            models.Index(fields=["tree", "path"], name="areas_unit_tree_path"),
            models.Index(fields=["tree", "level", "parent"], name="areas_unit_level_parent"),
        ]
        ordering = ["tree", "path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        super().save(*args, **kwargs)

    def ancestors(self):
        """The units above this one, top first (province, district, ...)."""
        codes = self.path.strip("/").split("/")[:-1]
        units = {u.path: u for u in AdminUnit.objects.filter(tree=self.tree, code__in=codes)}
        out, prefix = [], ""
        for code in codes:
            prefix += code + "/"
            if prefix in units:
                out.append(units[prefix])
        return out

    def full_name(self):
        """'Phường Phú Nhuận, Thành phố Huế, Tỉnh Thừa Thiên Huế'."""
        return ", ".join(u.name for u in [self, *reversed(self.ancestors())])


def english():
    """Whether the interface speaks English now (else Vietnamese, the default)."""
    return (get_language() or settings.LANGUAGE_CODE).startswith("en")


class CountryQuerySet(models.QuerySet):
    def localized(self):
        """Vietnam first, the rest alphabetically in the interface language."""
        return self.order_by("sort_order_en" if english() else "sort_order", "code")


class CountryManager(models.Manager.from_queryset(CountryQuerySet)):
    # The order follows the language of the request that reads the list
    # (forms' choices, the API), so it is decided when the queryset is made.
    def get_queryset(self):
        return super().get_queryset().localized()


class Country(models.Model):
    """Departure countries, named by CLDR (vigil/areas/countries.py).

    The one place that picks the name for the interface language is `label`
    (and so `__str__`): templates, choices, exports and the API use it.
    """

    code = models.CharField(max_length=3, primary_key=True)  # ISO 3166-1 alpha-2
    name = models.CharField(max_length=200)  # Vietnamese name
    name_en = models.CharField(max_length=200)
    sort_order = models.PositiveIntegerField(default=1000)  # rank of `name`
    sort_order_en = models.PositiveIntegerField(default=1000)  # rank of `name_en`

    objects = CountryManager()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.label

    @property
    def label(self):
        return self.name_en if english() else self.name
