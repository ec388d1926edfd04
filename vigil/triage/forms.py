"""Forms of the CDC pages: the queue filter, the medical result, rules and epidemic areas."""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.forms import DATE_WIDGET_ATTRS
from vigil.declarations.models import RiskColour, Surveillance

from .engine import FACTS
from .models import EpidemicArea, RiskRule

YES_NO = [("1", _("Yes")), ("0", _("No"))]


class QueueFilterForm(DeclarationFilterForm):
    """The declaration list's filters (dates, district / commune inside the
    jurisdiction, keyword) plus the colour, without the channel and kind."""

    colour = forms.ChoiceField(
        label=_("Colour"),
        required=False,
        choices=[("", _("All")), *RiskColour.choices],
        widget=forms.HiddenInput,
    )

    # The parameters the queue understands (and the only ones carried back to
    # it after a verification).
    PARAMS = ("q", "date_on", "date_from", "date_to", "district", "commune", "colour")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        del self.fields["channel"]

    def filter_qs(self, qs, skip=()):
        qs = super().filter_qs(qs, skip=skip)
        colour = self.cleaned_data.get("colour") if self.is_valid() else ""
        if colour and "colour" not in skip:
            qs = qs.filter(risk_colour=colour)
        return qs


class MedicalResultForm(forms.Form):
    """CDC's medical verification result (R-M3, Fig 8). Field names are those of
    the errors `services.medical_verify` raises, so its messages land beside them."""

    symptoms_confirmed = forms.TypedChoiceField(
        label=_("Symptoms confirmed"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Answer yes or no.")},
    )
    surveillance = forms.ChoiceField(
        label=_("Surveillance type"),
        choices=Surveillance.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose a surveillance type."),
            "invalid_choice": _("Choose one of the surveillance types listed."),
        },
    )
    surveillance_start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    surveillance_end = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(DATE_WIDGET_ATTRS),
        help_text=_("Leave empty when the end is not known yet."),
    )
    note = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    back = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("surveillance_start"), data.get("surveillance_end")
        if start and end and end < start:
            self.add_error("surveillance_end", _("The end date is before the start date."))
        return data


# Rules ---------------------------------------------------------------------


def fact_choices():
    return list(FACTS.items())


class RuleForm(forms.ModelForm):
    """Add or change one risk rule. Facts can only be names the engine knows."""

    facts = forms.MultipleChoiceField(
        label=_("Facts that must all hold"),
        choices=fact_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose at least one fact."),
            "invalid_choice": _("%(value)s is not a fact the risk engine knows."),
        },
    )

    class Meta:
        model = RiskRule
        fields = ["label", "facts", "weight", "min_level", "active"]
        error_messages = {
            "weight": {"min_value": _("The weight cannot be negative.")},
        }

    def clean_label(self):
        label = " ".join(self.cleaned_data["label"].split())
        if not label:
            raise forms.ValidationError(_("Enter the label shown to staff."))
        return label


# Epidemic areas ------------------------------------------------------------


class EpidemicAreaForm(forms.Form):
    """A province, district or commune of Vietnam and the dates it is an epidemic area.

    Three dependent selects (htmx, /areas/options); the deepest one chosen is
    the area. On the two-level tree (from 1 July 2025) there is no district.
    """

    province = forms.ModelChoiceField(label=_("Province"), queryset=AdminUnit.objects.none())
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=AdminUnit.objects.none(),
        required=False,
        empty_label=_("Whole province"),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=AdminUnit.objects.none(),
        required=False,
        empty_label=_("Whole district / province"),
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(DATE_WIDGET_ATTRS))
    end = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(DATE_WIDGET_ATTRS),
        help_text=_("Empty: still going"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = AdminUnit.objects.active_tree()
        self.fields["province"].queryset = units.filter(level=Level.PROVINCE).order_by("name")
        self.three_levels = settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025
        province = self._chosen("province", units)
        district = self._chosen("district", units) if self.three_levels else None
        if province is not None:
            self.fields["district"].queryset = units.filter(
                parent=province, level=Level.DISTRICT
            ).order_by("code")
            self.fields["commune"].queryset = units.filter(
                parent=district or province, level=Level.COMMUNE
            ).order_by("code")
        if self.three_levels:
            self._cascade("province", "district", Level.DISTRICT)
            self._cascade("district", "commune", Level.COMMUNE)
        else:
            del self.fields["district"]
            self.fields["commune"].empty_label = _("Whole province")
            self._cascade("province", "commune", Level.COMMUNE)

    def _cascade(self, parent, child, level):
        url = reverse("areas:options") + f"?from={self.add_prefix(parent)}&level={level}"
        self.fields[parent].widget.attrs.update(
            {"hx-get": url, "hx-target": f"#id_{self.add_prefix(child)}", "hx-trigger": "change"}
        )

    def _chosen(self, name, queryset):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        if not value or not str(value).isdigit():
            return None
        return queryset.filter(pk=int(value)).first()

    def clean(self):
        data = super().clean()
        province, district, commune = (
            data.get("province"),
            data.get("district"),
            data.get("commune"),
        )
        if district and province and district.parent_id != province.pk:
            self.add_error("district", _("This is not inside the province chosen above."))
        if commune and (district or province) and commune.parent_id != (district or province).pk:
            self.add_error("commune", _("This is not inside the place chosen above."))
        data["unit"] = commune or district or province
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data


class EndAreaForm(forms.Form):
    """End an epidemic area on a date (today by default)."""

    area = forms.ModelChoiceField(queryset=EpidemicArea.objects.all(), widget=forms.HiddenInput)
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(DATE_WIDGET_ATTRS))

    def clean(self):
        data = super().clean()
        area, end = data.get("area"), data.get("end")
        if area and end and end < area.start:
            self.add_error(
                "end",
                _("The end date is before the start date (%(start)s).")
                % {"start": area.start.strftime("%d/%m/%Y")},
            )
        return data
