from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "page_cache"
    verbose_name = "Page cache"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .tables import watch

        # Every connection of every process (app servers, job workers, commands) notes the
        # tables it writes, so a page cached in any process knows when it went out of date.
        connection_created.connect(watch, dispatch_uid="page_cache.watch")
