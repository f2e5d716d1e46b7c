#!/bin/sh
# The one test against a real Secret Service (gnome-keyring in its own D-Bus session), run by
# `make test` after the suite. Usage: sh tests/secret_service_test.sh .venv/bin/python
# As root with apt-get (CI), it installs gnome-keyring and dbus when they are missing;
# elsewhere without them it says so and skips. The rest of the suite is not run again.
PYTHON="$1"
have() {
    command -v gnome-keyring-daemon >/dev/null 2>&1 && command -v dbus-run-session >/dev/null 2>&1
}
if ! have && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing gnome-keyring and dbus for the Secret Service test (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnome-keyring dbus) \
        >/dev/null 2>&1 || echo "apt-get could not install them."
fi
if ! have; then
    echo "Secret Service test skipped: gnome-keyring-daemon and dbus-run-session are missing" \
        "(Debian/Ubuntu: apt-get install gnome-keyring dbus)."
    exit 0
fi
exec dbus-run-session -- sh -c '
    printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
    PORTAL_SECRET_SERVICE_TEST=1 QT_QPA_PLATFORM=offscreen "$0" -m pytest -q -p no:cacheprovider \
        tests/db/test_secrets.py -k real_secret_service
' "$PYTHON"
