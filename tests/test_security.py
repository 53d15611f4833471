"""Hardening: password hashing, lockout, production headers, CSP, no inline code, no raw SQL or
mark_safe on user input, rate limits on public endpoints, uploads checked by content.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "driverhome"


# --- Passwords and login --------------------------------------------------------------------------


def test_argon2_is_the_password_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import make_password

    assert make_password("Lorry-Route-2026").startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_login_lockout_answers_429_with_a_clear_message(personas):
    user = personas["supervisor"]
    user.set_password("Lorry-Route-2026")
    user.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    responses = [
        client.post("/accounts/login/", {"username": "p-supervisor", "password": "nope"})
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    locked = responses[-1]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Too many failed logins" in locked.content.decode()
    assert settings.AXES_LOCKOUT_CALLABLE == "driverhome.accounts.views.locked_out"


# --- Production settings ------------------------------------------------------------------------------


def production_settings(tmp_path, **extra) -> dict:
    """Import the settings module as production would, in a fresh interpreter."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIVERHOME_", "DJANGO_"))}
    env.update(
        DRIVERHOME_ENV="production",
        DRIVERHOME_DATA_DIR=str(tmp_path),
        DRIVERHOME_SECRET_KEY="s" * 60,
        DRIVERHOME_FIELD_KEYS=Fernet.generate_key().decode(),
        DRIVERHOME_LOOKUP_KEY="l" * 40,
        DJANGO_SETTINGS_MODULE="driverhome.config.settings",
        **extra,
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "from driverhome.core.middleware import content_security_policy as c;"
        "print(json.dumps({k: getattr(s, k) for k in ('DEBUG', 'SESSION_COOKIE_SECURE',"
        "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS',"
        "'SECURE_REFERRER_POLICY', 'RATE_LIMITS_ENABLED', 'WHITENOISE_USE_FINDERS')} | {'csp': c()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_secure(tmp_path):
    prod = production_settings(tmp_path)
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000 and prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] and prod["X_FRAME_OPTIONS"] == "DENY"
    assert prod["RATE_LIMITS_ENABLED"] is True
    assert prod["WHITENOISE_USE_FINDERS"] is False
    assert_strict_csp(prod["csp"])


def assert_strict_csp(csp: str):
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "*" not in directives["script-src"] and "data:" not in directives["script-src"]


def test_csp_is_strict():
    from driverhome.core.middleware import content_security_policy

    assert_strict_csp(content_security_policy())


@override_settings(MAP_TILE_URL="https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}")
def test_csp_allows_only_the_map_tile_host_for_images():
    from driverhome.core.middleware import content_security_policy

    csp = content_security_policy()
    assert_strict_csp(csp)
    img = [d for d in csp.split("; ") if d.startswith("img-src")][0]
    assert "tianditu.gov.cn" in img
    script = [d for d in csp.split("; ") if d.startswith("script-src")][0]
    assert "tianditu" not in script


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/console/", "/api/v1/me", "/healthz"])
def test_security_headers_on_every_page(client_for, path):
    response = client_for("supervisor").get(path)
    assert response.status_code < 400
    assert_strict_csp(response["Content-Security-Policy"])
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Permissions-Policy" in response


@pytest.mark.django_db
def test_session_api_enforces_csrf(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["supervisor"])
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not personas["supervisor"].api_tokens.exists()


@pytest.mark.django_db
def test_login_form_enforces_csrf():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "a", "password": "b"}
    )
    assert response.status_code == 403


# --- No inline code in templates ------------------------------------------------------------------

TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_ATTR = re.compile(r"""<[^>]*\sstyle\s*=""", re.I | re.S)
EVENT_ATTR = re.compile(r"""<[^>]*\son[a-z]+\s*=\s*["']""", re.I | re.S)
STYLE_TAG = re.compile(r"<style\b", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_templates_were_found():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=rel)
def test_template_has_no_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        if "src=" in attrs or re.search(r"""type=["']application/(ld\+)?json["']""", attrs):
            continue
        problems.append(f"inline <script>: {match.group(0)}")
    if STYLE_ATTR.search(text):
        problems.append("style= attribute")
    if STYLE_TAG.search(text):
        problems.append("<style> element")
    if EVENT_ATTR.search(text):
        problems.append("inline event handler (on...=)")
    if JS_URL.search(text):
        problems.append("javascript: URL")
    assert not problems, (
        f"{rel(template)}: {problems} (the CSP forbids them: use a static .js/.css)"
    )


