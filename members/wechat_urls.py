"""WeChat endpoints under /wechat/ (DESIGN §5: callback and oauth/callback are stable URLs).

/wechat/pay/ (the payment notification) is mounted separately, from orders.pay_urls.
"""

from django.urls import path

from members import wechat_views

app_name = "wechat"

urlpatterns = [
    path("callback", wechat_views.callback, name="callback"),
    path("oauth/start", wechat_views.oauth_start, name="oauth_start"),
    path("oauth/callback", wechat_views.oauth_callback, name="oauth_callback"),
    path("jssdk/config", wechat_views.jssdk_config, name="jssdk_config"),
]
