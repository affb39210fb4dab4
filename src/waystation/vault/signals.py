"""A door for the apps above the vault to join a moment it owns, without the vault
importing them:

- ``sealed_now(actor_id=...)``: sent by :func:`services.seal_now` after every worker has
  dropped its keys, inside the transaction of the seal's audit entry. A receiver ends
  what must not outlive a seal (the API's tokens: a token copied off a seized laptop
  must not work again once the trustees unseal). It needs no keys.
"""

from django.dispatch import Signal

sealed_now = Signal()
