"""Django merges every app's catalogue into one, so a (context, msgid) pair must mean one thing.

For a msgid found in several apps the app listed first in INSTALLED_APPS wins, and every
other app's pages would show its word. Different meanings get a message context
(``pgettext`` / ``{% translate ... context ... %}``); the same meaning gets one wording.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]


def catalogues() -> list[tuple[str, Path]]:
    found = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("driverhome."):
            continue
        name = app.split(".", 1)[1]
        po = PACKAGE / name / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if po.exists():
            found.append((name, po))
    return found


def translation_of(entry: polib.POEntry) -> str:
    if entry.msgid_plural:
        return " | ".join(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
    return entry.msgstr


def test_every_app_catalogue_is_checked():
    assert {"core", "accounts", "stations", "drivers"} <= {name for name, _ in catalogues()}


def test_same_msgid_has_one_translation_across_apps():
    seen: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for name, po in catalogues():
        for entry in polib.pofile(str(po)):
            if not entry.obsolete:
                seen[(entry.msgctxt, entry.msgid)][name] = translation_of(entry)
    clashes = {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}
    report = "\n".join(f"{key}: {by_app}" for key, by_app in clashes.items())
    assert not clashes, (
        f"{len(clashes)} msgids translate differently in different apps; give the later "
        f"app's string a context or unify the wording:\n{report}"
    )


def test_contexts_reach_the_later_apps_words():
    with translation.override("zh-hans"):
        assert translation.pgettext("request status", "Open") == "待处理"
        assert translation.gettext("Open") == "开放"
        assert translation.pgettext("apartment", "Free") == "空闲"
        assert translation.gettext("Free") == "免费"
        assert translation.pgettext("school grade", "grade") == "年级"
        assert translation.pgettext("care site", "Site") == "托管点"
        assert translation.pgettext("person", "Name") == "姓名"
        assert translation.pgettext("sign up", "Register") == "报名"
        assert translation.pgettext("appeal", "Register") == "登记"
