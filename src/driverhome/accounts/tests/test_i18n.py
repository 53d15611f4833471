"""Every app's Chinese catalogue is complete and compiled; pages render in both languages."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def app_of(po: Path) -> str:
    return po.relative_to(PACKAGE).parts[0]


def test_core_and_accounts_have_catalogues():
    apps = {app_of(po) for po in CATALOGUES}
    assert {"core", "accounts"} <= apps


@pytest.mark.parametrize("po_path", CATALOGUES, ids=app_of)
def test_catalogue_is_complete(po_path):
    catalogue = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"{app_of(po_path)}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{app_of(po_path)}: fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=app_of)
def test_mo_matches_po(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), (
        f"{app_of(po_path)}: django.mo is missing (driverhome messages --compile-only)"
    )
    po = {
        (e.msgctxt, e.msgid): (e.msgstr_plural and dict(e.msgstr_plural)) or e.msgstr
        for e in polib.pofile(str(po_path)).translated_entries()
    }
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr_plural and dict(e.msgstr_plural)) or e.msgstr
        for e in polib.mofile(str(mo_path))
        if e.msgid
    }
    missing = [key[1] for key, value in po.items() if mo.get(key) != value]
    assert not missing, (
        f"{app_of(po_path)}: django.mo is older than django.po for {missing[:5]} "
        "(run driverhome messages APP --compile-only)"
    )


def test_python_format_placeholders_survive_translation():
    for po_path in CATALOGUES:
        for entry in polib.pofile(str(po_path)).translated_entries():
            if "%(" not in entry.msgid:
                continue
            names = sorted(set(_names(entry.msgid)))
            targets = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
            for target in targets:
                assert sorted(set(_names(target))) == names, (app_of(po_path), entry.msgid)


def _names(text: str):
    import re

    return re.findall(r"%\((\w+)\)", text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [("en", "Log in", "登录"), ("zh-hans", "登录", "Log in")],
)
def test_login_page_renders_in_each_language(language, expected, not_expected):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert expected in html and not_expected not in html


@pytest.mark.django_db
def test_chinese_is_the_default_and_switching_works(client_for):
    client = client_for("supervisor")
    assert "登录" not in client.get("/console/").content.decode()  # logged in: no login button
    home = client.get("/console/").content.decode()
    assert 'lang="zh-CN"' in home and "退出" in home
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    english = client.get("/console/").content.decode()
    assert 'lang="en"' in english and "Log out" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/console/"})
    assert 'lang="zh-CN"' in client.get("/console/").content.decode()


@pytest.mark.django_db
def test_driver_home_in_both_languages():
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/").content.decode()
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert "Welcome to the Driver's Home" in en
    assert "Welcome to the Driver's Home" not in zh and "司机之家" in zh
