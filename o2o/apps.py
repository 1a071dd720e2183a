from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "o2o"
    verbose_name = _("Platform")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from o2o import checks  # noqa: F401 — registers the deployment checks
        from o2o.staff_sessions import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="o2o.staff_sessions")
