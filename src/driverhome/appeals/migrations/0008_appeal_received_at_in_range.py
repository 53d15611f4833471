"""A request's received_at lies within the platform's bounds (core.dates), in the database too.

A date outside them (year 1, as a .NET client sends for an unset date) overflowed when
shown in the deployment's zone and broke every list that held it.
"""

import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0007_transition_append_only"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="appeal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("received_at__gte", datetime.datetime(1999, 12, 31, tzinfo=datetime.UTC)),
                    ("received_at__lt", datetime.datetime(2100, 1, 2, tzinfo=datetime.UTC)),
                ),
                name="appeal_received_at_in_range",
            ),
        ),
    ]
