import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.choices import QuickDisplay
from vigil.core.scope import ScopedQuerySet

from . import questions
from .indexes import AWAITING_MEDICAL, declaration_indexes


class Channel(models.TextChoices):
    """How a declaration reached the system (R-D2, R-P3)."""

    APP = "app", _("Mobile app")
    WEB = "web", _("Public web (phone + code)")
    WALK_IN = "walk_in", _("Walk-in at a health station")
    PAPER = "paper", _("Paper form, digitised")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    ESTABLISHMENT = "establishment", _("Accommodation establishment")
    QUARANTINE = "quarantine", _("Quarantine intake")
    EXTERNAL_QR = "external_qr", _("National declaration QR")


ONLINE_CHANNELS = (Channel.APP, Channel.WEB)
STAFF_CHANNELS = (Channel.WALK_IN, Channel.PAPER, Channel.CHECKPOINT)


class PaperReason(models.TextChoices):
    """Why a paper form was used (§II.12: paper only where online was impossible)."""

    NO_SMARTPHONE = "no_smartphone", _("No smartphone")
    ELDERLY_OR_CHILD = "elderly_child", _("Elderly person or child")
    NO_NETWORK = "no_network", _("No network")
    CHECKPOINT = "checkpoint", _("Declared on paper at a checkpoint")
    OTHER = "other", _("Other")


class RegistrationKind(models.TextChoices):
    RETURN_HOME = "return_home", _("Returning home")
    STUDENT = "student", _("Student returning to study")
    MEDICAL = "medical", _("Medical visit")
    WORK = "work", _("Work trip")
    TRANSIT = "transit", _("Transit")
    OTHER = "other", _("Other")


class Transport(models.TextChoices):
    CAR = "car", _("Car")
    MOTORBIKE = "motorbike", _("Motorbike")
    COACH = "coach", _("Coach")
    TRAIN = "train", _("Train")
    PLANE = "plane", _("Plane")
    OTHER = "other", _("Other")


# Exclude 0, O, 1, I, L to avoid confusion when the code is read aloud or
# typed from a blurred phone screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class VerificationState(models.TextChoices):
    """Verification at the home commune (R-V2, Fig 7)."""

    PENDING = "pending", _("Not yet verified")
    RETURNED = "returned", _("Returned to the locality")
    FAILED = "failed", _("Could not verify")
    NOT_REQUIRED = "not_required", _("Entered by staff (no verification needed)")
    # Taken into concentrated quarantine before the commune verified: the
    # commune's queue is closed by the intake, and the military command
    # verifies the person's home locality from the facility (§I.2, R-V7).
    INTAKE = "intake", _("Verified at quarantine intake")


class MedicalState(models.TextChoices):
    """CDC medical verification of flagged declarations (R-M2, Fig 8)."""

    NOT_FLAGGED = "not_flagged", _("Not flagged")
    PENDING = "pending", _("Flagged, not yet medically verified")
    VERIFIED = "verified", _("Medically verified")


class ApprovalState(models.TextChoices):
    """Prior registration to return ("Duyệt đăng ký về địa phương", R-V4)."""

    NONE = "", _("No approval requested")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Surveillance(models.TextChoices):
    CONCENTRATED = "concentrated", _("Concentrated quarantine")
    HOME_QUARANTINE = "home_quarantine", _("Home quarantine")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    SELF_MONITORING = "self_monitoring", _("Self-monitoring")
    HOSPITAL = "hospital", _("Hospital referral")
    NONE = "none", _("No further action")


class RiskColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


def _verification_queues():
    """The verification work queues (R-V1, R-V3), named once: conditions on the
    declarations, for the queryset method below and for the pages' tab counts."""
    pending = models.Q(verification_state=VerificationState.PENDING)
    return {
        "pending": pending,
        "students": pending & models.Q(registration_kind=RegistrationKind.STUDENT),
        "medical": pending & models.Q(registration_kind=RegistrationKind.MEDICAL),
        "failed": models.Q(verification_state=VerificationState.FAILED),
        "amended": models.Q(amended_after_decision=True),
    }


VERIFICATION_QUEUES = _verification_queues()


class DeclarationQuerySet(ScopedQuerySet):
    facility_field = "person__stays__facility"
    establishment_field = "guest_stays__establishment"

    def from_phone(self, phone):
        """Declarations a citizen's phone made, for themselves or on behalf of others.

        Only the phone that submitted counts, never the phone on the Person:
        anyone can type someone else's ID number and name, and must not gain
        their declarations by doing so.
        """
        return self.filter(submitter_phone=phone)

    def awaiting_medical(self):
        """CDC's queue (R-M2): flagged and not yet medically verified, and the
        ones a citizen amended after CDC decided, until CDC reviews them."""
        return self.filter(AWAITING_MEDICAL)

    def amended(self):
        """Amended by the citizen after staff decided, not yet reviewed."""
        return self.verification_queue("amended")

    def verification_queue(self, key):
        """One verification work queue: "pending", "students", "medical",
        "failed" or "amended" (VERIFICATION_QUEUES)."""
        return self.filter(VERIFICATION_QUEUES[key])

    def awaiting_verification(self):
        """The commune's queue (R-V1): declared, not yet verified."""
        return self.verification_queue("pending")


