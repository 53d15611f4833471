"""A local OpenID Connect provider: discovery, JWKS, authorisation and token endpoints.

``/.well-known/openid-configuration`` names the endpoints; ``/jwks`` publishes the public
half of a test RSA key made at start; ``/authorize`` logs in ``fake.claims`` at once (the
person at the provider's page) and sends the browser back with a code; ``/token`` checks
the client's id and secret (HTTP Basic or the form) and the code, and answers an ID token
signed RS256 with the test key, carrying the nonce of the authorisation. ``sign_with``
set to another key makes the provider sign with a key it does not publish.
"""

from __future__ import annotations

import base64
import secrets
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from .sms import FakeProvider


def new_key(kid: str = "test-key") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


class FakeOidc(FakeProvider):
    def __init__(
        self, client_id: str = "driverhome", client_secret: str = "oidc-test-secret", port: int = 0
    ):
        super().__init__(port=port)
        self.client_id, self.client_secret = client_id, client_secret
        self.key = new_key()
        self.sign_with: RSAKey | None = None
        self.claims: dict = {"sub": "staff-0001", "preferred_username": "supervisor"}
        self.codes: dict[str, dict] = {}
        self.issuer_override = ""

    @property
    def issuer(self) -> str:
        return self.issuer_override or self.endpoint

    @property
    def discovery_url(self) -> str:
        return f"{self.endpoint}/.well-known/openid-configuration"

    def answer(self, handler, body):
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query))
        self.requests.append((url.path, {}))
        if url.path == "/.well-known/openid-configuration":
            return 200, {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.endpoint}/authorize",
                "token_endpoint": f"{self.endpoint}/token",
                "jwks_uri": f"{self.endpoint}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        if url.path == "/jwks":
            return 200, {"keys": [self.key.as_dict(private=False)]}
        if url.path == "/authorize":
            if query.get("client_id") != self.client_id:
                return 400, {"error": "invalid_client"}
            code = secrets.token_urlsafe(12)
            self.codes[code] = {
                "nonce": query.get("nonce", ""),
                "redirect_uri": query.get("redirect_uri", ""),
                "claims": dict(self.claims),
            }
            target = query["redirect_uri"]
            location = f"{target}?{urlencode({'code': code, 'state': query.get('state', '')})}"
            return 302, None, {"Location": location}
        if url.path == "/token":
            form = dict(parse_qsl(body.decode()))
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = handler.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                client_id, _sep, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if client_id != self.client_id or secret != self.client_secret:
                return 401, {"error": "invalid_client"}
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                **grant["claims"],
            }
            key = self.sign_with or self.key
            id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
            return 200, {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        return 404, {"error": "not_found"}
