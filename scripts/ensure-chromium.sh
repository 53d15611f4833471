#!/usr/bin/env bash
# Installs Debian's Chromium (and CJK fonts for screenshots) for the browser tests when missing.
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'cjk'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
elif [ ! -x /usr/bin/chromium ]; then
  echo "WARNING: /usr/bin/chromium is missing and cannot be installed here (not root or no apt-get)."
  echo "         Browser tests will be skipped. Install Debian's 'chromium' package to run them."
fi
