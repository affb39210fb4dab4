"""The ``waystation`` command: every operational task, one subcommand each.

It is Django's management utility under our name, so ``waystation migrate`` and
``waystation keys init`` live side by side; each operation is one module in an app's
``management/commands`` folder.
"""

from __future__ import annotations

import os
import sys

from waystation.filemodes import use_private_umask


def main(argv: list[str] | None = None) -> None:
    # Before anything is written: the database file, keys, sockets, and every process
    # a command starts (`demo serve` starts the agent and both servers) are private.
    use_private_umask()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waystation.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["waystation", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
