"""Both servers' gunicorn settings (waystation/web/gunicorn_config.py) and logger
(waystation/web/gunicorn_logging.py): no forwarding header trusted from anyone, nothing
that names a client in the logs, and a refusal to start if either is turned back on.

Security review, December, findings 1 and 5. The servers themselves are exercised in
tests/web/test_demo_servers.py; here, gunicorn's own argument parsing is given exactly
the command lines ``demo serve`` and ``serve-public`` run.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
from gunicorn.app.wsgiapp import WSGIApplication
from gunicorn.config import Config

from tests.processes import REPO, free_port
from waystation.web import gunicorn_config
from waystation.web.gunicorn_logging import Logger, redact
from waystation.web.serving import gunicorn_command

STAFF = gunicorn_command("waystation.wsgi:application", bind="127.0.0.1:8000", workers=2)


def public_command() -> list[str]:
    """What ``waystation serve-public`` execs (read from the command, not copied)."""
    import importlib
    import os
    from unittest import mock

    command = importlib.import_module("waystation.intake.management.commands.serve-public")
    with mock.patch.object(os, "execve") as execve:
        command.Command().handle(bind="127.0.0.1:8001", workers=2, threads=4, timeout=60)
    return execve.call_args.args[1]


def effective(argv: list[str], monkeypatch, **environ: str) -> Config:
    """gunicorn's settings for ``argv`` (as it parses them at start: config module,
    GUNICORN_CMD_ARGS, then the command line), without starting anything."""
    assert argv[1:3] == ["-m", "gunicorn"]
    for name in ("GUNICORN_CMD_ARGS", "FORWARDED_ALLOW_IPS", "SCRIPT_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["gunicorn", *argv[3:]])
    return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg


@pytest.fixture(params=["staff", "public"])
def command(request) -> list[str]:
    return STAFF if request.param == "staff" else public_command()


def test_both_servers_trust_no_forwarding_header_from_anyone(command, monkeypatch):
    cfg = effective(command, monkeypatch, FORWARDED_ALLOW_IPS="127.0.0.1,::1")

    assert cfg.forwarded_allow_ips == []
    assert cfg.forwarder_headers == []  # gunicorn's default: SCRIPT_NAME, PATH_INFO
    assert cfg.secure_scheme_headers == {}
    assert cfg.header_map == "drop"  # SCRIPT_NAME: and every other *_* header: gone
    assert cfg.proxy_protocol == "off"
    assert gunicorn_config.refusals(cfg, {}) == []


def test_both_servers_keep_no_access_log_and_redact_the_error_log(command, monkeypatch):
    cfg = effective(command, monkeypatch)

    assert cfg.logger_class is Logger
    assert cfg.accesslog is None
    assert cfg.loglevel == "warning"
    assert cfg.control_socket_disable is True


@pytest.mark.parametrize(
    "extra, environ, problem",
    [
        (["--forwarded-allow-ips", "127.0.0.1"], {}, "forwarded_allow_ips"),
        (["--forwarder-headers", "SCRIPT_NAME"], {}, "forwarder_headers"),
        (["--header-map", "dangerous"], {}, "header_map"),
        (["--proxy-protocol", "v1"], {}, "PROXY protocol"),
        (["--logger-class", "gunicorn.glogging.Logger"], {}, "logger_class"),
        ([], {"GUNICORN_CMD_ARGS": "--forwarder-headers SCRIPT_NAME"}, "forwarder_headers"),
        ([], {"SCRIPT_NAME": "/static"}, "SCRIPT_NAME"),
    ],
)
def test_turning_any_of_it_back_on_is_refused(extra, environ, problem, monkeypatch):
    cfg = effective([*STAFF, *extra], monkeypatch, **environ)

    assert any(problem in p for p in gunicorn_config.refusals(cfg, environ))


def test_a_server_started_with_forwarder_headers_on_does_not_start(tmp_path):
    """For real: gunicorn itself runs the check before it listens."""
    port = free_port()
    argv = gunicorn_command(
        "waystation.wsgi:application",
        bind=f"127.0.0.1:{port}",
        workers=1,
        options=["--forwarder-headers", "SCRIPT_NAME,PATH_INFO"],
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    assert result.returncode != 0
    assert "refuses to serve" in result.stderr and "forwarder_headers" in result.stderr


def test_every_lower_case_name_of_the_config_module_is_a_gunicorn_setting():
    """gunicorn reads each module-level name that matches a setting: a helper named like
    one would silently change a setting."""
    settings = Config().settings
    names = {n for n in vars(gunicorn_config) if n.islower() and not n.startswith("_")}
    helpers = {"annotations", "os", "refusals", "on_starting"}
    assert names - helpers <= set(settings), names - helpers - set(settings)
    assert "on_starting" in settings


# --- the logger ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "Invalid request from ip=127.0.0.1: Invalid HTTP request line: 'GET /cases/?q=Ivan Petrov'",
        "Invalid request from ip=::1: Invalid HTTP Header: 'Ivan Petrov'",
        'Invalid request from ip=2001:db8::7: Invalid HTTP method: "Ivan\'s"',
        "Invalid request from ip=::ffff:203.0.113.9: Invalid HTTP header name: b'Ivan\\'s x'",
        "Invalid request from ip=203.0.113.9: Request path '/Ivan' does not start with SCRIPT_NAME",
        "Connection from [2001:db8::7]:55000 and 203.0.113.9:41000 (Ivan)",
    ],
)
def test_no_address_and_nothing_a_client_sent_is_logged(message):
    written = redact(message)

    for address in ("127.0.0.1", "::1", "2001:db8::7", "203.0.113.9", "ffff"):
        assert address not in written
    assert "ip=" not in written
    if message.startswith("Invalid request"):
        assert "Ivan" not in written and written.startswith("Invalid request: ")


def test_what_is_not_an_address_is_kept():
    assert redact("Worker (pid:4242) exited with code 3 at 12:30:45") == (
        "Worker (pid:4242) exited with code 3 at 12:30:45"
    )
    assert redact("Error handling request GET /cases/?q=Ivan") == "Error handling request"


@pytest.fixture(autouse=True)
def _restore_gunicorn_loggers():
    """gunicorn's loggers are process-wide: leave them as found."""
    loggers = [logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access")]
    saved = [(list(log.handlers), list(log.filters), log.level) for log in loggers]
    yield
    for log, (handlers, filters, level) in zip(loggers, saved, strict=True):
        for handler in log.handlers:
            if handler not in handlers:
                handler.close()
        log.handlers[:], log.filters[:] = handlers, filters
        log.setLevel(level)


def _logger(tmp_path, **settings) -> Logger:
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    for name, value in settings.items():
        cfg.set(name, value)
    return Logger(cfg)


def test_the_logger_redacts_what_gunicorn_formats_itself(tmp_path):
    logger = _logger(tmp_path)
    logger.warning("Invalid request from ip={ip}: {error}".format(ip="127.0.0.1", error="x"))
    logger.warning("Connection in use: %s", ("203.0.113.9", 8000))
    try:
        raise OSError("no route to 203.0.113.9")
    except OSError:
        logger.exception("Error handling request %s %s", "GET", "/cases/?q=Ivan")
    for handler in logger.error_log.handlers:
        handler.flush()

    written = (tmp_path / "error.log").read_text()
    assert "Invalid request: x" in written and "Error handling request" in written
    assert "127.0.0.1" not in written and "203.0.113.9" not in written
    assert "Ivan" not in written and "OSError" in written


def test_the_logger_keeps_no_access_log_even_when_one_is_configured(tmp_path):
    logger = _logger(tmp_path, accesslog=str(tmp_path / "access.log"))
    stream = io.StringIO()
    logger.access_log.addHandler(logging.StreamHandler(stream))

    logger.access(None, None, {"REMOTE_ADDR": "203.0.113.9"}, None)

    assert logger.access_log_enabled is False
    assert stream.getvalue() == ""
    access = tmp_path / "access.log"
    assert not access.exists() or access.read_text() == ""


# --- Django: no header's word for the mount point, host, port or scheme ---------------------

INSPECT = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({k: getattr(settings, k) for k in (
    "FORCE_SCRIPT_NAME", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT",
    "SECURE_PROXY_SSL_HEADER")}))
"""


@pytest.mark.parametrize("module", ["waystation.settings", "waystation.settings_public"])
def test_django_takes_no_header_for_mount_point_host_port_or_scheme(module, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO / "src"),
        "DJANGO_SETTINGS_MODULE": module,
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", INSPECT], env=env, capture_output=True, text=True, check=True
    )

    assert json.loads(out.stdout) == {
        "FORCE_SCRIPT_NAME": "",  # SCRIPT_NAME from the environ is ignored
        "USE_X_FORWARDED_HOST": False,
        "USE_X_FORWARDED_PORT": False,
        # Production behind the TLS proxy only (docs/operations.md); never in the demo.
        "SECURE_PROXY_SSL_HEADER": None,
    }


@pytest.mark.django_db
def test_a_script_name_in_the_environ_does_not_change_the_path(client):
    response = client.get("/accounts/login/", SCRIPT_NAME="/static")

    assert response.wsgi_request.path == response.wsgi_request.path_info == "/accounts/login/"
    assert response.status_code == 200
