"""Key-encryption key rotation: how fast every data key is rewrapped.

Runs last: each rotation gives every data key a new wrapping and retires the old KEK.
"""

from __future__ import annotations

import statistics
import time

from bench.harness import Context, Row, benchmark, per_op_us, progress


# Before "casepages": its 99,000 filler cases share one copied wrapped key that opens
# for no one, and rotation rightly refuses to rewrap a key it cannot open.
@benchmark("rotation", title="KEK rotation", order=55, per_backend=True)
def kek_rotation(ctx: Context) -> list[Row]:
    """``rotate_keks`` end to end (new KEK in the key store, every live data key read,
    unwrapped, rewrapped and updated in batches, old KEK erased), against the same
    unwrap-and-rewrap done in memory only."""
    from waystation.vault import datakeys, runtime
    from waystation.vault.models import DataKey
    from waystation.vault.primitives import Sealer, new_key

    ctx.cases()
    live = DataKey.objects.filter(wrapped__isnull=False).count()
    times = []
    for number in range(ctx.sizes.rotations):
        started = time.perf_counter()
        version, retired = datakeys.rotate_keks()
        times.append(time.perf_counter() - started)
        progress(f"rotation {number + 1}: KEK v{version} current, retired {retired}")
    seconds = statistics.median(times)

    keyring = runtime.keyring()
    current = keyring.kek_sealer(keyring.current_kek)
    other = Sealer(new_key())
    sample = list(
        DataKey.objects.filter(wrapped__isnull=False).values_list("id", "wrapped")[:1_000]
    )
    contexts = [
        (
            bytes(wrapped or b""),
            datakeys._wrap_context(key_id, keyring.current_kek),
            datakeys._wrap_context(key_id, keyring.current_kek + 1),
        )
        for key_id, wrapped in sample
    ]
    position = 0

    def rewrap_in_memory() -> object:
        nonlocal position
        wrapped, old_context, new_context = contexts[position % len(contexts)]
        position += 1
        return other.seal(current.open(wrapped, old_context), new_context)

    in_memory_rate = 1e6 / per_op_us(rewrap_in_memory, ctx.sizes)
    return [
        Row(
            benchmark=f"KEK rotation: rewrap {live:,} data keys (rotate_keks)",
            backend=ctx.backend,
            measure="data keys/s",
            value=live / seconds,
            baseline=in_memory_rate,
            higher_is_better=True,
        ),
        Row(
            benchmark=f"KEK rotation: total time for {live:,} data keys",
            backend=ctx.backend,
            measure="ms",
            value=seconds * 1e3,
        ),
    ]
