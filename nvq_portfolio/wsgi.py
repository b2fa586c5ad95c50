import os

from django.core.wsgi import get_wsgi_application

from nvq_portfolio.wsgi_input import with_whole_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvq_portfolio.settings")
application = with_whole_reads(get_wsgi_application())
