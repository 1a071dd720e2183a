"""A scratch PostgreSQL database for a benchmark, on the server of DATABASE_URL.

    with scratch_database("nearest") as name:
        django.setup()      # Django now points at the scratch database
        migrate()
        ...

The benchmark never touches the configured database's data: the scratch database is created
fresh (dropped first if a crashed run left one), DATABASE_URL is pointed at it before Django is
set up, and it is dropped at the end, also when the benchmark fails.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import environ
import psycopg2
from psycopg2 import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/o2o"


def _maintenance_connection(url: str):
    config = environ.Env.db_url_config(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        # A socket directory arrives percent-encoded in the URL's host.
        "host": unquote(str(config.get("HOST") or "")) or None,
        "port": config.get("PORT") or None,
    }
    connection = psycopg2.connect(**{k: v for k, v in params.items() if v})
    connection.autocommit = True
    return connection


def _close_django_connections() -> None:
    try:
        from django.db import connections
    except ImportError:
        return
    connections.close_all()


@contextlib.contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'o2o'}_bench_{suffix}"
    admin = _maintenance_connection(url)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        with admin.cursor() as cursor:
            cursor.execute(drop)
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        yield name
    finally:
        os.environ["DATABASE_URL"] = url
        _close_django_connections()
        with admin.cursor() as cursor:
            cursor.execute(drop)
        admin.close()
        print(f"scratch database {name} dropped")


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
