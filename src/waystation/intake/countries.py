"""Where the applicant is now: a short list of countries, coarse enough to store in
clear for the triage queue (docs/design.md §3: coarse country codes are operational). Anyone
elsewhere picks "another country" and names it in a sealed field.

The list is the countries requests come from in practice; ``WAYSTATION_INTAKE_COUNTRIES``
(ISO codes) narrows or reorders it for an organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

OTHER = "ZZ"  # ISO 3166 user-assigned code, commonly "unknown or other"

COUNTRIES: dict[str, Promise] = {
    "AF": _("Afghanistan"),
    "DZ": _("Algeria"),
    "AM": _("Armenia"),
    "AZ": _("Azerbaijan"),
    "BH": _("Bahrain"),
    "BY": _("Belarus"),
    "CM": _("Cameroon"),
    "EG": _("Egypt"),
    "GE": _("Georgia"),
    "GH": _("Ghana"),
    "IR": _("Iran"),
    "IQ": _("Iraq"),
    "JO": _("Jordan"),
    "KZ": _("Kazakhstan"),
    "KE": _("Kenya"),
    "KW": _("Kuwait"),
    "KG": _("Kyrgyzstan"),
    "LB": _("Lebanon"),
    "LY": _("Libya"),
    "MD": _("Moldova"),
    "MA": _("Morocco"),
    "NG": _("Nigeria"),
    "OM": _("Oman"),
    "PK": _("Pakistan"),
    "PS": _("Palestine"),
    "QA": _("Qatar"),
    "RU": _("Russia"),
    "SA": _("Saudi Arabia"),
    "SD": _("Sudan"),
    "SY": _("Syria"),
    "TJ": _("Tajikistan"),
    "TN": _("Tunisia"),
    "TR": _("Turkey"),
    "TM": _("Turkmenistan"),
    "UG": _("Uganda"),
    "UA": _("Ukraine"),
    "AE": _("United Arab Emirates"),
    "UZ": _("Uzbekistan"),
    "YE": _("Yemen"),
}


def choices() -> list[tuple[str, str]]:
    """Localised names sorted for the active language, "another country" last."""
    codes = getattr(settings, "WAYSTATION_INTAKE_COUNTRIES", None) or list(COUNTRIES)
    named = sorted(
        ((code, str(COUNTRIES[code])) for code in codes if code in COUNTRIES),
        key=lambda item: item[1].casefold(),
    )
    return [*named, (OTHER, str(_("Another country")))]


def name(code: str) -> str:
    if code == OTHER:
        return str(_("Another country"))
    return str(COUNTRIES.get(code, code))
