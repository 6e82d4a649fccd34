"""Seed the working-day calendar from the `chinesecalendar` package (2004 to the last year it knows).

Every year the package covers gets a `CalendarYear`; every statutory holiday and adjusted working day
(调休) gets a `CalendarDay`, named in Chinese as the package names it. Rows that already exist are kept,
so the migration can run over a calendar an administrator started by hand.
"""

from django.db import migrations


def seed_working_calendar(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar import constants

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    chinese_names = {holiday.value: holiday.chinese for holiday in constants.Holiday}

    days = [
        CalendarDay(date=day, is_working_day=is_working_day, name=chinese_names.get(name, name))
        for dates, is_working_day in ((constants.holidays, False), (constants.workdays, True))
        for day, name in dates.items()
    ]
    version = getattr(chinese_calendar, "__version__", "")
    years = sorted({day.date.year for day in days})
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=year, source="chinesecalendar", note=f"从 chinesecalendar {version} 导入")
            for year in years
        ],
        ignore_conflicts=True,
    )
    CalendarDay.objects.bulk_create(
        sorted(days, key=lambda day: day.date), ignore_conflicts=True, batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_working_calendar"),
    ]

    operations = [
        migrations.RunPython(seed_working_calendar, migrations.RunPython.noop),
    ]
