"""The yes/no questions of the arrival declaration (R-D1, the seed's Fig 6).

Each question is a boolean column on Declaration, named by its key, so that the
risk rules and the statistics can filter and count them in SQL.
"""

from django.utils.translation import gettext_lazy as _

EXPOSURES = [
    ("exp_case_contact", _("Contact with a confirmed or suspected COVID-19 case")),
    ("exp_from_epidemic_area", _("Came from an epidemic area")),
    ("exp_epidemic_area_contact", _("Contact with someone who came from an epidemic area")),
]

SYMPTOMS = [
    ("sym_fever", _("Fever")),
    ("sym_cough", _("Cough")),
    ("sym_breathing", _("Difficulty breathing")),
    ("sym_pneumonia", _("Pneumonia / lung opacity")),
    ("sym_sore_throat", _("Sore throat")),
    ("sym_fatigue", _("Fatigue")),
]

CONDITIONS = [
    ("cond_liver", _("Chronic liver disease")),
    ("cond_blood", _("Chronic blood disease")),
    ("cond_lung", _("Chronic lung disease")),
    ("cond_kidney", _("Chronic kidney disease")),
    ("cond_heart", _("Cardiovascular disease")),
    ("cond_hypertension", _("Hypertension")),
    ("cond_immunodeficiency", _("HIV or immunodeficiency")),
    ("cond_transplant", _("Organ or bone-marrow transplant recipient")),
    ("cond_diabetes", _("Diabetes")),
    ("cond_cancer", _("Cancer")),
    ("cond_pregnancy", _("Pregnancy")),
]

GROUPS = [
    ("exposures", _("Exposure in the last 21 days"), EXPOSURES),
    ("symptoms", _("Symptoms in the last 14 days"), SYMPTOMS),
    ("conditions", _("Chronic conditions"), CONDITIONS),
]

ALL = EXPOSURES + SYMPTOMS + CONDITIONS
KEYS = [key for key, _label in ALL]
