"""Distribution: visits in, SMS and QR invitations out (docs/distribution.md).

The web layer (``controllers``, ``pages``) is not imported here: it depends on
the app, which depends on this package.
"""

from survey_service.distribution.gateways import (
    AmbiguousGatewayError,
    GatewayConfigError,
    GatewayError,
    OutgoingSms,
    PermanentGatewayError,
    SmsGateway,
    TransientGatewayError,
    make_gateway,
)
from survey_service.distribution.housekeeping import outbox_stats, requeue_dead, sweep
from survey_service.distribution.intake import (
    IntakeContext,
    Visit,
    VisitOutcome,
    VisitProblems,
    parse_visit,
    register_visit,
    register_visits,
)
from survey_service.distribution.optout import opt_out_by_token, opt_out_phone
from survey_service.distribution.phones import PhoneError, mask_phone, normalise_phone
from survey_service.distribution.rates import RateRow, response_rates
from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact
from survey_service.distribution.worker import RunReport, Worker

__all__ = [
    "AmbiguousGatewayError",
    "GatewayConfigError",
    "GatewayError",
    "IntakeContext",
    "OptOut",
    "OutboxMessage",
    "OutgoingSms",
    "PermanentGatewayError",
    "PhoneError",
    "RateRow",
    "RunReport",
    "SmsContact",
    "SmsGateway",
    "TransientGatewayError",
    "Visit",
    "VisitOutcome",
    "VisitProblems",
    "Worker",
    "make_gateway",
    "mask_phone",
    "normalise_phone",
    "opt_out_by_token",
    "opt_out_phone",
    "outbox_stats",
    "parse_visit",
    "register_visit",
    "register_visits",
    "requeue_dead",
    "response_rates",
    "sweep",
]
