"""Request headers that a server, a proxy convention or Django may take as a proxy's word:
where the application is mounted, which path was "really" asked for, who the client
is, and which host and scheme were used. Security review, December: gunicorn trusted
``SCRIPT_NAME`` from 127.0.0.1, which made any staff page look like a static file to
middleware that tested ``request.path``.

``raw_headers`` are what a client sends over the socket. ``wsgi_environ`` is what a
WSGI server that trusted every one of them would hand to Django, for the test client.
"""

from __future__ import annotations

# The prefix under which a staff page looked like a static file.
PREFIX = "/static"
CLIENT = "203.0.113.9"  # TEST-NET-3: never a real client
HOST = "staff.example.org"


def raw_headers(path_info: str) -> list[tuple[str, str]]:
    """(name, value) pairs for a request whose path is ``PREFIX + path_info``."""
    return [
        ("SCRIPT_NAME", PREFIX),
        ("SCRIPT-NAME", PREFIX),
        ("PATH_INFO", path_info),
        ("REMOTE_USER", "admin"),
        ("X-Forwarded-Prefix", PREFIX),
        ("X-Script-Name", PREFIX),
        ("X-Forwarded-For", CLIENT),
        ("X-Real-IP", CLIENT),
        ("X-Forwarded-Host", HOST),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Protocol", "ssl"),
        ("X-Forwarded-Ssl", "on"),
        ("Forwarded", f"for={CLIENT};host={HOST};proto=https"),
        ("X-Original-URL", path_info),
        ("X-Rewrite-URL", path_info),
    ]


def wsgi_environ(path_info: str) -> dict[str, str]:
    """The environ entries a server that trusted all of ``raw_headers`` would set, on
    top of the path (the test client's ``path`` is then ``path_info``)."""
    environ = {
        "SCRIPT_NAME": PREFIX,
        # Django reads these too, when Apache's mod_rewrite sets them.
        "SCRIPT_URL": PREFIX + path_info,
        "REDIRECT_URL": PREFIX + path_info,
        "REMOTE_USER": "admin",
    }
    for name, value in raw_headers(path_info):
        if "_" not in name:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ
