import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waystation.settings")
application = get_wsgi_application()

from waystation.vault.runtime import prepare_worker  # noqa: E402  (needs settings loaded)

prepare_worker()
