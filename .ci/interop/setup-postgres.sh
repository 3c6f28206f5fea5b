# Debian's PostgreSQL for the controller store's PostgreSQL tests (sourced by .ci/run under `set -euo pipefail`).
# Starts the default cluster on 127.0.0.1 and exports CURTAIL_POSTGRES, a connection string for a scratch database.
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-postgres: installing postgresql"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
fi
pg_version="$(ls /etc/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  pg_ctlcluster "$pg_version" main start
fi
for _ in $(seq 1 50); do
  if su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'curtail') THEN CREATE ROLE curtail LOGIN PASSWORD 'curtail-ci'; END IF; END \\\$\\\$;\"" >/dev/null
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'curtail_ci'\"" | grep -q 1 \
  || su postgres -c "createdb -O curtail curtail_ci"
export CURTAIL_POSTGRES="Host=127.0.0.1;Port=5432;Username=curtail;Password=curtail-ci;Database=curtail_ci"
echo "setup-postgres: PostgreSQL $pg_version on 127.0.0.1:5432, database curtail_ci"
