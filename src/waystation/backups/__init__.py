"""Backups: one age-encrypted file holding the database, the sealed files and the key
store (``waystation backup create``), checked without the private key (``verify``),
restored into an empty installation with every later shred re-applied from the shred
ledger (``restore``). See docs/operations.md#backups and docs/design.md §2.7.

Layer: above every app that holds data (it snapshots them all and, on restore, shreds
cases again through ``cases``), below the demo.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``selectors.last_backup`` (when the last backup was written, for the status pages).
"""

FACE = {"selectors": ["LastBackup", "last_backup"]}
