"""Members' background jobs (thin: load by id, call a service)."""

import logging

from celery import shared_task

from members.models import Notice
from members.services.wechat_events import PERMANENT_TEMPLATE_ERRORS, notice_wechat_deliver
from o2o.durable import Durable
from o2o.wechat import WeChatUnavailable

logger = logging.getLogger(__name__)


@shared_task(base=Durable, bind=True, max_retries=5, default_retry_delay=60)
def send_wechat_notice(self, notice_id: int) -> bool:
    """Send a notice as a WeChat template message; True when WeChat accepted it.

    The in-app notice already exists, so a WeChat failure is never the caller's problem: a
    temporary one is retried with a growing delay, a permanent one (she unsubscribed) or the last
    retry is logged and the task ends with False.
    """
    notice = Notice.objects.select_related("member").filter(pk=notice_id).first()
    if notice is None:
        logger.warning("WeChat notice %s: no such notice", notice_id)
        return False
    try:
        return notice_wechat_deliver(notice=notice)
    except WeChatUnavailable as error:
        retries = self.request.retries
        if (
            error.errcode in PERMANENT_TEMPLATE_ERRORS
            or self.request.called_directly
            or retries >= self.max_retries
        ):
            logger.error(
                "WeChat notice %s to member %s not sent after %s tries: %s",
                notice_id,
                notice.member_id,
                retries + 1,
                error,
            )
            return False
        raise self.retry(exc=error, countdown=self.default_retry_delay * 2**retries) from error


# Celery's autodiscovery imports only `tasks` modules; the loyalty jobs live in members.jobs.
from members import jobs  # noqa: E402, F401
