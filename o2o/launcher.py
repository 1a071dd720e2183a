"""The one-command platform: `bash scripts/run.sh` ends here.

Starts PostgreSQL and Redis (embedded unless `DATABASE_URL` / `REDIS_URL` are set), migrates,
loads the demo data into an empty database, then runs the web server (gunicorn), a Celery worker
and Celery beat as child processes. Ctrl-C (or SIGTERM) stops every process it started; if one of
them dies, the others are stopped too, so a half-running platform never lingers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from o2o.embedded import VAR_DIR, embedded_services
from o2o.web_worker import GUNICORN_OPTIONS

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _say(message: str = "") -> None:
    print(message, flush=True)


def _manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), *args],
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def _banner(env: dict[str, str], port: str, sample_qr: str) -> str:
    site = env["SITE_URL"]
    return "\n".join(
        [
            "",
            "=" * 64,
            " O2O chain-store platform is running",
            "=" * 64,
            f" Shopper H5 (open on a phone): {site}/",
            f"   store finder:               {site}/stores/",
            f"   a QR landing:               {sample_qr}",
            f" Store back office:            {site}/staff/",
            f" HQ admin:                     {site}/admin/",
            f" REST API docs:                {site}/api/docs/",
            f" Health:                       {site}/healthz",
            "",
            " Demo logins (password demo1234):",
            "   hq             HQ admin (Django admin and back office)",
            "   manager_sh01   store manager, 上海 sh01",
            "   clerk_sh01_1   clerk, 上海 sh01",
            " Demo shopper: phone 13800000001 at /m/login/ (the one-time code is shown on",
            "   the page in demo mode), or one tap at /m/login/demo/",
            (
                " Payments run in the WeChat Pay sandbox (WECHAT_PAY_SANDBOX=true)."
                if env.get("WECHAT_PAY_SANDBOX", "").lower() in {"1", "true", "yes", "on"}
                else " Payments go to WeChat Pay (merchant key configured)."
            ),
            "",
            f" Data: {VAR_DIR}   Web port: {port}   Stop: Ctrl-C",
            "=" * 64,
            "",
        ]
    )


def main() -> int:
    port = os.environ.get("PORT", "8000")
    with embedded_services() as service_env:
        env = {**os.environ, **service_env}
        # The one-command run is a demo/development platform unless the operator says otherwise.
        env.setdefault("DEBUG", "true")
        env.setdefault("DEMO_MODE", "true")
        env.setdefault("SITE_URL", f"http://localhost:{port}")
        env.setdefault("ALLOWED_HOSTS", "*")
        env.setdefault("SECURE_SSL_REDIRECT", "false")
        # Payments run in the sandbox unless the operator gives a merchant key: explicitly, so a
        # run with DEBUG=false stays a working demo (the sandbox is never an implicit fallback).
        if not env.get("WECHAT_PAY_API_KEY"):
            env.setdefault("WECHAT_PAY_SANDBOX", "true")
        (VAR_DIR / "media").mkdir(parents=True, exist_ok=True)

        _say("[run] applying migrations")
        _manage(env, "migrate", "--no-input", "-v", "0")
        _say("[run] loading demo data when the database is empty")
        seeded = _manage(env, "seed_demo", "--if-empty", capture=True)
        _say(seeded.rstrip())
        sample_qr = next(
            (
                line.split(":", 1)[1].strip()
                for line in seeded.splitlines()
                if line.startswith("sample QR landing:")
            ),
            f"{env['SITE_URL']}/",
        )
        if env["DEBUG"].lower() not in {"1", "true", "yes", "on"}:
            _manage(env, "collectstatic", "--no-input", "-v", "0")

        commands = {
            "web": [
                str(BIN / "gunicorn"),
                "o2o.wsgi",
                "--bind",
                f"0.0.0.0:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--threads",
                "4",
                *GUNICORN_OPTIONS,
                "--access-logfile",
                "-",
            ],
            "worker": [
                str(BIN / "celery"),
                "-A",
                "o2o",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            "beat": [
                str(BIN / "celery"),
                "-A",
                "o2o",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        stopping = False
        crashed: str | None = None

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            for name, command in commands.items():
                # Own process groups: Ctrl-C reaches the launcher only, which then stops
                # each child in order instead of all of them racing at once.
                children[name] = subprocess.Popen(
                    command, env=env, cwd=BASE_DIR, start_new_session=True
                )
            _say(_banner(env, port, sample_qr))
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        _say(f"[run] {name} exited with {child.returncode}; stopping the platform")
                        crashed = name
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for name, child in children.items():
                try:
                    child.wait(15)
                except subprocess.TimeoutExpired:
                    child.kill()
                _say(f"[run] {name} stopped")
    _say("[run] all processes stopped")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
