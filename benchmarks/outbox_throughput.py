"""Outbox throughput on PostgreSQL: messages per second with 1 and 2 workers.

Each run gets a fresh database with N queued invitation SMS; real
`survey-service worker` processes send them to the stand-in GatewayAPI on
127.0.0.1 (which always accepts). The rate is measured from the first to the
last message the gateway accepted (steady state), and also from worker start
(including process start-up).

Usage::

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python benchmarks/outbox_throughput.py [--messages 3000] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
from pathlib import Path

from _outbox_common import (
    GATEWAY_TOKEN,
    admin_url,
    prepare,
    start_worker,
    stop_workers,
    worker_env,
)

from survey_service.db.scratch import create_scratch_database, drop_scratch_database
from survey_service.distribution.standin import Behaviour, StandinGateway


def run(admin: str, messages: int, workers: int, batch: int, log_dir: Path) -> dict[str, float]:
    name = f"bench_outbox_tp_{os.getpid()}_{workers}"
    url = asyncio.run(create_scratch_database(admin, name))
    try:
        asyncio.run(prepare(url, messages))
        gateway = StandinGateway(Behaviour(token=GATEWAY_TOKEN)).start()
        first: list[float] = []
        lock = threading.Lock()
        original = gateway._accept

        def timed_accept(payload):  # note when the first message arrives
            with lock:
                if not first:
                    first.append(time.perf_counter())
            return original(payload)

        gateway._accept = timed_accept  # type: ignore[method-assign]
        env = worker_env(url, gateway.url, SMS_BATCH_SIZE=str(batch), SMS_POLL_SECONDS="0.2")
        started = time.perf_counter()
        procs = [start_worker(env, f"tp{workers}-{i}", log_dir) for i in range(workers)]
        try:
            while gateway.stats()["unique"] < messages:
                if any(p.poll() is not None for p in procs):
                    raise SystemExit(f"a worker exited early; see {log_dir}")
                if time.perf_counter() - started > 600:
                    raise SystemExit("no progress for 10 minutes")
                time.sleep(0.005)
            done = time.perf_counter()
        finally:
            stop_workers(procs)
            gateway.stop()
        stats = gateway.stats()
        return {
            "steady": messages / (done - first[0]),
            "wall": messages / (done - started),
            "duplicates": stats["duplicates"],
        }
    finally:
        asyncio.run(drop_scratch_database(admin, name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=20, help="SMS_BATCH_SIZE per worker")
    args = parser.parse_args()
    admin = admin_url(args.database_url)
    log_dir = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    print(
        f"outbox throughput, PostgreSQL, {args.messages:,} messages, batch {args.batch}, "
        f"stand-in gateway on 127.0.0.1, {os.cpu_count()} CPU(s); logs in {log_dir}"
    )
    for workers in args.workers:
        r = run(admin, args.messages, workers, args.batch, log_dir)
        print(
            f"  {workers} worker(s): {r['steady']:7.0f} msg/s steady, "
            f"{r['wall']:7.0f} msg/s incl. start-up, {r['duplicates']} duplicates"
        )


if __name__ == "__main__":
    main()