# Template filters and tags that switch escaping off: each use needs a reason here.
TEMPLATE_ALLOW: dict[tuple[str, str], str] = {}


def test_templates_do_not_switch_off_escaping():
    found = []
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        for pattern in (r"\|\s*safe\b", r"\{%\s*autoescape\s+off", r"\|\s*safeseq\b"):
            for match in re.finditer(pattern, text):
                line = text[: match.start()].count("\n")
                snippet = text.splitlines()[line].strip()
                if (rel(template), snippet) not in TEMPLATE_ALLOW:
                    found.append(f"{rel(template)}: {snippet}")
    assert not found, "escaping switched off without a reason in TEMPLATE_ALLOW:\n" + "\n".join(
        found
    )


# --- No user input in raw SQL or mark_safe ----------------------------------------------------------

# (file under src/driverhome, first line of the call) -> why it cannot carry user input.
PYTHON_ALLOW: dict[tuple[str, str], str] = {
    (
        "core/fastinsert.py",
        "cursor.execute(statement, params)",
    ): "the INSERT Django's own compiler built for the model; values bound as parameters",
    (
        "drivers/management/commands/rotate-keys.py",
        "cursor.execute(",
    ): "identifiers are quoted model metadata (table, pk and field columns); values are parameters",
    (
        "core/management/commands/backup.py",
        "t: conn.execute(f'SELECT COUNT(*) FROM \"{t}\"').fetchone()[0]  # noqa: S608",
    ): "table names read from sqlite_master of the backup copy",
    (
        "core/append_only.py",
        "schema_editor.execute(sql, params=None)  # no placeholders: the % belong to PL/pgSQL",
    ): "trigger DDL from fixed text and the table names the migrations pass; no values",
    (
        "core/synth/bulk.py",
        "cursor.execute(sql)",
    ): "statements from connection.ops.sequence_reset_sql over model classes",
    (
        "core/synth/bulk.py",
        'cursor.execute(f"DROP INDEX {name}")  # the name as PostgreSQL quotes it',
    ): "index names read from pg_index (regclass text, quoted by PostgreSQL itself)",
    (
        "core/synth/bulk.py",
        "cursor.execute(definition)",
    ): "index definitions read back from pg_get_indexdef before the index was dropped",
    (
        "core/synth/bulk.py",
        "raw.executemany(sql, batch)",
    ): "INSERT with quoted table/column names from model metadata; values bound as parameters",
    (
        "core/synth/bulk.py",
        "with cursor.copy(",
    ): "COPY with quoted table/column names from model metadata; rows streamed as data",
    (
        "drivers/importer.py",
        "cursor.executemany(self.sql, self.rows(values))",
    ): "INSERT built once from model metadata (quoted names); imported values bound as parameters",
    (
        "stations/forecast/__init__.py",
        "cursor.executemany(sql, params)",
    ): "UPDATE with quoted table/column names from model metadata; values bound as parameters",
    (
        "drivers/importer.py",
        "cursor.execute(",
    ): "matching SELECTs: quoted table names and a run of %s placeholders; hashes bound",
    (
        "drivers/importer.py",
        "cursor.executemany(sql, rows)",
    ): "UPDATE with quoted column names from model metadata; values bound as parameters",
    (
        "drivers/importer.py",
        "cursor.executemany(sql, params)",
    ): "INSERT ... SELECT with quoted names from model metadata; values bound as parameters",
}

SQL_CALLS = {"execute", "executemany", "executescript", "raw", "copy"}
ALWAYS_FLAG = {"mark_safe", "SafeString", "extra", "RawSQL"}
CURSOR_NAMES = {"cursor", "cur", "conn", "connection", "raw", "schema_editor", "db"}


