"""Template filters of the public pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def isolate(value: Any, direction: str = "") -> SafeString:
    """``value`` escaped and wrapped in ``<bdi>``, so a date, a count or a codename placed
    inside a translated sentence keeps its own order in right-to-left text and does not
    reorder the words around it. Used as a ``{% blocktranslate with %}`` variable: the
    sentence's msgid does not change. ``direction`` is ``ltr`` for text that is always
    left-to-right (a codename); without it the browser takes the value's own direction,
    as a date in Arabic needs."""
    if direction in {"ltr", "rtl"}:
        return format_html('<bdi dir="{}">{}</bdi>', direction, value)
    return format_html("<bdi>{}</bdi>", value)
