"""The vault: every key and every cipher. Models declare sealed, indexed and file fields
with its field types; services ask it to seal, open, index or shred; nobody else touches
a primitive.

Layer: above audit (its key ceremonies and shredding are audited), below every app that
holds people's data.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``fields`` (the field types), ``models.DataKey`` (what sealed rows point at),
``datakeys.create_data_key`` and ``destroy_data_key`` (a key that sealed one small
secret, such as a deleted second factor's, erased without a KEK rotation), ``blind`` and
``normalisers`` (keyed digests for search and matches), ``boxes`` (sealing to a public
key: the intake's and the codenames'), ``age`` (packages for partner organisations, in
the age format), ``services`` (seal now, shred a data key), ``signals.sealed_now`` (for
what must end with a seal: the API's tokens), the errors ``keyservice.VaultSealed`` and
``primitives.OpenFailed``; ``primitives``' signing keys and certificates (the dossiers'
signature: a new key, a self-issued certificate, an imported key read and checked, a
chain as DER), ``session_ids.stored_session_id`` (the digest the staff
session table is keyed by), ``agent``'s client for the demo's own key agent, and
``runtime``'s ``is_unsealed`` and ``vault_status`` (sealed or not, and what the key agent
knows of its workers, asked without fetching a key: for the status checks), and
``ledger`` (the shred ledger: ``record_shred`` after a shred, replayed by a restore).
"""

FACE = {
    "age": "*",
    "agent": ["AgentClient", "AgentUnavailable"],
    "blind": "*",
    "boxes": "*",
    "datakeys": ["create_data_key", "destroy_data_key"],
    "fields": "*",
    "keyservice": ["VaultSealed"],
    "ledger": "*",
    "models": ["DataKey"],
    "normalisers": "*",
    "primitives": [
        "OpenFailed",
        "SigningKeyRefused",
        "certificate_ders",
        "certificates_pem",
        "new_signing_key",
        "private_key_der",
        "read_signing_key",
        "self_issued_certificate",
    ],
    "runtime": ["LastSeal", "VaultStatus", "is_unsealed", "vault_status"],
    "services": "*",
    "session_ids": ["stored_session_id"],
    "signals": ["sealed_now"],
}
