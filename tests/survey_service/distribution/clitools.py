"""Running the real `survey-service` command from async tests."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


async def survey_service(*args: str, env: dict[str, str]) -> Result:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "survey_service",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return Result(process.returncode or 0, out.decode(), err.decode())


def worker_env(clinic, database_url: str, **extra: str) -> dict[str, str]:
    s = clinic.settings
    return {
        "DATABASE_URL": database_url,
        "SMS_BACKEND": s.sms_backend,
        "PUBLIC_BASE_URL": s.public_base_url,
        "SMS_DELAY_MINUTES": str(s.sms_delay_minutes),
        "SMS_QUIET_HOURS": s.sms_quiet_hours,
        "SMS_REMINDER_DAYS": str(s.sms_reminder_days or ""),
        **extra,
    }
