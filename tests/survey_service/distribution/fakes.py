"""Test doubles for gateways: scripted outcomes, no network, no sleeping."""

from __future__ import annotations

from survey_service.distribution.gateways import OutgoingSms


class ScriptedGateway:
    """Answers each send with the next scripted outcome ("ok" or an exception)."""

    name = "scripted"

    def __init__(self, *script: object, default: object = "ok") -> None:
        self.script = list(script)
        self.default = default
        self.calls: list[OutgoingSms] = []
        self.delivered: list[OutgoingSms] = []

    async def send(self, sms: OutgoingSms) -> str:
        self.calls.append(sms)
        outcome = self.script.pop(0) if self.script else self.default
        if isinstance(outcome, BaseException):
            raise outcome
        self.delivered.append(sms)
        return f"gw-{len(self.calls)}"

    async def aclose(self) -> None:
        return None
