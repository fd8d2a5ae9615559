"""The write stage: what happens between a request and a stored memory.

The gate (:mod:`.gate`, with :mod:`.classify`), duplicate detection (:mod:`.dedup`), the planning
of the records and events (:mod:`.plan`, :mod:`.batch`) and idempotency keys
(:mod:`.idempotency`).
"""
