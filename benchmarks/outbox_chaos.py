"""Chaos run of the SMS outbox (security test plan, check 12).

1,000 queued invitation SMS; the stand-in GatewayAPI fails 20% of requests
(HTTP 500) and holds 5% past the client's timeout (half of those it accepts
anyway, so the client cannot know); two real `survey-service worker`
processes send, and twice a random one is killed with SIGKILL and replaced.
Delivery reports (with our idempotency key as ``userref``) come back 0.1-1 s
after each accepted message, as GatewayAPI's webhook would, and settle sends
whose answer was lost. Prints messages lost (must be 0), duplicates (counted,
goal <= 1%), leases that ran out, and phone numbers left in the database.

``--no-reports`` runs GatewayAPI without its delivery webhook. GatewayAPI
documents no lookup by our reference and no idempotency key, so a timed-out
send cannot be settled: the worker records it as sent, unconfirmed, and does
not repeat it (at most once; the reminder is the patient's second chance).
The run then also prints how many were sent unconfirmed and how many of those
the gateway had in fact not taken (the patient's first text lost), and
counts as lost "without trace" only messages neither sent nor so recorded.

``--backend twilio`` runs the same chaos against the stand-in Twilio instead:
there are no delivery reports, and before any retry the worker asks Twilio
whether it already has the message (list by ``To``, match the body), so a
send whose answer was lost is not repeated.

Usage::

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python benchmarks/outbox_chaos.py [--messages 1000] [--seed 12] [--no-reports]
            [--backend gatewayapi|twilio]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import tempfile
import time
from pathlib import Path

from _outbox_common import (
    GATEWAY_TOKEN,
    admin_url,
    bench_settings,
    prepare,
    start_worker,
    stop_workers,
    worker_env,
)

from survey_service.db.scratch import create_scratch_database, drop_scratch_database
from survey_service.distribution.standin import Behaviour, StandinGateway
from survey_service.distribution.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioBehaviour,
    TwilioStandin,
)

#: the fault mix of check 12, for either stand-in
FAULTS = {"fail_rate": 0.20, "timeout_rate": 0.05, "hold_seconds": 1.5, "accept_on_timeout": 0.5}


def twilio_env(url: str) -> dict[str, str]:
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_URL": url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "Region",
    }


async def chaos(url: str, args: argparse.Namespace, log_dir: Path) -> dict[str, object]:
    from survey_service.db import engine_from_url, piccolo_conf, use_engine
    from survey_service.distribution.delivery import record_delivery
    from survey_service.distribution.housekeeping import outbox_stats, sweep
    from survey_service.distribution.outbox import UNCONFIRMED_NOTE
    from survey_service.distribution.tables import OutboxMessage, SmsContact
    from survey_service.distribution.timing import utc_now
    from survey_service.invitations.tables import RateCounter

    rng = random.Random(args.seed)
    use_engine(engine_from_url(url))
    await piccolo_conf.DB.start_connection_pool(min_size=1, max_size=10)
    settings = bench_settings()
    loop = asyncio.get_running_loop()
    reports: set[asyncio.Task] = set()

    async def report_later(userref: str, message_id: int) -> None:
        await asyncio.sleep(rng.uniform(0.1, 1.0))  # the provider's report latency
        await record_delivery(
            {"id": message_id, "status": "DELIVERED", "userref": userref}, settings, utc_now()
        )

    def on_accept(userref: str, message_id: int) -> None:  # called from the server thread
        def schedule() -> None:
            task = loop.create_task(report_later(userref, message_id))
            reports.add(task)
            task.add_done_callback(reports.discard)

        loop.call_soon_threadsafe(schedule)

    twilio = args.backend == "twilio"
    gateway: StandinGateway | TwilioStandin = (
        TwilioStandin(TwilioBehaviour(seed=args.seed, **FAULTS))
        if twilio
        else StandinGateway(Behaviour(token=GATEWAY_TOKEN, seed=args.seed, **FAULTS))
    ).start()
    if not args.no_reports and isinstance(gateway, StandinGateway):
        original = gateway._accept

        def accept(payload):
            message_id = original(payload)
            on_accept(str(payload.get("userref")), message_id)
            return message_id

        gateway._accept = accept  # type: ignore[method-assign]
    env = worker_env(
        url,
        gateway.url,
        SMS_TIMEOUT_SECONDS="0.5",
        SMS_RETRY_BASE_SECONDS="0.2",
        SMS_RETRY_MAX_SECONDS="2",
        SMS_MAX_ATTEMPTS="40",
        SMS_LEASE_SECONDS="6",
        SMS_POLL_SECONDS="0.2",
        SMS_BATCH_SIZE="20",
        SMS_UNKNOWN_OUTCOME_WAIT_SECONDS="3",
        GATEWAYAPI_WEBHOOK_SECRET="" if args.no_reports else "reports-on",
        **(twilio_env(gateway.url) if twilio else {}),
    )
    started = time.perf_counter()
    workers = [start_worker(env, f"chaos-{i}", log_dir) for i in range(2)]
    kill_at = sorted(rng.uniform(1.0, 6.0) for _ in range(2))
    killed = 0
    try:
        while True:
            await asyncio.sleep(0.2)
            elapsed = time.perf_counter() - started
            if killed < len(kill_at) and elapsed >= kill_at[killed]:
                victim = rng.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                killed += 1
                print(
                    f"  t={elapsed:4.1f}s SIGKILL worker {workers[victim].pid}; "
                    "a new one takes its place",
                    flush=True,
                )
                workers[victim] = start_worker(env, f"chaos-r{killed}", log_dir)
            open_messages = await OutboxMessage.count().where(
                OutboxMessage.status.is_in(["pending", "sending"])
            )
            if open_messages == 0 and killed == len(kill_at) and not reports:
                break
            if elapsed > args.limit:
                raise SystemExit(f"not finished after {args.limit}s; logs in {log_dir}")
        elapsed = time.perf_counter() - started
    finally:
        stop_workers(workers)
        # Requests still held are answered (accepted or not) before counting.
        if isinstance(gateway, StandinGateway):
            gateway.wait_idle(FAULTS["hold_seconds"] + 5)
        gateway.stop()
    await sweep(utc_now(), settings)
    keys = {
        r["idempotency_key"]: r["status"]
        for r in await OutboxMessage.select(OutboxMessage.idempotency_key, OutboxMessage.status)
    }
    unconfirmed = {
        r["idempotency_key"]
        for r in await OutboxMessage.select(OutboxMessage.idempotency_key).where(
            OutboxMessage.last_error.like(UNCONFIRMED_NOTE + "%")
        )
    }
    counted = await RateCounter.select(RateCounter.sent, RateCounter.unconfirmed)
    stats = await outbox_stats()
    kept = await SmsContact.count().where(SmsContact.phone_sealed.is_not_null())
    await piccolo_conf.DB.close_connection_pool()
    accepted = gateway.accepted
    # Twilio has no reference of ours: its stand-in counts per body, and each
    # body holds its own link, so one body is one message.
    lost = len(keys) - len(accepted) if twilio else sum(1 for k in keys if accepted.get(k, 0) == 0)
    return {
        "elapsed": elapsed,
        "messages": len(keys),
        "lost": lost,
        "duplicates": sum(n - 1 for n in accepted.values() if n > 1),
        "requests": len(gateway.requests),
        "dead": sum(1 for s in keys.values() if s == "dead"),
        "lease_expiries": stats.lease_expiries,
        "numbers_kept": kept,
        "killed": killed,
        "lookups": len(gateway.lookups) if isinstance(gateway, TwilioStandin) else 0,
        "found": await _found_by_lookup(log_dir),
        "unconfirmed": len(unconfirmed),
        # sent unconfirmed, and the gateway never took it: the first text is lost
        "unconfirmed_lost": sum(1 for k in unconfirmed if accepted.get(k, 0) == 0),
        "counted_sent": sum(r["sent"] for r in counted),
        "counted_unconfirmed": sum(r["unconfirmed"] for r in counted),
    }


async def _found_by_lookup(log_dir: Path) -> int:
    """Retries that the provider's lookup settled, from the workers' logs."""
    return sum(path.read_text().count(" found already sent via ") for path in log_dir.glob("*.log"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--limit", type=float, default=300, help="give up after seconds")
    parser.add_argument(
        "--no-reports", action="store_true", help="no delivery reports: timeouts are simply retried"
    )
    parser.add_argument(
        "--backend",
        choices=["gatewayapi", "twilio"],
        default="gatewayapi",
        help="twilio: no delivery reports; a lookup before each retry",
    )
    args = parser.parse_args()
    if args.backend == "twilio":
        args.no_reports = True  # the Twilio adapter takes no delivery reports
    admin = admin_url(args.database_url)
    name = f"bench_outbox_chaos_{os.getpid()}"
    log_dir = Path(tempfile.mkdtemp(prefix="outbox-chaos-"))
    print(
        f"outbox chaos run, PostgreSQL, {args.messages:,} messages, gateway fails 20% and "
        f"times out 5%, 2 workers, 2 SIGKILLs, delivery reports "
        f"{'off' if args.no_reports else 'on'}, seed {args.seed}; logs in {log_dir}"
    )
    url = asyncio.run(create_scratch_database(admin, name))
    try:
        asyncio.run(prepare(url, args.messages))
        r = asyncio.run(chaos(url, args, log_dir))
    finally:
        asyncio.run(drop_scratch_database(admin, name))
    n = r["messages"]
    print(
        f"  finished in {r['elapsed']:.1f}s, {r['requests']:,} gateway requests "
        f"({r['requests'] / n:.2f} per message)"
    )
    print(f"  lost:        {r['lost']} of {n:,}   (goal 0)")
    print(f"  duplicates:  {r['duplicates']} ({r['duplicates'] / n:.2%})   (goal <= 1%, counted)")
    print(
        f"  dead letters: {r['dead']}; leases that ran out (possible duplicates): "
        f"{r['lease_expiries']}"
    )
    print(f"  phone numbers still stored: {r['numbers_kept']}   (goal 0)")
    if args.backend == "twilio":
        print(
            f"  without delivery reports (Twilio, lookup before each retry): duplicates "
            f"{r['duplicates'] / n:.2%}; {r['lookups']:,} lookups, {r['found']} retries "
            "found already sent"
        )
    elif args.no_reports:
        print(
            f"  without delivery reports (GatewayAPI, no lookup): duplicates "
            f"{r['duplicates'] / n:.2%}"
        )
    silent = r["lost"] - r["unconfirmed_lost"]
    if args.no_reports and args.backend == "gatewayapi":
        print(
            f"  sent unconfirmed (timed out, not retried): {r['unconfirmed']} "
            f"({r['unconfirmed'] / n:.2%}); of these the gateway never took "
            f"{r['unconfirmed_lost']} ({r['unconfirmed_lost'] / n:.2%} of messages: the "
            "first text lost, the reminder is the second chance)"
        )
        print(f"  lost without trace: {silent}   (goal 0)")
    print(
        f"  rate counters: sent {r['counted_sent']:,}, of which unconfirmed "
        f"{r['counted_unconfirmed']}"
    )
    ok = silent == 0 and r["duplicates"] <= 0.01 * n and r["numbers_kept"] == 0
    print(f"  {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