class Journey(QuickDisplay, models.Model):
    """Where from, where to in the province, and by what means: the fields an
    arrival declaration shares with a registration to return
    (vigil.verification.models.Registration)."""

    # Where from.
    departure_country = models.ForeignKey(
        "areas.Country", verbose_name=_("departure country"), on_delete=models.PROTECT
    )
    departure_unit = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("departure commune / district / province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departure_place = models.CharField(_("departure place (abroad)"), max_length=200, blank=True)

    # Where to, in the province: the record's jurisdiction (area_path, set on save).
    area = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("destination commune"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area_path = models.CharField(max_length=128, db_index=True)
    village = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("village / residential group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("street address"), max_length=300)

    transport = models.CharField(_("means of transport"), max_length=16, choices=Transport.choices)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.area_path = (self.village or self.area).path
        super().save(*args, **kwargs)


class DeclaredIdentity:
    """Who a declaration says it is about, as it was typed (`declared_identity`).

    The citizens' pages and API show this, never the Person's current values:
    typing someone's name and ID number must not reveal what staff recorded
    about them (issue #12). Declarations recorded before the field existed
    hold only the name.
    """

    FIELDS = ("full_name", "id_kind", "id_number", "phone", "birth_year", "gender", "occupation")

    def __init__(self, values):
        values = values or {}
        for name in self.FIELDS:
            setattr(self, name, values.get(name) or (None if name == "birth_year" else ""))

    def get_gender_display(self):
        from vigil.people.models import Gender

        return dict(Gender.choices).get(self.gender, self.gender)

    def get_id_kind_display(self):
        from vigil.people.models import IdKind

        return dict(IdKind.choices).get(self.id_kind, self.id_kind)

    @property
    def masked_id_number(self):
        from vigil.core.masking import mask_id_number

        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        from vigil.core.masking import mask_phone

        return mask_phone(self.phone)


class Declaration(Journey):
    """One arrival declaration ("Khai báo về Huế") of one Person.

    Identity (name, ID number, phone...) lives on the Person; the declaration
    holds the journey and the health questionnaire, where in the province the
    person is going (its jurisdiction), and how and by whom it was declared.
    It also keeps the identity as declared (`declared_identity`): what the
    citizen's own pages show, and what staff compare with the Person.
    """

    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_code)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="declarations",
        db_index=False,  # decl_person_scope leads with it
    )
    registration_kind = models.CharField(
        _("registration kind"), max_length=16, choices=RegistrationKind.choices
    )
    student_code = models.CharField(_("student code"), max_length=40, blank=True)
    school = models.CharField(_("school"), max_length=200, blank=True)

    # Where from, where to and the transport are the fields of Journey.
    transport_number = models.CharField(
        _("plate or flight number"), max_length=40, blank=True, db_index=True
    )
    arrival_date = models.DateField(_("arrival date"), db_index=True)
    visited_areas = models.TextField(_("countries / areas visited in the last 21 days"), blank=True)

    # How, and by whom.
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    is_proxy = models.BooleanField(_("declared on behalf of someone"), default=False)
    proxy_relation = models.CharField(_("relation of the declarer"), max_length=100, blank=True)
    submitter_phone = models.CharField(max_length=20, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paper_form_number = models.CharField(_("paper form number"), max_length=40, blank=True)
    paper_form_date = models.DateField(_("paper form date"), null=True, blank=True)
    paper_reason = models.CharField(
        _("why paper was used"), max_length=16, choices=PaperReason.choices, blank=True
    )
    paper_reason_other = models.CharField(_("other reason for paper"), max_length=200, blank=True)
    checkpoint = models.CharField(_("checkpoint"), max_length=200, blank=True)
    external_payload = models.TextField(blank=True)

    # State, changed only by the services of verification and triage, each
    # change recorded as a DeclarationEvent.
    verification_state = models.CharField(
        _("verification"),
        max_length=16,
        choices=VerificationState.choices,
        default=VerificationState.PENDING,
        db_index=True,
    )
    medical_state = models.CharField(
        _("medical verification"),
        max_length=16,
        choices=MedicalState.choices,
        default=MedicalState.NOT_FLAGGED,
        db_index=True,
    )
    approval_state = models.CharField(
        _("approval to return"), max_length=16, choices=ApprovalState.choices, blank=True
    )
    surveillance = models.CharField(
        _("surveillance type"), max_length=20, choices=Surveillance.choices, blank=True
    )
    surveillance_start = models.DateField(_("surveillance from"), null=True, blank=True)
    surveillance_end = models.DateField(_("surveillance until"), null=True, blank=True)
    # When CDC last decided the surveillance (the medical verification or an
    # override, `transitions.DECISION_ACTIONS`): the time of that event, set
    # with it on the transition path. The "to take in" list is in this order.
    decided_at = models.DateTimeField(_("CDC decided at"), null=True, blank=True, editable=False)
    risk_level = models.PositiveSmallIntegerField(_("risk level"), default=0, db_index=True)
    risk_colour = models.CharField(
        _("risk colour"), max_length=8, choices=RiskColour.choices, default=RiskColour.GREEN
    )
    risk_score = models.PositiveIntegerField(default=0)
    risk_reasons = models.JSONField(default=list, blank=True)
    # A citizen changed their answers after staff decided (R-V5): the queues
    # mark it until staff look again; the changes are in the events.
    amended_after_decision = models.BooleanField(
        _("amended after verification"), default=False, db_index=True
    )
    # A lower colour the rules gave after such an amendment: never applied by
    # itself, CDC decides (R-M1..M3).
    proposed_colour = models.CharField(
        _("proposed risk colour"), max_length=8, choices=RiskColour.choices, blank=True
    )
    transferred_from = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    identity_conflict = models.BooleanField(
        _("identity conflict"),
        default=False,
        help_text=_(
            "The declared identity differs from the person's record (another name under "
            "the same ID number, or another phone, birth year, gender or occupation): "
            "staff must check."
        ),
    )
    # The identity fields as typed for this declaration ({field: value}).
    declared_identity = models.JSONField(_("declared identity"), default=dict, blank=True)
    # The Person's version when this declaration created it (or, since, last
    # wrote it). While the Person still has it, nobody else recorded anything
    # about them and the citizen may still correct their own typing.
    person_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Indexed first in decl_created_scope (below).
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = declaration_indexes()

    def __str__(self):
        return f"{self.code} {self.person}"

    @property
    def declared(self):
        """The identity as declared (DeclaredIdentity)."""
        return DeclaredIdentity(self.declared_identity)

    def answers(self):
        """[(group label, [(question label, yes?), ...]), ...] for display."""
        return [
            (label, [(q_label, getattr(self, key)) for key, q_label in items])
            for _key, label, items in questions.GROUPS
        ]

    def yes_answers(self):
        return [label for key, label in questions.ALL if getattr(self, key)]


for _key, _label in questions.ALL:
    Declaration.add_to_class(_key, models.BooleanField(_label, default=False))


EVENT_LABELS = {
    "verify_returned": _("Verified: returned to the locality"),
    "verify_failed": _("Could not verify"),
    "transfer": _("Transferred to another area"),
    "approval_requested": _("Approval to return requested"),
    "approve": _("Registration approved"),
    "reject": _("Registration rejected"),
    "medical_verify": _("Medical verification"),
    "quarantine_intake": _("Taken into concentrated quarantine"),
    "verified_by_intake": _("Verified by quarantine intake"),
    "military_verify": _("Verified by the military command"),
    "amend": _("Amended"),
    "citizen_amend": _("Amended by the citizen"),
    "correction_requested": _("Correction requested by the citizen"),
    "risk_reevaluated": _("Risk re-evaluated"),
    "colour_decided": _("Proposed colour decided by CDC"),
    "surveillance_override": _("CDC surveillance decision overridden"),
    "stay_moved": _("Quarantine stay moved"),
    "stay_extended": _("Quarantine stay extended"),
    "stay_ended": _("Quarantine stay ended"),
    "amendment_reviewed": _("Amendment reviewed"),
}


class DeclarationEvent(models.Model):
    """One change of state of a declaration (R-V5): who, when, from, to, why."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    from_area = models.ForeignKey(
        "areas.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_area = models.ForeignKey(
        "areas.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.declaration_id} {self.action} {self.from_state}→{self.to_state}"

    @property
    def label(self):
        return EVENT_LABELS.get(self.action, self.action)

    @property
    def actor_label(self):
        """Who did it: the account, the citizen (their own phone), or the system."""
        if self.actor_id:
            return self.actor.username
        if self.action in ("citizen_amend", "correction_requested"):
            return _("citizen")
        return _("system")

    def changed_fields(self):
        """[(field name, before, after), ...] of an amendment, ID numbers and
        phones masked: the history is shown to every staff user in scope,
        whole identity only on the detail of an authorised user (R-N4)."""
        from vigil.core.masking import mask_id_number, mask_phone

        masks = {"id_number": mask_id_number, "phone": mask_phone}
        out = []
        for name, (before, after) in (self.data or {}).get("changes", {}).items():
            mask = masks.get(name)
            if mask is not None:
                before, after = mask(before or ""), mask(after or "")
            out.append((name, before, after))
        return out

    @property
    def changes(self):
        """[(field label, before, after), ...] of an amendment, for the history."""
        from vigil.people.models import Person

        out = []
        for name, before, after in self.changed_fields():
            label, choices = name, {}
            for model in (Declaration, Person):
                try:
                    field = model._meta.get_field(name)
                except Exception:  # noqa: BLE001, S112  (not a field of this model)
                    continue
                label, choices = field.verbose_name, dict(field.flatchoices or ())
                break
            out.append(
                (label, _yes_no(choices.get(before, before)), _yes_no(choices.get(after, after)))
            )
        return out


def _yes_no(value):
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return value


class OtpChallenge(models.Model):
    """A one-time code sent by SMS to a phone (R-D3). Only a hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    burnt = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"OTP for {self.phone} at {self.created_at:%Y-%m-%d %H:%M}"
