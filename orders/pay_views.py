"""WeChat Pay's payment-result notification (/wechat/pay/notify), also what the sandbox pay page
posts to, so both modes go through the production verification path."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.client_ip import client_ip
from orders.models import PaymentNotification
from orders.services.payment import ACKNOWLEDGED, THROTTLED, payment_notification_receive

Outcome = PaymentNotification.Outcome

SUCCESS = (
    b"<xml><return_code><![CDATA[SUCCESS]]></return_code>"
    b"<return_msg><![CDATA[OK]]></return_msg></xml>"
)
FAIL = (
    b"<xml><return_code><![CDATA[FAIL]]></return_code>"
    b"<return_msg><![CDATA[FAIL]]></return_msg></xml>"
)
# WeChat reads only the body; the status tells everyone else why a notification was refused.
REFUSED_STATUS = {Outcome.BAD_SIGNATURE: 403, THROTTLED: 429}


@csrf_exempt
@require_POST
def notify(request):
    """Body = WeChat's raw XML. SUCCESS tells WeChat to stop resending (applied, a duplicate, or a
    failed payment acknowledged); FAIL with a 4xx for a forged, malformed or mismatched
    notification, which changed nothing and is logged for HQ."""
    outcome = payment_notification_receive(
        body=request.body, remote_addr=client_ip(request) or None
    )
    if outcome in ACKNOWLEDGED:
        return HttpResponse(SUCCESS, content_type="application/xml")
    return HttpResponse(
        FAIL, status=REFUSED_STATUS.get(outcome, 400), content_type="application/xml"
    )
