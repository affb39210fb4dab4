"""WSGI entry point of the public process: ``gunicorn waystation.intake.public_wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "waystation.settings_public"
application = get_wsgi_application()
