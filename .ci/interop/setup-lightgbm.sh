# LightGBM's native library (lib_lightgbm.so, from the Microsoft.ML.LightGbm package's LightGBM dependency) links
# against GCC's OpenMP runtime: install libgomp1 when it is absent (sourced by .ci/run). Nothing to start or stop.
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1'; then
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-lightgbm: installing libgomp1"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq libgomp1 >/dev/null
fi
