import os

from django.core.wsgi import get_wsgi_application

from waystation.filemodes import use_private_umask
from waystation.web.request_body import DrainRequestBody

# A server started straight by gunicorn, not through `waystation`: what it creates (a
# SQLite database and its journal, sealed files) is private too.
use_private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waystation.settings")
# A refused body is still read to its end, so the browser gets the page, not a reset.
application = DrainRequestBody(get_wsgi_application())

from waystation.vault.runtime import prepare_worker  # noqa: E402  (needs settings loaded)

prepare_worker()
