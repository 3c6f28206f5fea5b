# Debian's Chromium for the dashboard test (Playwright drives it via its executable path; no browser download).
# Sourced by .ci/run under `set -euo pipefail`.
if [ ! -x /usr/bin/chromium ]; then
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-chromium: installing chromium"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
fi
