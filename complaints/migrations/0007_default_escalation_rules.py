"""The thresholds of DOMAIN.md §4: warnings at 50 % and 80 % of the stage time, urging at the deadline,
a supervision notice at 1 working day overdue, listed supervision at 3, and a reminder every working day
while overdue. Administrators change them in the admin site."""

from django.db import migrations

# code, name, action, percent_of_stage, working_days_overdue, repeats_daily, recipients
RULES = [
    ("warning_50", "预警（时限过半）", "warning", 50, None, False, {"to_responsible": True}),
    ("warning_80", "预警（时限已过80%）", "warning", 80, None, False, {"to_responsible": True}),
    ("urging", "催办（到期）", "urging", 100, None, False, {"to_responsible": True, "to_head": True}),
    ("overdue_daily", "超期提醒（每个工作日）", "overdue", None, 1, True, {"to_responsible": True}),
    (
        "supervision",
        "督办通知（超期1个工作日）",
        "supervision",
        None,
        1,
        False,
        {"to_responsible": False, "to_head": True, "to_office": True},
    ),
    (
        "listed",
        "挂牌督办（超期3个工作日）",
        "listed",
        None,
        3,
        False,
        {"to_responsible": False, "to_head": True, "to_office": True, "to_leaders": True},
    ),
]


def create_rules(apps, schema_editor):
    EscalationRule = apps.get_model("complaints", "EscalationRule")
    for code, name, action, percent, days, daily, recipients in RULES:
        EscalationRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "action": action,
                "percent_of_stage": percent,
                "working_days_overdue": days,
                "repeats_daily": daily,
                **recipients,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_escalation")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
