# xgboost interop peer (sourced by .ci/run): Debian's python3-xgboost and python3-pandas for
# tests/Curtail.Forecasting.Tests/XgboostInteropTests.cs and tools/xgboost_compare.py. Nothing to start or stop.
if ! /usr/bin/python3 -c 'import xgboost, pandas' >/dev/null 2>&1; then
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-xgboost: installing python3-xgboost python3-pandas"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq python3-xgboost python3-pandas >/dev/null
fi
