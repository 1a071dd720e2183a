"""A durable task for the chaos tests, loaded by their Celery worker (`--include`).

It counts its starts and its effect separately (heartbeat rows): killed in the middle of its
first run, a correct platform shows two starts and one effect.
"""

import os
import time

from celery import shared_task

from o2o.durable import Durable
from o2o.expiring import expiring_set
from o2o.services import heartbeat_record


@shared_task(base=Durable, name="chaos.slow_effect")
def slow_effect(name: str, hold_seconds: float = 20.0) -> int:
    starts = heartbeat_record(source=f"{name}:started").beats
    # Which process runs it, for the test that kills exactly that process.
    expiring_set(f"chaos:{name}:pid", os.getpid(), ttl=600)
    if starts == 1:
        time.sleep(hold_seconds)  # the first run is killed while it waits here
    return heartbeat_record(source=name).beats
