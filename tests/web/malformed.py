"""Requests gunicorn refuses before Django sees them, one of each kind it reports as
``Invalid request from ip=…`` (security review, December, finding 5), and a few that
carry an address of their own."""

from __future__ import annotations

from tests.web.forwarded import CLIENT

H = b"Host: 127.0.0.1\r\n"  # allowed, so that only what is malformed is refused
MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\n" + H + b"\r\n",
    b"G@T / HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Bad Header: x\r\n\r\n",
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n"
    + H
    + b"".join(f"X-Filler-{i}: v\r\n".encode() for i in range(150))
    + b"\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"GET / HTTP/1.1\r\n" + H + b"X-Folded: a\r\n b\r\n\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Expect: magic\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n",
    b"GET /static/x HTTP/1.1\r\n" + H + b"SCRIPT_NAME: /elsewhere\r\n\r\n",
    b"PROXY TCP4 198.51.100.7 127.0.0.1 4000 80\r\nGET / HTTP/1.1\r\n" + H + b"\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)) + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: elsewhere.example\r\nX-Real-IP: " + CLIENT.encode() + b"\r\n\r\n",
]
