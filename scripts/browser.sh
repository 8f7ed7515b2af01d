#!/usr/bin/env bash
# The browser of the web tests (tests/web): Debian's Chromium, driven by playwright-core
# (no browser download), plus a small CJK font so Chinese text renders in screenshots.
# Installs what is missing with apt-get (root or sudo); does nothing otherwise.
source "$(dirname "$0")/lib.sh"
apt_install chromium fonts-wqy-microhei
[ -x /usr/bin/chromium ] || die "chromium did not install: the web tests need /usr/bin/chromium"
