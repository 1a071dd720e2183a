#!/usr/bin/env bash
# Run every benchmark in bench/ (under `make bench`, with DATABASE_URL/REDIS_URL already set).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=o2o.settings
export SECRET_KEY="${SECRET_KEY:-bench-only-secret-key}"
status=0
for script in bench/*.py; do
  echo "=== $script"
  .venv/bin/python "$script" || status=1
  echo
done
exit $status
