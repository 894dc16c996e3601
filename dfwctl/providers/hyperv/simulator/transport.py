"""The simulator as a transport: each exchange is served in-process, through the same
request and reply encoding the PowerShell script uses."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

from dfwctl.providers.hyperv.protocol import (
    decode_reply,
    encode_request,
    last_json_line,
)
from dfwctl.providers.hyperv.transport import Call, GuestLogin, Reply


class SimulatorTransport:
    def __init__(self, path: str):
        self.path = Path(path)
        self.endpoint = f"hyperv:simulator:{path}"

    def exchange(self, calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> List[Reply]:
        from dfwctl.providers.hyperv.simulator.wire import serve

        text, _ = serve(encode_request(calls, guest), self.path)
        return decode_reply(last_json_line(text), calls)