def _builds_a_string(node) -> bool:
    """An f-string, ``%`` or ``+`` on strings, or ``.format()`` right at the call."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )


def _receiver(func) -> str:
    if not isinstance(func, ast.Attribute):
        return ""
    value = func.value
    if isinstance(value, ast.Attribute):
        return value.attr
    return getattr(value, "id", "")


def python_sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def dangerous_calls(path: Path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in SQL_CALLS and name not in ALWAYS_FLAG:
            continue
        first = node.args[0] if node.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        receiver = _receiver(func)
        cursor_like = receiver in CURSOR_NAMES or "cursor" in receiver.lower()
        if name == "raw":  # Model.objects.raw(...)
            cursor_like = receiver in ("objects",) or cursor_like
        if (
            name in ALWAYS_FLAG
            or (first is not None and _builds_a_string(first))
            or (cursor_like and not literal)
        ):
            yield lines[node.lineno - 1].strip(), node.lineno


def test_no_unreviewed_raw_sql_or_mark_safe():
    found = []
    for path in python_sources():
        for snippet, lineno in dangerous_calls(path):
            if (rel(path), snippet) not in PYTHON_ALLOW:
                found.append(f"{rel(path)}:{lineno}: {snippet}")
    assert not found, (
        "raw SQL built from non-literal strings, or mark_safe, without a reviewed reason in "
        "PYTHON_ALLOW (use the ORM, query parameters, or format_html):\n  " + "\n  ".join(found)
    )


def test_allow_list_has_no_stale_entries():
    present = {(rel(p), snippet) for p in python_sources() for snippet, _ in dangerous_calls(p)}
    stale = [key for key in PYTHON_ALLOW if key not in present]
    assert not stale, f"remove entries that no longer match any code: {stale}"


def test_the_scanner_catches_what_it_should(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "cursor.execute(f'SELECT * FROM t WHERE name = {name}')\n"
        "cursor.execute('SELECT * FROM t WHERE id = %s' % ident)\n"
        "Driver.objects.raw('SELECT * FROM t WHERE x = {}'.format(x))\n"
        "html = mark_safe(text)\n"
        "qs.extra(where=['1=1'])\n"
        "cursor.execute('SELECT 1')\n"
        "cursor.execute('SELECT * FROM t WHERE id = %s', [ident])\n"
    )
    assert [line for _s, line in dangerous_calls(sample)] == [1, 2, 3, 4, 5]


# --- Rate limits -------------------------------------------------------------------------------------


def test_check_rate_raises_429_with_retry_after():
    from django.core.cache import cache

    from driverhome.core.errors import RateLimited
    from driverhome.core.ratelimit import check_rate

    cache.clear()
    request = RequestFactory().post("/x", REMOTE_ADDR="198.51.100.7")
    with override_settings(RATE_LIMITS_ENABLED=True):
        for _ in range(3):
            check_rate(request, "test-scope", limit=3, window=60)
        with pytest.raises(RateLimited) as err:
            check_rate(request, "test-scope", limit=3, window=60)
        assert 1 <= err.value.retry_after <= 60
        # Another client has its own allowance.
        other = RequestFactory().post("/x", REMOTE_ADDR="198.51.100.8")
        check_rate(other, "test-scope", limit=3, window=60)
    # Off (the test default): never limited.
    for _ in range(10):
        check_rate(request, "test-scope", limit=3, window=60)


def test_rate_limit_decorator_answers_429():
    from django.core.cache import cache
    from django.http import HttpResponse

    from driverhome.core.ratelimit import rate_limit

    cache.clear()

    @rate_limit("test-view", limit=2)
    def view(request):
        return HttpResponse("ok")

    with override_settings(RATE_LIMITS_ENABLED=True):
        statuses = [
            view(RequestFactory().post("/", REMOTE_ADDR="198.51.100.9")).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        limited = view(RequestFactory().post("/", REMOTE_ADDR="198.51.100.9"))
        assert int(limited["Retry-After"]) > 0
        # GET is not counted.
        assert view(RequestFactory().get("/", REMOTE_ADDR="198.51.100.9")).status_code == 200


def test_trusted_proxy_header_is_used_only_when_configured():
    from driverhome.core.middleware import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "10.0.0.1"  # a client cannot forge its address
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "1.2.3.4"


# --- Uploads --------------------------------------------------------------------------------------------


def image_bytes(fmt="JPEG", size=(64, 48), exif=True, mode="RGB") -> bytes:
    from PIL import Image

    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0131] = "driverhome-test-software"  # Software
        data[0x8825] = {1: "N", 2: (29.0, 52.0, 10.0), 3: "E", 4: (121.0, 50.0, 5.0)}  # GPS
        kwargs["exif"] = data.tobytes()
    if fmt == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "home address: secret")
        kwargs = {"pnginfo": info}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def test_upload_keeps_a_clean_jpeg_and_drops_metadata():
    from PIL import Image

    from driverhome.core.uploads import clean_image

    raw = image_bytes("JPEG")
    assert b"SecretCam" in raw
    clean = clean_image(io.BytesIO(raw))
    assert clean.content_type == "image/jpeg" and clean.extension == ".jpg"
    assert b"SecretCam" not in clean.content and b"driverhome-test-software" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as image:
        assert not image.getexif()
        assert image.size == (64, 48)


def test_upload_png_text_chunks_are_dropped():
    from driverhome.core.uploads import clean_image

    raw = image_bytes("PNG", exif=False)
    assert b"home address" in raw
    clean = clean_image(io.BytesIO(raw))
    assert clean.content_type == "image/png" and b"home address" not in clean.content


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4 fake",
        b"GIF89a" + b"\x00" * 20,
        b"\xff\xd8\xff\xe0 truncated jpeg",
        b"MZ\x90\x00 windows executable",
    ],
)
def test_upload_refuses_what_is_not_an_image(payload):
    from driverhome.core.uploads import UploadError, clean_image

    with pytest.raises(UploadError) as err:
        clean_image(io.BytesIO(payload))
    assert err.value.code == "not_image"


def test_upload_refuses_a_gif_named_jpg():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from driverhome.core.uploads import UploadError, clean_image

    raw = image_bytes("GIF", exif=False, mode="P")
    with pytest.raises(UploadError):
        clean_image(SimpleUploadedFile("photo.jpg", raw, content_type="image/jpeg"))


def test_upload_size_limit():
    from driverhome.core.uploads import UploadError, clean_image

    raw = image_bytes("PNG", size=(400, 400), exif=False)
    with override_settings(UPLOAD_MAX_BYTES=len(raw) - 1):
        with pytest.raises(UploadError) as err:
            clean_image(io.BytesIO(raw))
        assert err.value.code == "upload_too_large"
    with pytest.raises(UploadError):
        clean_image(io.BytesIO(b""))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_upload_refuses_decompression_bombs():
    from PIL import Image

    from driverhome.core.uploads import UploadError, clean_image

    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # tiny file, 100 million pixels
    with pytest.raises(UploadError):
        clean_image(io.BytesIO(out.getvalue()))


def test_upload_large_pictures_are_scaled_down():
    from driverhome.core.uploads import MAX_SIDE, clean_image

    clean = clean_image(io.BytesIO(image_bytes("JPEG", size=(MAX_SIDE * 2, 100), exif=False)))
    assert clean.width == MAX_SIDE


def test_uploads_are_stored_outside_the_web_root_and_served_with_care(tmp_path):
    from django.http import Http404

    from driverhome.core.uploads import delete_upload, store_image, upload_response

    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
    ):
        name = store_image(io.BytesIO(image_bytes()), folder="appeals")
        assert name.startswith("appeals/") and name.endswith(".jpg")
        stored = tmp_path / name
        assert stored.exists() and b"SecretCam" not in stored.read_bytes()
        assert not str(stored).startswith(str(settings.STATIC_ROOT))
        response = upload_response(name)
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Cache-Control"].startswith("private")
        for bad in ("../etc/passwd", "/etc/passwd", "appeals/../../x", "a\\b", "missing.jpg"):
            with pytest.raises(Http404):
                upload_response(bad)
        with pytest.raises(ValueError):
            store_image(io.BytesIO(image_bytes()), folder="../outside")
        delete_upload(name)
        assert not stored.exists()


@pytest.mark.django_db
def test_no_url_serves_the_uploads_folder_directly():
    for path in ("/media/", "/uploads/", "/static/../uploads/", "/var/uploads/"):
        assert Client().get(path + "x.jpg").status_code == 404


# --- The installable web app ------------------------------------------------------------------------


@pytest.mark.django_db
def test_service_worker_is_served_at_the_root():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert body.startswith("self.DRIVERHOME = ")
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.DRIVERHOME = ").rstrip(";"))
    assert "/static/driverhome/js/outbox.js" in config["precache"]
    for url in config["precache"]:
        assert Client().get(url).status_code == 200, url
    # Staff pages and logins are never cached on a phone.
    assert "/^\\/console\\//" in body and "/^\\/accounts\\//" in body


@pytest.mark.django_db
def test_driver_pages_register_the_service_worker_and_manifest():
    html = Client().get("/").content.decode()
    assert 'data-sw="/sw.js"' in html and "outbox.js" in html
    assert 'rel="manifest"' in html
    manifest = Client().get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"


# --- Public endpoints: rate limited -------------------------------------------------------------------

# (name, URL name or path, method, persona calling it, JSON body or "form"). Each must answer 429 with
# Retry-After once RATE_LIMITS_ENABLED is on and a client keeps calling.
PUBLIC_ENDPOINTS = [
    (
        "request intake (API)",
        "/api/v1/appeals",
        "POST",
        "driver",
        {"category": "wages", "description": "Freight unpaid for two months."},
    ),
    ("request intake (driver page)", "appeals_driver:appeal-new", "POST", "driver", "form"),
    (
        "tracking look-up (page)",
        "appeals_driver:status-lookup",
        "GET",
        None,
        {"tracking_no": "BL202611000001", "last4": "1234"},
    ),
    ("Open311 service request", "/open311/v2/requests.json", "POST", None, "form"),
    ("driver registration", "drivers_driver:register", "POST", None, "form"),
    (
        "SMS code (API)",
        "/api/v1/auth/codes",
        "POST",
        None,
        {"phone": "13912345678", "purpose": "register"},
    ),
    (
        "log in by code (API)",
        "/api/v1/auth/login-with-code",
        "POST",
        None,
        {"phone": "13912345678", "code": "123456"},
    ),
    (
        "new password by code (API)",
        "/api/v1/auth/password-reset",
        "POST",
        None,
        {"phone": "13912345678", "code": "123456", "password": "a-new-pass-2026"},
    ),
    ("SMS code (log in page)", "accounts:login-code", "POST", None, "form"),
    ("SMS code (new password page)", "accounts:password-reset", "POST", None, "form"),
    ("public station search (API)", "/api/v1/stations", "GET", None, {}),
    ("public station search (page)", "stations_driver:nearby", "GET", None, {}),
]


def _endpoint_url(target: str) -> str | None:
    if target.startswith("/"):
        return target
    try:
        return reverse(target)
    except NoReverseMatch:
        return None


def _route_exists(url: str) -> bool:
    from django.urls import Resolver404, resolve

    if url.startswith("/api/v1/"):
        from driverhome.config.api import api

        return url in api.get_openapi_schema()["paths"]
    try:
        resolve(url)
        return True
    except Resolver404:
        return False


class ExhaustedAllowance:
    """A rate-limit counter store in which every client has used up its allowance."""

    def add(self, *args, **kwargs):
        return False

    def incr(self, *args, **kwargs):
        return 10**9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "target", "method", "persona", "body"),
    PUBLIC_ENDPOINTS,
    ids=[e.values[0] if hasattr(e, "marks") else e[0] for e in PUBLIC_ENDPOINTS],
)
def test_public_endpoint_is_rate_limited(
    name, target, method, persona, body, api_token, monkeypatch
):
    """Each public endpoint consults the limiter and answers 429 + Retry-After when it says so.

    (The counting itself is tested above with the real cache.)
    """
    url = _endpoint_url(target)
    if url is None or not _route_exists(url):
        pytest.skip(f"{name}: the endpoint does not exist in this checkout")
    monkeypatch.setattr("driverhome.core.ratelimit.cache", ExhaustedAllowance())
    headers = {}
    if persona and url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {api_token(persona)}"}
    client = Client(REMOTE_ADDR="192.0.2.44", headers=headers)
    if persona and not url.startswith("/api/"):
        client.force_login(_persona_user(persona))
    with override_settings(RATE_LIMITS_ENABLED=True):
        if method == "GET":
            response = client.get(url, body or {})
        elif isinstance(body, dict):
            response = client.post(url, data=body, content_type="application/json")
        else:
            response = client.post(url, {})
    assert response.status_code == 429, (
        f"{name} ({url}) is not rate limited: {response.status_code}"
    )
    assert int(response["Retry-After"]) > 0


def _persona_user(name):
    from driverhome.accounts.models import User

    return User.objects.get(username={"driver": "p-driver"}[name])
