"""Seams between dispatch and what the integration (checkout, payment, order status, back
office, alerts) fills in. Dispatch calls these at fixed points; receivers are connected at start
(an AppConfig.ready) by the code above or beside dispatch, explicitly, so a reader finds every
effect of an offer by searching for the hook's name.

- `offer_accepted` runs INSIDE the accepting transaction, after the offer and the dispatch record
  moved and the stock was taken: the order-side effect (the order's move to `accepted`, its
  fulfilling store) belongs here, so it commits or rolls back with the acceptance.
- `offer_made` and `dispatch_queued` run AFTER COMMIT: alerts (the store's back-office badge and
  sound, the manager's e-mail, WeChat template messages to its clerks; HQ for the queue). A
  failing receiver cannot undo the offer; it is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


class Hook:
    def __init__(self, name: str, *, after_commit: bool):
        self.name = name
        self.after_commit = after_commit
        self._receivers: list[Callable[..., None]] = []

    def connect(self, receiver: Callable[..., None]) -> Callable[..., None]:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[..., None]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, **arguments) -> None:
        if not self._receivers:
            return
        if self.after_commit:
            transaction.on_commit(lambda: self._send_each_logged(arguments))
        else:
            for receiver in list(self._receivers):
                receiver(**arguments)

    def _send_each_logged(self, arguments: dict) -> None:
        for receiver in list(self._receivers):
            try:
                receiver(**arguments)
            except Exception:  # an alert that fails must not hide the others
                logger.exception("dispatch hook %s: %r failed", self.name, receiver)

    def __repr__(self):
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


# receiver(*, order, offer, actor): in the transaction; raising undoes the acceptance.
offer_accepted = Hook("offer_accepted", after_commit=False)
# receiver(*, order, offer): after commit; alert the store.
offer_made = Hook("offer_made", after_commit=True)
# receiver(*, order, dispatch): after commit; alert HQ.
dispatch_queued = Hook("dispatch_queued", after_commit=True)
