#!/usr/bin/env bash
# Prepare this checkout: a virtualenv from pyproject.toml and the Debian packages the platform and
# its tests need. Safe to run any number of times; it only does what is missing.
#   bash scripts/bootstrap.sh            # for running the platform
#   bash scripts/bootstrap.sh --test     # also the browser the tests drive
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '[bootstrap] %s\n' "$*" >&2; }

apt_packages=()
python_bin=${PYTHON:-python3}
command -v "$python_bin" >/dev/null || { log "python3 (3.11) is required"; exit 1; }
"$python_bin" -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
# Chinese text on printed labels and in screenshots.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || apt_packages+=(fonts-wqy-microhei)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null || apt_packages+=(chromium)
  command -v chromedriver >/dev/null || apt_packages+=(chromium-driver)
fi

if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    log "missing Debian packages (install them as root): ${apt_packages[*]}"
  fi
fi

# The virtualenv is rebuilt only when pyproject.toml changed since the last install.
# The test install is a superset of the run install.
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=.venv/.installed-$hash-$want_test
if [ ! -f "$stamp" ] && [ ! -f ".venv/.installed-$hash-1" ]; then
  [ -x .venv/bin/python ] || "$python_bin" -m venv .venv
  log "installing Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  extras="[embedded]"
  [ "$want_test" = 1 ] && extras="[embedded,test]"
  .venv/bin/python -m pip install -q -e ".${extras}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
