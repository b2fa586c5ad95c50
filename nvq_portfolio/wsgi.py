import logging
import os

from django.core.wsgi import get_wsgi_application

from nvq_portfolio.wsgi_input import with_whole_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvq_portfolio.settings")
application = with_whole_reads(get_wsgi_application())


def _warm_pdf_renderer():
    # Each worker pays the PDF renderer's start-up here, before it takes a request, not on the
    # first report someone asks it for. Done before serving, not on a thread beside requests:
    # WeasyPrint's caches are not promised to be safe to fill from two threads at once.
    from assessments.reports import warm_renderer

    try:
        warm_renderer()
    except Exception:
        # A missing font or library fails the report, not the server: the report view says so.
        logging.getLogger(__name__).exception("The PDF renderer could not be warmed")


_warm_pdf_renderer()
