"""Browser tests: Playwright (Python) driving Debian's Chromium, headless.

The platform runs as it does in production: gunicorn on 127.0.0.1 serving a file
SQLite database with every migration applied and the quick demo loaded (once per
test session; pytest-django's ``live_server`` would flush the demo after each test).
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
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DB_NAME, copy_data_dir, driverhome, process_env

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
    def __init__(self, data_dir: Path, url: str, password: str):
        self.data_dir = data_dir
        self.url = url
        self.password = password

    def db(self) -> sqlite3.Connection:
        """A read connection to the server's database (what a QR code or an SMS would carry)."""
        from django.db.backends.sqlite3._functions import register

        conn = sqlite3.connect(self.data_dir / DB_NAME, timeout=20)
        register(conn)
        return conn

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = self.db()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def manage(self, *args):
        return driverhome(self.data_dir, *args)


@pytest.fixture(scope="session")
def platform(migrated_template, tmp_path_factory):
    data_dir = copy_data_dir(migrated_template, tmp_path_factory.mktemp("browser"))
    password = "Browser-Demo-2026"
    driverhome(data_dir, "demo", "--quick", timeout=900, DEMO_PASSWORD=password)
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
        env=process_env(data_dir, DEMO_PASSWORD=password),
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
    try:
        yield Platform(data_dir, url, password)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


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
