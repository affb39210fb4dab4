"""The staff site's shell: error pages, security headers, the context
every page shares, and the helpers every app's views share (``actions``).

Layer: above accounts (its helpers hand views the acting ``Actor``), below every app
with staff pages (intake, cases, relocation), so it knows no case, request or house.
The URLconf (``waystation.urls``) wires its pages, not the apps above.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``actions`` (``actor``, ``back_to``, ``tell``, ``form_errors_to_messages``);
``invisible.neutralise`` (invisible characters made visible, for exports drawn outside
a page); ``serving.gunicorn_command`` (how both servers start, forwarder headers off);
``figures`` (the tables of aggregate figures, the small-cell suppression every figure
goes through, charts made fit for a page and cells made safe for a spreadsheet), so that
every app's figures follow one rule.
"""

FACE = {
    "actions": "*",
    "figures.spreadsheet": ["safe_cell"],
    "figures.suppression": ["format_value", "legend", "min_cell", "suppress"],
    "figures.svg": ["clean_svg"],
    "figures.tables": "*",
    "invisible": ["neutralise"],
    "serving": ["gunicorn_command"],
}
