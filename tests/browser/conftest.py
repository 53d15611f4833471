"""Browser tests: Playwright (Python) driving Debian's Chromium, headless.

The platform runs as it does in production: gunicorn on 127.0.0.1 serving a database
with every migration applied and the quick demo loaded (once per test session;
pytest-django's ``live_server`` would flush the demo after each test). The database is
on the engine of the run: a file SQLite database in the server's own data folder, or,
when ``DATABASE_URL`` is set, a PostgreSQL database of its own on that server, named
after the URL's database with ``_browser`` appended (dropped and created afresh at the
start of the session, dropped at its end), so runs with different URLs do not collide.
Tests read the server's database through a Django connection of its own
(``platform.query``, ``platform.rows``), with the same SQL on both engines.
Personas log in through the login form with the demo password; their session
cookies are kept and reused. Each test gets a fresh browser context at phone size
(390×844) or desktop size (1366×900), in Chinese or English. On failure a
screenshot and the page's HTML go to ``test-artifacts/``.

axe-core (vendored from the npm registry under ``vendor/axe-core``) is injected into
pages to check labels, contrast, names and keyboard focus: serious and critical
violations fail the test.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import DB_NAME, copy_data_dir, driverhome, process_env
from tests.server_log import unhandled_exceptions

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts"
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LANGUAGES = {"zh": "zh-hans", "en": "en"}

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by
# fixtures that read the server's database) must not refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    skip = None
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason="/usr/bin/chromium is missing (make browser installs it)")
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            skip = pytest.mark.skip(reason="playwright is not installed (make install-test)")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the platform under test --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    ALIAS = "browser_platform"

    def __init__(self, data_dir: Path, url: str, password: str, *, db_env: dict, blocker):
        self.data_dir = data_dir
        self.url = url
        self.password = password
        self.db_env = db_env  # DATABASE_URL of the server's PostgreSQL database, or nothing
        self._blocker = blocker

    def query(self, sql: str, params=()) -> list[tuple]:
        """Rows from the server's database (what a QR code or an SMS would carry): ``%s``
        placeholders and SQL that both engines understand."""
        from django.db import connections

        with self._blocker.unblock(), connections[self.ALIAS].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rows(self, queryset) -> list:
        """An ORM query evaluated on the server's database (dates compared the Django way)."""
        with self._blocker.unblock():
            return list(queryset.using(self.ALIAS))

    def manage(self, *args):
        return driverhome(self.data_dir, *args, **self.db_env)


def _postgresql_database() -> tuple[str, str, str] | None:
    """(server URL, database name, maintenance URL) of the server's PostgreSQL database,
    derived from ``DATABASE_URL``; None on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_browser"
    return (
        urlunsplit(parts._replace(path="/" + name)),
        name,
        urlunsplit(parts._replace(path="/postgres")),
    )


def _reset_database(maintenance_url: str, name: str, *, create: bool = True) -> None:
    """Drop the database (sessions still connected included), then create it empty."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _add_connection(alias: str, settings: dict) -> None:
    from django.db import DEFAULT_DB_ALIAS, connections

    configured = connections.configure_settings({DEFAULT_DB_ALIAS: {}, alias: settings})
    connections.settings[alias] = configured[alias]


def _remove_connection(alias: str) -> None:
    from django.db import connections

    if alias in connections.settings:
        connections[alias].close()
        del connections.settings[alias]


