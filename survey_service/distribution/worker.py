"""The SMS worker: claim due messages, compose, send, record; never crash.

Run as ``survey-service worker`` (until SIGTERM/SIGINT) or ``--once`` (drain
what is due now, then exit; for cron or tests). Any number of workers may run
against PostgreSQL; one against SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import socket
from dataclasses import dataclass, field

from survey_service.distribution import housekeeping, outbox
from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    OutgoingSms,
    PermanentGatewayError,
    SmsGateway,
    TransientGatewayError,
    lookup_of,
)
from survey_service.distribution.keys import phone_keys
from survey_service.distribution.messages import compose_sms
from survey_service.distribution.outbox import Claimed
from survey_service.distribution.sealing import SealError, open_phone, unseal_token
from survey_service.distribution.tables import INVITATION, OptOut, SmsContact
from survey_service.distribution.timing import Clock, parse_quiet_hours, utc_now
from survey_service.invitations.counters import bump, month_of
from survey_service.invitations.tables import Invitation
from survey_service.settings import Settings

log = logging.getLogger("survey_service.distribution.worker")

#: How often a long-running worker does its housekeeping (housekeeping.sweep).
SWEEP_SECONDS = 60.0


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    cancelled: int = 0
    #: messages whose link was answered or expired between claim and finish
    gone: int = 0
    #: finishes refused because another worker had taken the message over
    lost_leases: int = 0
    #: retries the provider's lookup showed were sent already (counted in sent)
    found: int = 0
    #: timeouts recorded as sent, not retried: nothing could settle them (in sent)
    unconfirmed: int = 0
    #: the run met quiet hours, so due messages may still be waiting
    quiet: bool = False
    swept: housekeeping.SweepResult = field(default_factory=housekeeping.SweepResult)

    def line(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retried {self.retried}, "
            f"dead {self.dead}, cancelled {self.cancelled}, answered or expired meanwhile "
            f"{self.gone}, lost leases {self.lost_leases}"
            + (f", found already sent {self.found}" if self.found else "")
            + (f", sent unconfirmed {self.unconfirmed}" if self.unconfirmed else "")
            + f"; erased {self.swept.erased} numbers, "
            f"deleted {self.swept.expired} expired links"
            + ("; quiet hours: nothing more sent" if self.quiet else "")
        )


@dataclass(frozen=True)
class _Details:
    #: the number as stored: sealed under PHONE_KEYS (opened only to send)
    phone_sealed: str | None
    sealed_token: str | None
    #: on the opt-out list when the batch was claimed (opting out meanwhile
    #: cancels the message; a send already under way cannot be called back)
    opted_out: bool
    expires_at: dt.datetime
    practice_name: str
    sector: str
    #: where the send is counted if the link is answered before it is recorded
    practice_id: int
    visit_month: str


class Worker:
    def __init__(
        self,
        settings: Settings,
        gateway: SmsGateway,
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock
        self.rng = rng or random.Random()
        self.name = name or f"{socket.gethostname()}:{id(self):x}"
        self.quiet = parse_quiet_hours(settings.sms_quiet_hours)
        self.base_url = settings.public_base_url.rstrip("/")

    def in_quiet_hours(self) -> bool:
        return bool(self.quiet and self.quiet.contains(self.clock()))

    async def run_once(self) -> RunReport:
        """Send everything due now (retries that come due meanwhile included), then stop."""
        report = RunReport(swept=await housekeeping.sweep(self.clock(), self.settings))
        seen: set[int] = set()
        while not self.in_quiet_hours():
            batch = await outbox.claim_due(
                self.clock(), self.settings.sms_batch_size, self.settings.sms_lease_seconds
            )
            if not batch:
                break
            await self.process(batch, report)
            if all(m.id in seen for m in batch):
                break  # only messages failing again at once: leave them to the next run
            seen.update(m.id for m in batch)
        report.quiet = self.in_quiet_hours()
        return report

    async def run_forever(self, stop: asyncio.Event) -> RunReport:
        report = RunReport()
        last_sweep: dt.datetime | None = None
        while not stop.is_set():
            try:
                now = self.clock()
                if last_sweep is None or (now - last_sweep).total_seconds() >= SWEEP_SECONDS:
                    report.swept = await housekeeping.sweep(now, self.settings)
                    last_sweep = now
                batch = (
                    []
                    if self.in_quiet_hours()
                    else await outbox.claim_due(
                        now, self.settings.sms_batch_size, self.settings.sms_lease_seconds
                    )
                )
                if batch:
                    await self.process(batch, report)
                    continue
            except Exception as exc:  # the database may be restarting: wait and go on
                log.warning("worker %s: %s; trying again shortly", self.name, type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.sms_poll_seconds)
        return report

    async def process(self, batch: list[Claimed], report: RunReport) -> None:
        report.claimed += len(batch)
        details = await self._details(batch)
        # Concurrently, so a batch takes about one gateway round trip (or one
        # timeout), well inside the lease.
        await asyncio.gather(
            *(self._deliver(m, details.get(m.invitation_id), report) for m in batch)
        )

    async def _details(self, batch: list[Claimed]) -> dict[int, _Details]:
        ids = list({m.invitation_id for m in batch})
        contacts = {
            r["invitation"]: r
            for r in await SmsContact.select(
                SmsContact.invitation,
                SmsContact.phone_sealed,
                SmsContact.sealed_token,
                SmsContact.opt_out_key,
            ).where(SmsContact.invitation.is_in(ids))
        }
        invitations = await Invitation.select(
            Invitation.id,
            Invitation.expires_at,
            Invitation.practice,
            Invitation.visit_date,
            Invitation.practice.name,
            Invitation.practice.sector,
        ).where(Invitation.id.is_in(ids))
        keys = [c["opt_out_key"] for c in contacts.values() if c["opt_out_key"]]
        opted_out = (
            {
                r["phone_key"]
                for r in await OptOut.select(OptOut.phone_key).where(OptOut.phone_key.is_in(keys))
            }
            if keys
            else set()
        )
        details: dict[int, _Details] = {}
        for inv in invitations:
            contact = contacts.get(inv["id"], {})
            details[inv["id"]] = _Details(
                phone_sealed=contact.get("phone_sealed"),
                sealed_token=contact.get("sealed_token"),
                opted_out=contact.get("opt_out_key") in opted_out,
                expires_at=inv["expires_at"],
                practice_name=inv["practice.name"],
                sector=inv["practice.sector"],
                practice_id=inv["practice"],
                visit_month=month_of(inv["visit_date"]),
            )
        return details

    async def _deliver(self, m: Claimed, d: _Details | None, report: RunReport) -> None:
        try:
            await self._deliver_one(m, d, report)
        except Exception as exc:
            # Never let one message take the worker down. Its lease runs out
            # and it is claimed again later (at least once).
            log.error(
                "message #%d: unexpected %s; left for a later attempt", m.id, type(exc).__name__
            )

    async def _deliver_one(self, m: Claimed, d: _Details | None, report: RunReport) -> None:
        now = self.clock()
        if d is None:
            # The link was answered (or expired and swept) after the claim: its
            # messages went with it. Nothing to send, nothing to record.
            report.gone += 1
            log.info("%s #%d not sent: answered or expired meanwhile", m.kind, m.id)
            return
        reason = self._reason_not_to_send(d, now)
        if reason:
            if await outbox.cancel(m, now, reason):
                report.cancelled += 1
                log.info("%s #%d cancelled: %s", m.kind, m.id, reason)
            else:
                await self._not_ours(m, report)
            return
        assert d.phone_sealed and d.sealed_token
        try:
            token = unseal_token(d.sealed_token, m.invitation_id, self.settings.secret_keys)
            phone = open_phone(d.phone_sealed, m.invitation_id, phone_keys(self.settings))
        except SealError as exc:
            await self._failed(m, str(exc), report, permanent=True)
            return
        text = compose_sms(
            m.kind,
            m.language,
            practice_name=d.practice_name,
            sector=d.sector,
            link=f"{self.base_url}/s/{token}",
            stop_link=f"{self.base_url}/s/{token}/stop",
        )
        sms = OutgoingSms(
            message_id=m.id,
            to=phone,
            body=text.body,
            idempotency_key=m.idempotency_key,
            kind=m.kind,
            encoding=text.encoding,
        )
        lookup = lookup_of(self.gateway)
        try:
            # A retry (after a timeout, a killed worker, or any failure) may
            # follow a send that did reach the provider: ask it first, where it
            # can be asked, so the patient does not get the SMS twice.
            found = (
                await asyncio.wait_for(lookup(sms), timeout=self.settings.sms_timeout_seconds + 5)
                if lookup is not None and m.attempts > 1
                else None
            )
        except TransientGatewayError as exc:
            # Cannot tell whether it went: wait and ask again rather than risk a copy.
            await self._failed(m, str(exc), report)
            return
        except TimeoutError:
            await self._failed(m, f"{self.gateway.name} lookup: no answer", report)
            return
        if found is not None:
            await self._record_sent(m, d, found, report, found_by_lookup=True)
            return
        try:
            # The gateway has its own timeout; this one guards against a
            # gateway object that never returns, so the lease is not outlived.
            provider_id = await asyncio.wait_for(
                self.gateway.send(sms), timeout=self.settings.sms_timeout_seconds + 5
            )
        except PermanentGatewayError as exc:
            await self._failed(m, str(exc), report, permanent=True)
            return
        except AmbiguousGatewayError as exc:
            await self._ambiguous(m, d, str(exc), report)
            return
        except TransientGatewayError as exc:
            await self._failed(m, str(exc), report)
            return
        except TimeoutError:
            await self._ambiguous(m, d, f"{self.gateway.name}: no answer", report)
            return
        except Exception as exc:  # a gateway bug: retry like any other failure
            await self._failed(m, f"{self.gateway.name}: {type(exc).__name__}", report)
            return
        await self._record_sent(m, d, provider_id, report)

    def _can_settle(self) -> bool:
        """Whether a timed-out send can be settled later rather than guessed:
        by a delivery report (the webhook is configured) or by asking the
        provider (a gateway with a lookup)."""
        return bool(self.settings.gatewayapi_webhook_secret) or lookup_of(self.gateway) is not None

    async def _ambiguous(self, m: Claimed, d: _Details, error: str, report: RunReport) -> None:
        """No answer in time: the provider may or may not have the message.

        Where something can settle it, wait for that and retry. Where nothing
        can (GatewayAPI documents no lookup by our reference and no
        idempotency key, and no delivery reports come in), a retry is a blind
        guess that duplicates every message the provider did take; instead the
        message is recorded as sent, unconfirmed, and not repeated (at most
        once). Its reminder is scheduled as usual and is the patient's second
        chance if the first text never arrived; the count of such sends is in
        the rate counters (``unconfirmed``) so the region sees it.
        """
        if self._can_settle():
            await self._failed(m, error, report, ambiguous=True)
        else:
            await self._record_sent(m, d, "", report, unconfirmed=error)

    async def _record_sent(
        self,
        m: Claimed,
        d: _Details,
        provider_id: str,
        report: RunReport,
        found_by_lookup: bool = False,
        unconfirmed: str = "",
    ) -> None:
        if await outbox.mark_sent(
            m, self.clock(), provider_id, self.settings, self.quiet, unconfirmed=unconfirmed
        ):
            report.sent += 1
            if found_by_lookup:
                report.found += 1
            if unconfirmed:
                report.unconfirmed += 1
            how = (
                "found already sent"
                if found_by_lookup
                else "sent, unconfirmed (not retried: nothing can settle a timeout)"
                if unconfirmed
                else "sent"
            )
            # No number here, not even masked: the message id identifies the line.
            log.info("%s #%d %s via %s", m.kind, m.id, how, self.gateway.name)
        elif not await outbox.exists(m.id):
            # Answered (or expired) while the gateway had it: no reminder follows,
            # since the reminder would have been created by this very finish.
            # The SMS did go out (or, unconfirmed, may have), so it still counts as sent.
            report.gone += 1
            if m.kind == INVITATION:
                await bump(
                    d.practice_id,
                    d.visit_month,
                    "sms",
                    sent=1,
                    unconfirmed=1 if unconfirmed else 0,
                )
            log.info("%s #%d sent; its link was answered or expired meanwhile", m.kind, m.id)
        else:
            report.lost_leases += 1
            log.warning("%s #%d sent, but its lease had run out (possible duplicate)", m.kind, m.id)

    async def _not_ours(self, m: Claimed, report: RunReport) -> None:
        """A finish matched no row: the message is gone, or another worker has it."""
        if await outbox.exists(m.id):
            report.lost_leases += 1
        else:
            report.gone += 1

    @staticmethod
    def _reason_not_to_send(d: _Details, now: dt.datetime) -> str | None:
        if d.expires_at <= now:
            return "link expired"
        if d.opted_out:
            return "opted out"
        if not d.phone_sealed or not d.sealed_token:
            return "number erased"
        return None

    async def _failed(
        self,
        m: Claimed,
        error: str,
        report: RunReport,
        permanent: bool = False,
        ambiguous: bool = False,
    ) -> None:
        # A timeout may hide a send: with delivery reports coming in, give one
        # the chance to settle the message before sending it again; with a
        # provider lookup, give the provider time to have recorded it before
        # the retry asks (a request still in flight is not listed yet).
        wait = (
            self.settings.sms_unknown_outcome_wait_seconds
            if ambiguous and self._can_settle()
            else 0.0
        )
        state = await outbox.mark_failed(
            m,
            self.clock(),
            error,
            self.settings,
            self.quiet,
            self.rng,
            permanent=permanent,
            min_wait=wait,
        )
        if state == "dead":
            report.dead += 1
            log.error("%s #%d dead after %d attempt(s): %s", m.kind, m.id, m.attempts, error)
        elif state == "lost":
            await self._not_ours(m, report)
        else:
            report.retried += 1
            log.warning("%s #%d attempt %d failed, will retry: %s", m.kind, m.id, m.attempts, error)
