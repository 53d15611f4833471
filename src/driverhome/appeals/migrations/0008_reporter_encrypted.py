"""The reporter's name, phone and e-mail are held encrypted (field keys), with a keyed hash
of the phone for look-up; existing rows are encrypted in place.

The columns first become plain text (SQLite rebuilds the table, PostgreSQL widens
varchar to text), the rows are encrypted in batches, then the field becomes
``EncryptedTextField`` (no change in the database). The reverse decrypts in the same way
before the columns narrow back: a value that is not a token of the configured keys
(written in clear by hand) is left as it is, so the reverse never loses a value.
"""

from django.db import migrations, models

from driverhome.core import pii

BATCH = 2000
LABELS = {
    "reporter_name": "reporter name",
    "reporter_phone": "reporter phone",
    "reporter_email": "reporter e-mail",
}


def _rows(Appeal):
    qs = Appeal.objects.exclude(reporter_name="", reporter_phone="", reporter_email="")
    return qs.values_list("pk", *LABELS).order_by("pk").iterator(chunk_size=BATCH)


def encrypt(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    for pk, name, phone, email in _rows(Appeal):
        Appeal.objects.filter(pk=pk).update(
            reporter_name=pii.encrypt(name) if name else "",
            reporter_phone=pii.encrypt(phone) if phone else "",
            reporter_email=pii.encrypt(email) if email else "",
            reporter_phone_hash=pii.lookup_hash(phone, kind="phone") if phone else "",
        )


def _clear(value: str) -> str:
    if not value:
        return value
    try:
        return pii.decrypt(value)
    except (ValueError, UnicodeError):
        return value


def decrypt(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    for pk, name, phone, email in _rows(Appeal):
        Appeal.objects.filter(pk=pk).update(
            reporter_name=_clear(name), reporter_phone=_clear(phone), reporter_email=_clear(email)
        )


def _alter(field_class):
    return [
        migrations.AlterField(
            model_name="appeal",
            name=name,
            field=field_class(blank=True, default="", verbose_name=label),
        )
        for name, label in LABELS.items()
    ]


class Migration(migrations.Migration):
    dependencies = [("appeals", "0007_transition_append_only")]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="reporter_phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        *_alter(models.TextField),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        *_alter(pii.EncryptedTextField),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(fields=["reporter_phone_hash"], name="appeal_reporter_phone_idx"),
        ),
    ]
