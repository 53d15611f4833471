"""The WeChat service account's HTTP API through wechatpy: web authorisation (the openid of
the driver opening the site from the account's menu) and the API client the notices use.

Both talk to ``settings.WECHAT["api_base"]`` / ``["oauth_base"]`` (WeChat's by default, a
local fake in the tests). The app secret goes to WeChat in the token calls and nowhere else:
never into a log line or an error the platform writes (``safe_error``), and urllib3's
debug lines, which carry whole addresses, are kept out of the log by the settings.
The account's access token is kept in the shared cache until it expires, so that every
process does not ask WeChat for its own (WeChat caps the token calls per day).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.exceptions import WeChatException
from wechatpy.session import SessionStorage

from driverhome.core import pii


class WeChatError(Exception):
    """WeChat could not be reached or refused; the text never carries a secret or a token."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


def configured() -> bool:
    conf = settings.WECHAT
    return bool(conf["app_id"] and conf["app_secret"])


def openid_hash(openid: str) -> str:
    return pii.lookup_hash(f"{settings.WECHAT['app_id']}:{openid}", kind="wechat-openid")


def safe_error(exc: Exception) -> WeChatError:
    """What may be written about a failed call: the class and WeChat's error code."""
    code = str(getattr(exc, "errcode", "") or "")
    return WeChatError(f"{type(exc).__name__} {code}".strip(), code=code)


class _CacheStorage(SessionStorage):
    """wechatpy's token store on Django's cache (shared by every process)."""

    def get(self, key, default=None):
        return cache.get(f"wechat:{key}", default)

    def set(self, key, value, ttl=None):
        # Renewed a little before WeChat's expiry.
        cache.set(f"wechat:{key}", value, max(int(ttl or 7200) - 300, 60))

    def delete(self, key):
        cache.delete(f"wechat:{key}")


class Client(WeChatClient):
    """wechatpy's client on the configured base address."""

    def __init__(self):
        conf = settings.WECHAT
        super().__init__(
            conf["app_id"], conf["app_secret"], session=_CacheStorage(), timeout=conf["timeout"]
        )
        self.API_BASE_URL = conf["api_base"].rstrip("/") + "/cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
            },
        )


def client() -> Client:
    return Client()


def _oauth(redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    conf = settings.WECHAT
    oauth = WeChatOAuth(conf["app_id"], conf["app_secret"], redirect_uri, "snsapi_base", state)
    oauth.API_BASE_URL = conf["api_base"].rstrip("/") + "/"
    oauth.OAUTH_BASE_URL = conf["oauth_base"].rstrip("/") + "/connect/"
    return oauth


def authorize_url(redirect_uri: str, state: str) -> str:
    """WeChat's authorisation page (silent, ``snsapi_base``: the openid only)."""
    return _oauth(redirect_uri, state).authorize_url


def openid_for_code(code: str) -> str:
    """The openid of the user WeChat sent back with ``code``; WeChatError when it refuses."""
    import requests

    oauth = _oauth()
    oauth._http.request = _with_timeout(oauth._http.request, settings.WECHAT["timeout"])
    try:
        result = oauth.fetch_access_token(code)
    except (WeChatException, requests.RequestException, ValueError, KeyError) as exc:
        raise safe_error(exc) from None
    openid = str(result.get("openid") or "")
    if not openid:
        raise WeChatError("no openid")
    return openid


def _with_timeout(request, timeout):
    def call(*args, **kwargs):
        kwargs.setdefault("timeout", timeout)
        return request(*args, **kwargs)

    return call
