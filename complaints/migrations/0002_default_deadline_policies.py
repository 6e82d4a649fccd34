"""The default deadline policies of DOMAIN.md §3. Administrators change them in the admin site."""

from django.db import migrations

# name, kind, priority, is_petition, limits (max_extensions, max_extension_amount, extension_unit,
# reopen_limit), stage rules {stage: (amount, unit)}
POLICIES = [
    (
        "默认时限",
        "",
        "",
        False,
        (3, 5, "working_days", 2),
        {
            "dispatch": (4, "working_hours"),
            "sign": (1, "working_days"),
            "return_window": (1, "working_days"),
            "handle": (7, "working_days"),
            "revisit": (2, "working_days"),
        },
    ),
    ("咨询", "consultation", "", False, (None, None, "", None), {"handle": (3, "working_days")}),
    ("求助", "help", "", False, (None, None, "", None), {"handle": (7, "working_days")}),
    ("建议", "suggestion", "", False, (None, None, "", None), {"handle": (7, "working_days")}),
    ("投诉", "complaint", "", False, (None, None, "", None), {"handle": (15, "working_days")}),
    ("举报", "report", "", False, (None, None, "", None), {"handle": (15, "working_days")}),
    (
        "紧急",
        "",
        "urgent",
        False,
        (None, None, "", None),
        {"dispatch": (30, "clock_minutes"), "sign": (30, "clock_minutes"), "handle": (24, "clock_hours")},
    ),
    (
        "特急",
        "",
        "very_urgent",
        False,
        (None, None, "", None),
        {"dispatch": (30, "clock_minutes"), "sign": (30, "clock_minutes"), "handle": (2, "clock_hours")},
    ),
    (
        "信访事项",
        "",
        "",
        True,
        (1, 30, "calendar_days", None),
        {"handle": (60, "calendar_days")},
    ),
]


def create_policies(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    SlaStageRule = apps.get_model("complaints", "SlaStageRule")
    for name, kind, priority, is_petition, limits, rules in POLICIES:
        max_extensions, max_extension_amount, extension_unit, reopen_limit = limits
        policy, created = SlaPolicy.objects.get_or_create(
            kind=kind,
            priority=priority,
            is_petition=is_petition,
            defaults={
                "name": name,
                "max_extensions": max_extensions,
                "max_extension_amount": max_extension_amount,
                "extension_unit": extension_unit,
                "reopen_limit": reopen_limit,
            },
        )
        if created:
            SlaStageRule.objects.bulk_create(
                SlaStageRule(policy=policy, stage=stage, amount=amount, unit=unit)
                for stage, (amount, unit) in rules.items()
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_case_lifecycle")]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
