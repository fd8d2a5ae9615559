"""The ten-line receiver of docs/operations.md accepts a genuine delivery and nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cml.models.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_payload

from .receiver import free_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
SECRET = "whsec_docs_0123456789abcdef"


def _receiver_code() -> str:
    section = DOC.read_text(encoding="utf-8").split("### Verify a signature", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[:1]
    return code


def test_the_documented_receiver_is_ten_lines() -> None:
    assert len(_receiver_code().strip().splitlines()) == 10


def test_the_documented_receiver_verifies_signatures(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CML_WEBHOOK_SECRET": SECRET, "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-c", _receiver_code()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        body = b'{"id":7,"event_type":"memory.write"}'

        def post(timestamp: int, payload: bytes, signed: bytes | None = None) -> int:
            signature = sign_payload(SECRET, timestamp, signed if signed is not None else payload)
            headers = {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature}
            for _ in range(100):
                try:
                    return httpx.post(url, content=payload, headers=headers).status_code
                except httpx.ConnectError:
                    time.sleep(0.05)  # still starting
            raise AssertionError("the receiver never listened")

        now = int(time.time())
        assert post(now, body) == 200
        assert post(now, b'{"id":8,"event_type":"memory.write"}', signed=body) == 401
        assert post(now - 600, body) == 401  # a replay of an old delivery
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert output.strip() == body.decode()
