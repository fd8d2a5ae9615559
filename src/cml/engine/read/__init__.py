"""The read stage: retrieval, where consolidated facts go, and the shape of the response.

:mod:`.pipeline` runs a read from query to response: :mod:`.retrieval` ranks memories,
:mod:`.placement` sets consolidated facts beside the ranked list and :mod:`.shape` builds what
the caller gets.
"""
