"""Argon2id at a test-suite cost. Production's parameters are Django's defaults, checked
in tests/accounts; the algorithm and the code path here are the same."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
