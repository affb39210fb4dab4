"""Staff accounts: sign-in with a second factor, sessions, roles as Django groups, staff
administration. Applicants never have accounts.

Layer: above audit (account changes are audited), below everything staff act in.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``models.Actor`` (the member of staff taking an action: what services and selectors take
as ``user``) and ``models.StaffUser``, ``roles.Role``, and ``services`` (the demo
provisions its staff there).
"""

FACE = {
    "models": ["Actor", "StaffUser"],
    "roles": ["Role"],
    "services": "*",
}
