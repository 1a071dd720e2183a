from django.core.management.base import BaseCommand

from dispatch.services.alerts import offers_alert_sweep


class Command(BaseCommand):
    help = (
        "Remind stores of delivery offers whose accept deadline is near, and send first alerts "
        "still due (the same job Celery beat runs every 30 seconds); safe to run while another "
        "runs: each offer is reminded once."
    )

    def handle(self, *args, **options):
        sent = offers_alert_sweep()
        self.stdout.write(
            f"alerted {sent.offers} offer(s): {sent.emails} e-mail(s), "
            f"{sent.wechat_messages} WeChat message(s)"
        )
