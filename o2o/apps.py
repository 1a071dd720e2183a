from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "o2o"
    verbose_name = _("Platform")

    def ready(self):
        from o2o import checks  # noqa: F401 — registers the deployment checks
