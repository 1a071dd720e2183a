#!/usr/bin/env bash
# Run every benchmark in bench/ (under `make bench`, with DATABASE_URL/REDIS_URL already set).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=o2o.settings
export SECRET_KEY="${SECRET_KEY:-bench-only-secret-key}"
# bench/pages.py loads the server with wrk.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing (apt-get install wrk): bench/pages.py will say so"
  fi
fi
status=0
for script in bench/*.py; do
  echo "=== $script"
  .venv/bin/python "$script" || status=1
  echo
done
exit $status
