# Debian's aiosmtpd (an independent RFC 5321 server) for the notification e-mail interop test; the test starts it
# itself on a free loopback port and reads what it delivered to a maildir. Sourced by .ci/run under `set -euo pipefail`.
if ! /usr/bin/python3 -c "import aiosmtpd" 2>/dev/null; then
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-smtp: installing python3-aiosmtpd"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq python3-aiosmtpd >/dev/null
fi
