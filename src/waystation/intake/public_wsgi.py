"""WSGI entry point of the public process: ``gunicorn waystation.intake.public_wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

from waystation.filemodes import use_private_umask

# The intake folder it shares with the staff side has explicit modes (intake/storage.py);
# anything else it creates (a demo's SQLite journal) is private.
use_private_umask()
os.environ["DJANGO_SETTINGS_MODULE"] = "waystation.settings_public"
application = get_wsgi_application()
