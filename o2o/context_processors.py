from django.conf import settings


def platform(request):
    """Values every layout needs: site URL, WeChat availability, demo mode."""
    return {
        "SITE_URL": settings.SITE_URL,
        "WECHAT_CONFIGURED": settings.WECHAT_CONFIGURED,
        "DEMO_MODE": settings.DEMO_MODE,
    }
