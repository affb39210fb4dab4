"""Evidence dossiers for asylum claims, resettlement referrals, private sponsorship
applications and humanitarian visas: per case and purpose, the person's statement with
its translation, chosen exhibits with their chain of custody, chosen timeline entries
and a cover letter, exported once as one PDF signed with the organisation's key (PAdES)
and sealed to the recipient's age key, with its manifest as JSON beside it
(docs/dossiers.md).

Layer: above documentation and partners, below api and demo. It follows the cases
app's need to know (``cases.selectors.visibility``), takes a case's files
(``cases.services.documents.case_files``) and timeline (``selectors.case_file``),
uploads through the intake's checks and rebuild (``intake.uploads``), and seals to a
partner's approved age keys (``partners.services.partners``).

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it): the
services (``services.dossiers`` to build, ``services.exports`` to consent, approve and
export, ``services.signing`` for the organisation's signing key, ``services.verify``
to check an exported file) with ``services.common.DossierError``, and the choices of
``models`` they are called with.
"""

FACE = {
    "models": ["DossierState", "Language", "Purpose"],
    "services.common": ["APPROVE_DOSSIER", "BUILD_DOSSIER", "DossierError"],
    "services.dossiers": "*",
    "services.exports": "*",
    "services.signing": "*",
    "services.verify": "*",
}
