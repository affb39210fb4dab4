"""``{% last_backup_line %}``: when the last backup was written, for administrators'
pages that sit in a lower app (the staff list of ``accounts``), which cannot import
``backups`` itself."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from waystation.backups.selectors import last_backup

register = template.Library()


def describe_age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, int(seconds // 60))} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


@register.simple_tag
def last_backup_line() -> SafeString:
    last = last_backup()
    if last is None:
        # A literal with no data in it: nothing here can carry markup from a record.
        return mark_safe(
            '<p class="backup-age stale">Last backup: <strong>none written on this server</strong> '
            "(docs/operations.md, Backups).</p>"
        )
    seconds = (datetime.now(UTC) - last.at).total_seconds()
    # The same threshold as the status check's, so the two pages never disagree.
    hours = settings.WAYSTATION_STATUS_BACKUP_HOURS
    stale = seconds > hours * 3600
    return format_html(
        '<p class="backup-age{}">Last backup: {} UTC, {} ago{}.</p>',
        " stale" if stale else "",
        last.at.strftime("%Y-%m-%d %H:%M"),
        describe_age(seconds),
        f" — older than {hours} h: check the backup timer" if stale else "",
    )
