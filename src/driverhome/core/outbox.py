"""The server's side of the phone's offline outbox (``static/driverhome/js/outbox.js``).

Online, the outbox keeps a copy of a form before posting it, in case the post is lost
on the way. When the server has stored the form, the view calls :func:`mark_delivered`
with its idempotency key; the next driver page names the key in
``<meta name="outbox-delivered">`` (template tag ``outbox_delivered``) and the outbox
drops its copy before showing what is still waiting. Without this, a request sent
normally showed "1 waiting" and then "sent while offline" on the page it landed on.
"""

from __future__ import annotations

import re

SESSION_KEY = "driverhome_outbox_delivered"
KEEP = 10  # keys remembered until a page shows them
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


def mark_delivered(request, key: str) -> None:
    if not key or not _SAFE_KEY.match(key) or not hasattr(request, "session"):
        return
    keys = [k for k in request.session.get(SESSION_KEY, []) if k != key]
    request.session[SESSION_KEY] = [*keys, key][-KEEP:]


def pop_delivered(request) -> list[str]:
    if not hasattr(request, "session") or SESSION_KEY not in request.session:
        return []
    return [k for k in request.session.pop(SESSION_KEY) if _SAFE_KEY.match(k)]
