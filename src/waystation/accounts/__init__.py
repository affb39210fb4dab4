"""Staff accounts: sign-in with a second factor, sessions, roles as Django groups, staff
administration. Applicants never have accounts.

Layer: above audit (account changes are audited), below everything staff act in.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``models.Actor`` (the member of staff taking an action: what services and selectors take
as ``user``) and ``models.StaffUser``, ``roles.Role``, and ``services`` (the demo
provisions its staff there). ``decorators.recent_authentication_required``, for pages
of other apps that must ask for the password and a fresh code again (creating an API
token). ``templatetags.staff_format``: dates, numbers, money and ages ("3 h 5 min") in
the reader's language, for text built outside a template (the backups' line on the
staff list, the status checks).
"""

FACE = {
    "decorators": ["recent_authentication_required"],
    "models": ["Actor", "StaffUser"],
    "roles": ["Role"],
    "services": "*",
    "templatetags.staff_format": [
        "cldr_locale",
        "local_age",
        "local_date",
        "local_datetime",
        "local_money",
        "local_number",
    ],
}
