"""Single sign-on for staff through the unified identity platform (OpenID Connect), by Authlib.

The provider's discovery document (``DRIVERHOME_OIDC_DISCOVERY_URL``) names its
authorisation and token endpoints and its keys (JWKS); the ID token is checked against them
(signature, issuer, audience, expiry, nonce) by Authlib. What the platform does with a
valid token is ``actions.staff_for_identity``: the subject linked to an account, or the
configured claim naming an existing staff account — never a new account or role.

The client secret is sent to the token endpoint only (HTTP Basic) and never logged;
errors are reported by their class and the provider's error code.
"""

from __future__ import annotations

from django.conf import settings


def configured() -> bool:
    conf = settings.OIDC
    return bool(conf["discovery_url"] and conf["client_id"] and conf["client_secret"])


def client():
    """An Authlib Django client for the configured provider (made for each use: the settings
    are read when it is needed, and the discovery document is fetched by Authlib)."""
    from authlib.integrations.django_client import OAuth

    conf = settings.OIDC
    oauth = OAuth()
    return oauth.register(
        "staff",
        client_id=conf["client_id"],
        client_secret=conf["client_secret"],
        server_metadata_url=conf["discovery_url"],
        client_kwargs={"scope": conf["scope"], "default_timeout": conf["timeout"]},
    )


def failure_code(exc: Exception) -> str:
    """A failure in words that carry no secret: the provider's error or the class's name."""
    return str(getattr(exc, "error", "") or type(exc).__name__)[:80]
