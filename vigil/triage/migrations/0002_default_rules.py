"""The province's starting rules and colour bands. Rules are data: CDC edits
them in the app; these are only the defaults of a new deployment. Labels are
in Vietnamese because they are the province's data, shown as they are."""

from django.db import migrations

BANDS = [(0, "green", 0), (1, "yellow", 10), (2, "orange", 30), (3, "red", 60)]
RULES = [
    ("Sốt", ["sym_fever"], 20, 1),
    ("Ho", ["sym_cough"], 15, 1),
    ("Khó thở", ["sym_breathing"], 25, 2),
    ("Viêm phổi / mờ phổi", ["sym_pneumonia"], 30, 2),
    ("Đau họng", ["sym_sore_throat"], 10, 1),
    ("Mệt mỏi", ["sym_fatigue"], 5, 0),
    ("Tiếp xúc ca bệnh hoặc nghi ngờ", ["exp_case_contact"], 40, 2),
    ("Tự khai về từ vùng dịch", ["exp_from_epidemic_area"], 15, 1),
    ("Về từ vùng dịch (danh mục CDC)", ["epidemic_area"], 20, 1),
    ("Tiếp xúc người về từ vùng dịch", ["exp_epidemic_area_contact"], 10, 1),
    ("Đi qua điểm dịch", ["outbreak_visit"], 30, 2),
    ("Sốt + về từ vùng dịch", ["sym_fever", "epidemic_area"], 30, 3),
    ("Có triệu chứng + tiếp xúc ca bệnh", ["any_symptom", "exp_case_contact"], 30, 3),
    ("Bệnh nền + có triệu chứng", ["any_condition", "any_symptom"], 10, 2),
    ("Có bệnh nền", ["any_condition"], 5, 0),
    ("Từ 65 tuổi trở lên", ["age_65_plus"], 5, 0),
]


def seed(apps, schema_editor):
    RiskBand = apps.get_model("triage", "RiskBand")
    RiskRule = apps.get_model("triage", "RiskRule")
    for level, colour, min_score in BANDS:
        RiskBand.objects.update_or_create(
            level=level, defaults={"colour": colour, "min_score": min_score}
        )
    if not RiskRule.objects.exists():
        for label, facts, weight, min_level in RULES:
            RiskRule.objects.create(label=label, facts=facts, weight=weight, min_level=min_level)


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
