#!/usr/bin/env bash
# Run the whole test suite on real PostgreSQL and Redis: the servers in DATABASE_URL / REDIS_URL
# when set, otherwise embedded ones started for the run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test

export SECRET_KEY="${SECRET_KEY:-test-only-secret-key-not-for-production}"
export DEBUG=false
# Hashed static names need collectstatic's manifest; the suite serves static files unhashed.
export STATICFILES_MANIFEST="${STATICFILES_MANIFEST:-false}"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1,testserver}"
export SITE_URL="${SITE_URL:-http://testserver}"
# Outside DEBUG the payment sandbox is off unless asked for; the suite pays in the sandbox (tests
# of the real mode switch it off themselves).
export WECHAT_PAY_SANDBOX="${WECHAT_PAY_SANDBOX:-true}"
# Playwright's sync API runs an event loop in the test thread; the ORM calls made from tests
# around it are still synchronous.
export DJANGO_ALLOW_ASYNC_UNSAFE=true

mkdir -p var/staticfiles
set +e
.venv/bin/python -m o2o.embedded -- .venv/bin/python -m pytest "$@"
status=$?
set -e
# pytest's "no tests collected" is a failure here: a suite that runs nothing proves nothing.
exit $status
