"""The REST API of the staff side (``/api/v1/``), its OpenAPI 3 schema (``/api/schema/``)
and rendered docs (``/api/docs/``), the personal API tokens that open it, made and
revoked in "My account", and partner tokens, issued by programme managers on a
partner's page, that open only that partner's referral routes (``/api/v1/partner/``;
docs/api.md).

Every endpoint is a thin view over the same selectors and services as the pages
(``cases``, ``relocation``): the same need to know, the same audit entries for every
reading of sealed data, the same refusals with the same messages. Nothing here decides
who may see or do what; it only decides which token speaks for whom, with which scope.

Layer: above partners (a partner token's routes call partners' face: ``fetch_for_partner``,
``record_partner_update``, ``receive_referral``, ``selectors.partner_side``) and
relocation (legs and documents), below demo (which prints a token for a demo user).

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``services.tokens`` for the demo (``issue_demo_token``, ``TokenError``).
"""

FACE = {
    "services.tokens": ["TokenError", "issue_demo_token"],
}
