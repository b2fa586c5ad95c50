import logging
import os

from django.core.wsgi import get_wsgi_application

from nvq_portfolio.wsgi_input import with_whole_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvq_portfolio.settings")
application = with_whole_reads(get_wsgi_application())


def _warm_up():
    """Pay what a worker's first requests would pay, before it takes one: every view module and
    what it imports (Django loads the URLconf on the first request), the criteria suggester's
    numeric libraries (on the first upload), and the PDF renderer's start-up (on the first
    report). Done before serving, not on a thread beside requests: WeasyPrint's caches are not
    promised to be safe to fill from two threads at once."""
    from django.urls import get_resolver

    from assessments.reports import warm_renderer

    log = logging.getLogger(__name__)
    try:
        get_resolver().url_patterns  # noqa: B018 (imports every urls.py and its views)
        import suggestions.engine  # noqa: F401
    except Exception:
        log.exception("The views could not be loaded ahead of the first request")
    try:
        warm_renderer()
    except Exception:
        # A missing font or library fails the report, not the server: the report view says so.
        log.exception("The PDF renderer could not be warmed")


_warm_up()
