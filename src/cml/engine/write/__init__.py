"""The write stage: what happens between a request and a stored memory.

:mod:`.pipeline` runs ``write``, ``turn`` and ``batch_write``: the gate (:mod:`.gate`, with
:mod:`.classify`), duplicate detection (:mod:`.dedup`), the planning of records and events
(:mod:`.plan`, :mod:`.batch`) and idempotency keys (:mod:`.idempotency`). Two rule engines
decide what a new memory adds (:mod:`.details`) and which older memory it replaces
(:mod:`.supersession`, reading sentences with :mod:`.claims`).
"""
