"""The staff site's shell: error pages, security headers, the context
every page shares, and the helpers every app's views share (``actions``).

Layer: above accounts (its helpers hand views the acting ``Actor``), below every app
with staff pages (intake, cases, relocation), so it knows no case, request or house.
The URLconf (``waystation.urls``) wires its pages, not the apps above.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``actions`` (``actor``, ``back_to``, ``tell``, ``form_errors_to_messages``);
``invisible.neutralise`` (invisible characters made visible, for exports drawn outside
a page); ``serving.gunicorn_command`` (how both servers start, forwarder headers off).
"""

FACE = {
    "actions": "*",
    "invisible": ["neutralise"],
    "serving": ["gunicorn_command"],
}
