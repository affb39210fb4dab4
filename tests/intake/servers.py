"""Talking to the real public process against the test database, for browser, isolation
and crash tests; the process itself is started by ``tests.processes``."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request


def multipart(
    fields: dict[str, str], files: list[tuple[str, str, str, bytes]] = ()
) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type: ``files`` are (field, file name,
    content type, bytes)."""
    boundary = f"----waystation{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for field, filename, content_type, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(
    url: str, path: str, fields: dict[str, str], files=(), timeout: float = 30
) -> tuple[int, str]:
    """POST a form to the public server; (status, page)."""
    body, content_type = multipart(fields, list(files))
    request = urllib.request.Request(
        url + path, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
