#!/usr/bin/env bash
# Headless Chromium for the report.html browser tests (XSS, screenshots). In CI (CI set) on
# a Debian machine as root, installs Debian's chromium package when it is missing; elsewhere
# it only says whether the browser tests will run or be skipped. Never fails the test run.
if command -v chromium >/dev/null 2>&1 || [ -n "${SHAKEDOWN_CHROMIUM:-}" ]; then exit 0; fi
if [ -n "${CI:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the report.html browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    && echo "ensure-chromium: $(chromium --version 2>/dev/null)" \
    || echo "ensure-chromium: could not install chromium; the browser tests will be skipped"
else
  echo "ensure-chromium: no chromium on this machine; the report.html browser tests will be skipped (apt-get install chromium to run them)"
fi
exit 0
