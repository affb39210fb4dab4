"""``waystation serve-public``: run the public request page as its own process.

It starts gunicorn on ``waystation.intake.public_wsgi`` with the public settings, in an
environment reduced to what the public side may know: no staff signing key, no staff
database account, no key store or key agent path. gunicorn runs with
waystation/web/gunicorn_config.py: no access log (it would record client addresses), no
address or request data in the error log, no forwarding header trusted.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waystation.web.serving import gunicorn_command

# Variables the public process may inherit; everything else is dropped.
_PASS_THROUGH = (
    "PATH",
    "LANG",
    "LC_ALL",
    "TZ",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "WAYSTATION_MODE",
    "WAYSTATION_DATA_DIR",
    "WAYSTATION_MEDIA_ROOT",
    "DATABASE_URL_PUBLIC",
)
_PASS_THROUGH_PREFIXES = ("WAYSTATION_PUBLIC_", "WAYSTATION_INTAKE_")


def public_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment of the public process, built from an allow-list."""
    env = {
        k: v
        for k, v in environ.items()
        if k in _PASS_THROUGH or k.startswith(_PASS_THROUGH_PREFIXES)
    }
    shared = environ.get("DATABASE_URL", "")
    if "DATABASE_URL_PUBLIC" not in env and shared.startswith("sqlite"):
        # A SQLite file has no accounts to separate; the path is no secret.
        env["DATABASE_URL"] = shared
    elif "DATABASE_URL_PUBLIC" not in env and shared:
        if environ.get("WAYSTATION_MODE", "demo") != "demo":
            raise CommandError(
                "Set DATABASE_URL_PUBLIC (a connection as the waystation_public role); "
                "the public process does not get the staff database account."
            )
        env["DATABASE_URL"] = shared  # demo only: one local database, one account
    env["DJANGO_SETTINGS_MODULE"] = "waystation.settings_public"
    return env


class Command(BaseCommand):
    help = "Serve the public request page and mailbox (gunicorn, public settings)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8001")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--timeout", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = gunicorn_command(
            "waystation.intake.public_wsgi:application",
            bind=options["bind"],
            workers=options["workers"],
            options=[
                "--threads",
                str(options["threads"]),
                "--worker-class",
                "gthread",
                "--timeout",
                str(options["timeout"]),
                # Requests are read whole into memory by Django; bound the request line
                # and headers here.
                "--limit-request-line",
                "4094",
                "--limit-request-fields",
                "50",
            ],
        )
        env = public_environment(dict(os.environ))
        self.stdout.write(f"Public side on http://{options['bind']}/ (access log off)")
        self.stdout.flush()
        # Replace this process: the staff settings loaded to run this command, and the
        # environment it had, do not live on next to the public server.
        os.execve(argv[0], argv, env)  # noqa: S606  # fixed argv, no shell
