from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Sign-ins and failed sign-ins come from Django's own signals.
        from . import signals  # noqa: F401