@pytest.fixture(scope="session")
def platform(request, tmp_path_factory, django_db_blocker):
    from driverhome.config.env import parse_database_url

    password = "Browser-Demo-2026"
    postgresql = _postgresql_database()
    if postgresql is None:
        data_dir = copy_data_dir(
            request.getfixturevalue("migrated_template"), tmp_path_factory.mktemp("browser")
        )
        db_env = {}
        db_settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": data_dir / DB_NAME}
        db_settings["OPTIONS"] = {"timeout": 20}
    else:
        database_url, name, maintenance_url = postgresql
        _reset_database(maintenance_url, name)
        data_dir = tmp_path_factory.mktemp("browser")
        db_env = {"DATABASE_URL": database_url}
        db_settings = parse_database_url("DATABASE_URL", database_url) | {"CONN_MAX_AGE": 0}
        driverhome(data_dir, "migrate", "--no-input", "-v", "0", timeout=600, **db_env)
    driverhome(data_dir, "demo", "--quick", timeout=900, DEMO_PASSWORD=password, **db_env)
    port = _free_port()
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:driverhome.config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        env=process_env(data_dir, DEMO_PASSWORD=password, **db_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(
                "the server did not start:\n" + (data_dir / "server.log").read_text()[-3000:]
            )
        time.sleep(0.2)
    _add_connection(Platform.ALIAS, db_settings)
    try:
        yield Platform(data_dir, url, password, db_env=db_env, blocker=django_db_blocker)
    finally:
        _remove_connection(Platform.ALIAS)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if postgresql is not None:
            _reset_database(postgresql[2], postgresql[1], create=False)
    crashes = unhandled_exceptions(data_dir / "server.log")
    if crashes:
        pytest.fail(
            f"the platform server logged {len(crashes)} unhandled exception(s); the first:\n"
            f"{crashes[0]['message']}\n{crashes[0]['exc']}",
            pytrace=False,
        )


# --- the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def sessions(platform, browser):
    """Log a persona in once through the login form; later contexts reuse the cookies."""
    cache: dict[str, dict] = {}

    def state(username: str) -> dict:
        if username not in cache:
            context = browser.new_context(base_url=platform.url)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", platform.password)
            page.click("form button[type=submit]")
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, f"{username} could not log in"
            cache[username] = context.storage_state()
            context.close()
        return cache[username]

    return state


@pytest.fixture
def open_page(request, platform, browser, sessions):
    """``open_page(persona, viewport="phone", lang="zh")`` -> a Playwright page at the platform."""
    contexts = []
    pages = []

    def make(
        persona: str | None = None, *, viewport: str = "phone", lang: str = "zh", offline_ok=False
    ):
        options = {
            "base_url": platform.url,
            "viewport": VIEWPORTS[viewport],
            "locale": "zh-CN" if lang == "zh" else "en-US",
            "bypass_csp": True,  # only to inject axe-core; the CSP itself is tested elsewhere
            "service_workers": "allow" if offline_ok else "block",
        }
        if persona is not None:
            options["storage_state"] = sessions(persona)
        context = browser.new_context(**options)
        context.add_cookies(
            [{"name": "django_language", "value": LANGUAGES[lang], "url": platform.url}]
        )
        context.set_default_timeout(30000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        contexts.append(context)
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        for number, page in enumerate(pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
                (ARTIFACTS / f"{name}-{number}.html").write_text(page.content(), encoding="utf-8")
            except Exception:  # noqa: BLE001 - a closed page has nothing to save
                pass
    for context in contexts:
        context.close()


# --- checks used by the journeys --------------------------------------------------------------------------


def check_accessibility(page, *, exclude: tuple[str, ...] = ()) -> None:
    """axe-core on the current page: no serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
            const r = await axe.run(context, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        list(exclude),
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"accessibility violations on {page.url}:\n" + json.dumps(
        bad, ensure_ascii=False, indent=1
    )


def check_no_overflow(page) -> None:
    """Nothing wider than the screen (Chinese labels included)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"


def _catalogue_strings():
    """(English source strings, Chinese translations) of every app's catalogue, long enough
    that seeing one on a page of the other language means a string was not translated."""
    import polib

    package = HERE.parent.parent / "src" / "driverhome"
    english, chinese = set(), set()
    for po_path in package.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)).translated_entries():
            if "%" in entry.msgid or "{" in entry.msgid or "<" in entry.msgid:
                continue
            if len(entry.msgid.split()) >= 3 and len(entry.msgid) >= 15:
                english.add(entry.msgid)
            if len(re.findall(r"[\u4e00-\u9fff]", entry.msgstr)) >= 6:
                chinese.add(entry.msgstr)
    return english, chinese


_CATALOGUE: list = []


def check_language(page, lang: str) -> None:
    """The page is in the language asked for: no English UI sentence on a Chinese page and no
    Chinese UI sentence on an English page (names of people, places and categories are data)."""
    html_lang = page.evaluate("document.documentElement.lang")
    assert html_lang == ("zh-CN" if lang == "zh" else "en"), html_lang
    if not _CATALOGUE:
        _CATALOGUE.extend(_catalogue_strings())
    english, chinese = _CATALOGUE
    text = page.inner_text("body")
    leaked = sorted(s for s in (english if lang == "zh" else chinese) if s in text)
    assert not leaked, f"{page.url} ({lang}) shows untranslated text: {leaked[:5]}"
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", text), f"{page.url} shows no Chinese"
    else:
        assert "Log" in text or "Driver" in text, f"{page.url} shows no English"


def check_page(page, lang: str, *, exclude: tuple[str, ...] = ()) -> None:
    assert page.js_errors == [], page.js_errors
    check_language(page, lang)
    check_no_overflow(page)
    check_accessibility(page, exclude=exclude)
