"""The words of the exported PDF, in the recipient's language (English or French).

They are kept apart from the staff pages' strings on purpose: the staff catalogue is
Russian and English, and a recipient reads English or French. The words are looked up
with Django's gettext under ``translation.override(language)``; French comes from
``locale_staff/fr``, a catalogue that holds these words only (docs/translating.md,
"The dossier's French"). They are plain strings here, not gettext calls, so that
``make messages`` leaves them out of the Russian catalogue; ``tests/dossiers/
test_pdf_language.py`` checks that each one has its French.
"""

from __future__ import annotations

from django.utils import translation

WORDS: dict[str, str] = {
    "dossier": "Evidence dossier",
    "prepared_by": "Prepared by %(organisation)s",
    "purpose": "Purpose",
    "country": "Country of the claim",
    "reference": "Dossier reference",
    "exported": "Exported",
    "index": "Index",
    "page": "Page %(page)s of %(pages)s",
    "on_page": "page %(page)s",
    "cover_letter": "Cover letter",
    "statement_original": "Statement (original, %(statement_language)s)",
    "statement_translation": "Statement (translation)",
    "translator": "Translated by %(translator)s",
    "timeline": "Timeline",
    "exhibit": "Exhibit %(number)s",
    "exhibit_pdf_follows": "The pages of this exhibit follow (%(pages)s).",
    "manifest": "Manifest and chain of custody",
    "manifest_intro": (
        "Each exhibit is listed with the SHA-256 digest of the file as it first entered "
        "the organisation's records (when it was kept), and as stored after its metadata "
        "was removed. The stored files are attached to this PDF; the whole document is "
        "digitally signed. Check the signature and the digests as docs/dossiers.md shows."
    ),
    "received": "Received",
    "stored": "Stored",
    "stripped": "Removed",
    "channel": "Channel",
    "history": "History",
    "not_kept": "not kept (rebuilt on arrival)",
    "bytes": "%(size)s bytes",
    "signing_certificate": "Signing certificate (SHA-256)",
    "none": "None chosen.",
    "by": "by %(who)s",
    # purposes
    "purpose.asylum": "Asylum claim",
    "purpose.resettlement": "Resettlement referral",
    "purpose.sponsorship": "Private sponsorship application",
    "purpose.humanitarian_visa": "Humanitarian visa",
    # channels
    "channel.case_file": "file of the case (web request, mailbox or staff)",
    "channel.upload": "uploaded to the dossier by staff",
    # custody actions
    "action.received": "received",
    "action.added": "added to the dossier",
    "action.viewed": "viewed",
    "action.exported": "exported",
    # what was stripped
    "stripped.image": "image metadata (EXIF, XMP, GPS, thumbnails); pixels re-encoded",
    "stripped.pdf": "document information, XMP metadata and thumbnails; images re-encoded",
    "stripped.intake": "metadata removed when it entered (photo: EXIF, GPS; PDF: document data)",
}


def word(key: str, language: str, **values: object) -> str:
    """One of ``WORDS`` in ``language``, with its ``%(name)s`` values filled in."""
    with translation.override(language):
        text = translation.gettext(WORDS[key])
    return text % values if values else text
