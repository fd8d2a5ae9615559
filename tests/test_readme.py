"""The README is the front door: its configuration reference and its snippets must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from cml.server.settings import ServerSettings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_server_setting_is_documented() -> None:
    documented = set(re.findall(r"`(CML_[A-Z_]+)`", README))
    missing = {f"CML_{name.upper()}" for name in ServerSettings.model_fields} - documented
    assert not missing, f"README lacks {sorted(missing)}"


def test_every_sdk_variable_is_documented() -> None:
    for name in ("API_KEY", "ADMIN_API_KEY", "BASE_URL", "TENANT_ID", "TIMEOUT", "MAX_RETRIES"):
        assert f"`CML_{name}`" in README
