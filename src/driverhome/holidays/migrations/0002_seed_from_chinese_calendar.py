"""The years ``chinese-calendar`` knows (2004 to the package's last year), as calendar rows.

A year already present (entered before this migration ran) is left as it is.
"""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    CalendarYear = apps.get_model("holidays", "CalendarYear")
    CalendarDay = apps.get_model("holidays", "CalendarDay")

    def name(value):
        try:
            return Holiday(value).chinese
        except ValueError:
            return str(value or "")

    years = {}
    for kind, table in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, value in table.items():
            years.setdefault(day.year, []).append((day, kind, name(value)))
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    for year, days in sorted(years.items()):
        if year in existing:
            continue
        calendar = CalendarYear.objects.create(year=year, source="library")
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=calendar, day=day, kind=kind, name=name)
            for day, kind, name in sorted(days)
        )


class Migration(migrations.Migration):
    dependencies = [("holidays", "0001_calendar_years_and_days")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
