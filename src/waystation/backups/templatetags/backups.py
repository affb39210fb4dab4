"""``{% last_backup_line %}``: when the last backup was written, for administrators'
pages that sit in a lower app (the staff list of ``accounts``), which cannot import
``backups`` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from waystation.accounts.templatetags.staff_format import local_age, local_datetime
from waystation.backups.selectors import last_backup

register = template.Library()


@register.simple_tag
def last_backup_line() -> SafeString:
    last = last_backup()
    if last is None:
        # The sentence is the translators', escaped like any value.
        return format_html(
            '<p class="backup-age stale">{} <strong>{}</strong> {}</p>',
            _("Last backup:"),
            _("none written on this server"),
            _("(docs/operations.md, Backups)."),
        )
    age = datetime.now(UTC) - last.at
    # The same threshold as the status check's, so the two pages never disagree.
    hours = settings.WAYSTATION_STATUS_BACKUP_HOURS
    stale = age > timedelta(hours=hours)
    sentence = _("Last backup: %(at)s UTC, %(age)s ago.") % {
        "at": local_datetime(last.at),
        "age": local_age(age),
    }
    if stale:
        sentence = _(
            "Last backup: %(at)s UTC, %(age)s ago — older than %(hours)d h: check the backup timer."
        ) % {
            "at": local_datetime(last.at),
            "age": local_age(age),
            "hours": hours,
        }
    return format_html('<p class="backup-age{}">{}</p>', " stale" if stale else "", sentence)
