from django import forms
from django.apps import apps
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import client_ip
from vigil.core.phones import PhoneField
from vigil.core.scope import scope_path

from . import services
from .models import Task, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask the operations centre."),
        "throttled": _("Too many failed attempts. Wait %(minutes)s minutes and try again."),
    }

    def clean(self):
        """Throttled per (account, address) and per address, through
        `services.begin_login_attempt`, before the password is checked."""
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        ip = client_ip(self.request)
        try:
            services.begin_login_attempt(username, ip)
        except services.LoginThrottled as exc:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": exc.minutes},
            ) from None
        data = super().clean()
        services.login_succeeded(username, ip)
        return data


def jurisdiction_choices(user):
    """Units the user may assign: their own and everything below, down to communes."""
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    return (
        AdminUnit.objects.active_tree()
        .filter(path__startswith=path, level__lte=Level.COMMUNE)
        .order_by("path")
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Indent by level so that communes read under their district.
        return "\u2003" * (obj.level - 1) + obj.name


class AccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[a-z0-9._-]+$",
        error_messages={
            "invalid": _("Use lower-case letters, digits and . _ - only, without spaces.")
        },
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = PhoneField(label=_("Phone"), required=False)
    unit_name = forms.CharField(label=_("Work unit"), max_length=200, required=False)
    tasks = forms.MultipleChoiceField(
        label=_("Task groups"), choices=Task.choices, widget=forms.CheckboxSelectMultiple
    )
    # Required unless a facility is chosen (then it is the facility's commune).
    jurisdiction = UnitChoiceField(
        label=_("Jurisdiction"), queryset=AdminUnit.objects.none(), required=False
    )
    facility = forms.ModelChoiceField(
        label=_("Quarantine facility"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_(
            "Only for a quarantine facility manager: the account then sees this facility "
            "only, and its jurisdiction is the facility's commune."
        ),
    )
    establishment = forms.ModelChoiceField(
        label=_("Accommodation establishment"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_(
            "Only for an accommodation establishment's account: the account then sees this "
            "establishment and its guests only, and its jurisdiction is the establishment's "
            "commune."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, instance=None, **kwargs):
        from vigil.quarantine.models import Facility

        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "username": instance.username,
                "full_name": instance.full_name,
                "phone": instance.phone,
                "unit_name": instance.unit_name,
                "tasks": instance.tasks,
                "jurisdiction": instance.jurisdiction_id,
                "facility": instance.facility_id,
                "establishment": instance.establishment_id,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdiction_choices(actor)
        # Facilities the administrator can see: those in use, and the account's own.
        in_use = Q(active=True)
        if instance is not None and instance.facility_id:
            in_use |= Q(pk=instance.facility_id)
        self.fields["facility"].queryset = (
            Facility.objects.visible_to(actor).filter(in_use).order_by("name")
        )
        self.fields["establishment"].queryset = establishments_for(
            actor, keep=instance.establishment_id if instance is not None else None
        )
        if instance is not None:
            self.fields["username"].disabled = True

    def clean(self):
        data = super().clean()
        facility, establishment = data.get("facility"), data.get("establishment")
        if establishment is not None:
            if Task.ESTABLISHMENT not in data.get("tasks", [Task.ESTABLISHMENT]):
                self.add_error(
                    "establishment",
                    _(
                        "An accommodation establishment is for establishment accounts: tick "
                        "that task group."
                    ),
                )
            if facility is not None:
                self.add_error(
                    "establishment",
                    _("An account works for a quarantine facility or an establishment, not both."),
                )
            data["jurisdiction"] = establishment.area
        elif facility is not None:
            if Task.FACILITY not in data.get("tasks", [Task.FACILITY]):
                self.add_error(
                    "facility",
                    _("A quarantine facility is for facility managers: tick that task group."),
                )
            data["jurisdiction"] = facility.area
        elif not data.get("jurisdiction") and "jurisdiction" not in self.errors:
            self.add_error("jurisdiction", self.fields["jurisdiction"].error_messages["required"])
        return data

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class AccountRequestForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = PhoneField(label=_("Phone"))
    task = forms.ChoiceField(label=_("Task group"), choices=Task.choices)
    jurisdiction = UnitChoiceField(label=_("Jurisdiction"), queryset=AdminUnit.objects.none())
    establishment = forms.ModelChoiceField(
        label=_("Accommodation establishment"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_('Required for the task group "Accommodation establishment" only.'),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdiction_choices(actor)
        self.fields["jurisdiction"].initial = actor.jurisdiction_id
        self.fields["establishment"].queryset = establishments_for(actor)

    def clean(self):
        data = super().clean()
        establishment, unit = data.get("establishment"), data.get("jurisdiction")
        if data.get("task") == Task.ESTABLISHMENT:
            if establishment is None:
                if "establishment" not in self.errors:
                    self.add_error(
                        "establishment", _("Choose the establishment the account works for.")
                    )
            elif unit is not None and not establishment.area_path.startswith(unit.path):
                self.add_error(
                    "establishment", _("This establishment is outside the jurisdiction chosen.")
                )
        elif establishment is not None:
            self.add_error(
                "establishment",
                _("Only an accommodation establishment's account works for an establishment."),
            )
        return data


def establishments_for(actor, keep=None):
    """The open establishments `actor` can see, and `keep` (an account's own);
    the model by name: vigil.accounts does not import vigil.lodging."""
    establishment = apps.get_model("lodging", "Establishment")
    return (
        establishment.objects.visible_to(actor)
        .filter(Q(status="open") | Q(pk=keep))
        .order_by("name")
    )


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=500)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("e.g. phone app"))


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    task = forms.ChoiceField(
        label=_("Task group"), required=False, choices=[("", _("All"))] + Task.choices
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Disabled"))],
    )

    def filter_qs(self, qs):
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["q"]:
            from django.db.models import Q

            qs = qs.filter(Q(username__icontains=data["q"]) | Q(full_name__icontains=data["q"]))
        if data["task"]:
            # Tasks are a JSON list; matching the quoted code works on SQLite and PostgreSQL.
            qs = qs.filter(tasks__icontains=f'"{data["task"]}"')
        if data["active"]:
            qs = qs.filter(is_active=data["active"] == "1")
        return qs
