"""A platform process for the PostgreSQL restart test: reads one command per line on stdin,
answers one JSON line on stdout. Run as `python -m tests.chaos.pg_client` with DATABASE_URL set
to the private PostgreSQL; it keeps its database connection between commands, as a web process
does (CONN_MAX_AGE, CONN_HEALTH_CHECKS)."""

import json
import sys

import django

django.setup()

from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

client = Client()


def healthz() -> dict:
    response = client.get("/healthz")
    return {"status": response.status_code, "body": response.json()}


def setup() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS chaos_half (id int PRIMARY KEY)")
    return {}


def begin() -> dict:
    """A transaction of two rows, left open: the test cuts it by crashing the server."""
    transaction.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO chaos_half VALUES (1)")
        cursor.execute("INSERT INTO chaos_half VALUES (2)")
    return {"open": True}


def commit() -> dict:
    try:
        transaction.commit()
    except DatabaseError as error:
        connection.close()  # the next command connects afresh (autocommit again)
        return {"committed": False, "error": error.__class__.__name__}
    transaction.set_autocommit(True)
    return {"committed": True}


def count() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM chaos_half")
        return {"rows": cursor.fetchone()[0]}


COMMANDS = {"healthz": healthz, "setup": setup, "begin": begin, "commit": commit, "count": count}

print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    print(json.dumps(COMMANDS[line.strip()]()), flush=True)
