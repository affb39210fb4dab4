"""Partners' actions, one module per topic: partners and keys, the installation's own
identity, referrals out, the package format, referrals in."""
