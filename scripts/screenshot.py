#!/usr/bin/env python3
"""Screenshot pages of a running driverhome with Debian's Chromium (for docs and reviews).

    python scripts/screenshot.py http://127.0.0.1:8000/console/ docs/img/console.png --user supervisor
    python scripts/screenshot.py http://127.0.0.1:8000/ docs/img/driver.png --phone --lang zh-hans

Logs in through the login form when --user is given (password: $DEMO_PASSWORD or the demo default).
"""

import argparse
import os
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--user")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "driverhome2026"))
    parser.add_argument("--phone", action="store_true", help="390x844 instead of 1366x900")
    parser.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"])
    parser.add_argument("--full", action="store_true", help="the whole page, not the first screen")
    args = parser.parse_args()
    origin = "{0.scheme}://{0.netloc}".format(urlparse(args.url))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        size = {"width": 390, "height": 844} if args.phone else {"width": 1366, "height": 900}
        context = browser.new_context(viewport=size, device_scale_factor=1, is_mobile=args.phone)
        context.add_cookies([{"name": "django_language", "value": args.lang, "url": origin}])
        page = context.new_page()
        if args.user:
            page.goto(origin + "/accounts/login/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        page.goto(args.url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=args.out, full_page=args.full)
        browser.close()


if __name__ == "__main__":
    main()
