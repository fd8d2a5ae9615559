"""${message}

Create Date: ${create_date}
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}

_UPGRADE: tuple[str, ...] = ()

_DOWNGRADE: tuple[str, ...] = ()

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
