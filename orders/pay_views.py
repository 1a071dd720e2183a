"""WeChat Pay's payment-result notification (/wechat/pay/notify), also what the sandbox pay page
posts to, so both modes go through the production verification path."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.client_ip import client_ip
from orders.services.payment import payment_notification_handle

SUCCESS = (
    b"<xml><return_code><![CDATA[SUCCESS]]></return_code>"
    b"<return_msg><![CDATA[OK]]></return_msg></xml>"
)
FAIL = (
    b"<xml><return_code><![CDATA[FAIL]]></return_code>"
    b"<return_msg><![CDATA[FAIL]]></return_msg></xml>"
)


@csrf_exempt
@require_POST
def notify(request):
    """Body = WeChat's raw XML. SUCCESS tells WeChat to stop resending (applied, a duplicate, or a
    failed payment acknowledged); FAIL for a forged or mismatched notification, which changed
    nothing and is logged for HQ."""
    handled = payment_notification_handle(body=request.body, remote_addr=client_ip(request) or None)
    return HttpResponse(SUCCESS if handled else FAIL, content_type="application/xml")
