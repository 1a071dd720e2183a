"""Members' background jobs (thin: load by id, call a service)."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_wechat_notice(self, notice_id: int) -> bool:
    """Send a notice as a WeChat template message. Filled in by the WeChat integration."""
    return False
