#!/usr/bin/env bash
# Run the whole platform on this machine: PostgreSQL and Redis (embedded unless DATABASE_URL /
# REDIS_URL are set), migrations, demo data on an empty database, the web server, a Celery worker
# and Celery beat. Ctrl-C stops everything it started; running it again reuses ./var/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m o2o.launcher "$@"
