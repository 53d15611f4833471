from tests.permissions import EVERYONE, EVERYONE_LOGGED_IN, STAFF, Check

SUP_ADMIN = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})


def _invitation(personas, orgs):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from driverhome.accounts.models import User

    user = User.objects.create(username="invited", role="broker", organisation=orgs["xiapu"])
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def _own_token(personas, orgs):
    from driverhome.accounts.models import ApiToken

    token, _key = ApiToken.issue(personas["broker"], "kept")
    return {"prefix": token.prefix}


def _district_org(personas, orgs):
    return {"code": orgs["xiapu"].code}


ADMIN = frozenset({"admin"})


def _staff_account(personas, orgs):
    return {"username": personas["site_staff"].username}


def _xiapu(personas, orgs):
    return {"code": orgs["xiapu"].code}


CHECKS = [
    # Organisations and accounts, edited through audited actions.
    Check("accounts:org-new", SUP_ADMIN),
    Check(
        "accounts:org-new",
        SUP_ADMIN,
        method="POST",
        data=lambda p, o, k: {
            "code": "m-new",
            "name": "新",
            "kind": "community",
            "parent": o["xiapu"].pk,
        },
        note="create",
    ),
    Check("accounts:org-edit", SUP_ADMIN, setup=_xiapu),
    Check("accounts:user-list", ADMIN),
    Check("accounts:user-new", ADMIN),
    Check("accounts:user-edit", ADMIN, setup=_staff_account),
    Check(
        "POST /api/v1/organisations",
        SUP_ADMIN,
        data={"code": "m-new", "name": "新社区", "kind": "community", "parent": "t-xiapu"},
    ),
    Check(
        "PATCH /api/v1/organisations/{code}", SUP_ADMIN, setup=_xiapu, data={"leader_name": "王"}
    ),
    Check("GET /api/v1/users", ADMIN),
    Check(
        "POST /api/v1/users",
        ADMIN,
        data={"username": "m-user", "role": "broker", "organisation": "t-guoju"},
    ),
    Check("PATCH /api/v1/users/{username}", ADMIN, setup=_staff_account, data={"full_name": "新"}),
    Check("accounts:login", EVERYONE),
    Check("accounts:logout", EVERYONE, method="POST"),
    # The ways in without a password: public, limited per number and per client address.
    Check("accounts:login-code", EVERYONE),
    Check("accounts:password-reset", EVERYONE),
    Check(
        "POST /api/v1/auth/codes", EVERYONE, data={"phone": "13912345678", "purpose": "register"}
    ),
    Check(
        "POST /api/v1/auth/login-with-code",
        EVERYONE,
        data={"phone": "13912345678", "code": "000000"},
    ),
    Check(
        "POST /api/v1/auth/password-reset",
        EVERYONE,
        data={"phone": "13912345678", "code": "000000", "password": "a-new-pass-2026"},
    ),
    # WeChat and single sign-on: public ways in (home when not configured, as in the tests).
    Check("accounts:wechat-start", EVERYONE),
    Check("accounts:wechat-callback", EVERYONE),
    Check("accounts:wechat-bind", EVERYONE),
    Check("accounts:wechat-unbind", frozenset({"driver", "other_driver"}), method="POST"),
    Check("accounts:sso-start", EVERYONE),
    Check("accounts:sso-callback", EVERYONE),
    Check("accounts:home", EVERYONE),
    Check("accounts:org-list", SUP_ADMIN),
    Check("accounts:org-import", ADMIN),
    Check("accounts:org-import-template", ADMIN),
    # Anyone holding a new account's link may set its password (the token is the proof).
    Check("accounts:password-set", EVERYONE, setup=_invitation),
    Check("POST /api/v1/organisations/import", ADMIN),
    Check("accounts:audit-list", SUP_ADMIN),
    Check("accounts:access-list", SUP_ADMIN),
    Check("accounts:token-list", STAFF),
    # A token belongs to its owner alone: even an administrator cannot revoke another's here.
    Check("accounts:token-revoke", frozenset({"broker"}), setup=_own_token, method="POST"),
    Check("core:driver-home", EVERYONE),
    Check("core:console-home", STAFF),
    Check("core:manifest", EVERYONE),
    Check("core:service-worker", EVERYONE),
    Check("healthz", EVERYONE),
    Check("GET /api/v1/me", EVERYONE_LOGGED_IN),
    Check("GET /api/v1/me/wechat", frozenset({"driver", "other_driver"})),
    Check("DELETE /api/v1/me/wechat", frozenset({"driver", "other_driver"})),
    Check("GET /api/v1/tokens", EVERYONE_LOGGED_IN),
    Check("POST /api/v1/tokens", STAFF, data={"name": "matrix"}),
    Check("DELETE /api/v1/tokens/{prefix}", frozenset({"broker"}), setup=_own_token),
    Check("GET /api/v1/organisations", STAFF),
    Check(
        "GET /api/v1/organisations/{code}",
        frozenset({"site_staff", "supervisor", "admin"}),
        setup=_district_org,
    ),
    Check("GET /api/v1/audit", SUP_ADMIN),
]
