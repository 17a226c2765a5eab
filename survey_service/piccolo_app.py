"""The Piccolo app: every table of the service and its migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from survey_service.accounts.tables import (
    AuditEvent,
    LoginThrottle,
    Membership,
    User,
    UserSession,
)
from survey_service.distribution.tables import OptOut, OutboxMessage, SmsContact, SmsDedup
from survey_service.invitations.tables import Invitation, RateCounter
from survey_service.practices.tables import Practice
from survey_service.questionnaires.tables import QuestionnaireVersion
from survey_service.responses.tables import Answer, Response
from survey_service.results.tables import (
    ReportGap,
    ReportItem,
    ReportRate,
    ReportRevision,
    ReportUnit,
)

APP_CONFIG = AppConfig(
    app_name="survey",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[
        Practice,
        QuestionnaireVersion,
        Invitation,
        Response,
        Answer,
        SmsContact,
        OutboxMessage,
        OptOut,
        SmsDedup,
        RateCounter,
        User,
        Membership,
        UserSession,
        LoginThrottle,
        AuditEvent,
        ReportRevision,
        ReportUnit,
        ReportRate,
        ReportItem,
        ReportGap,
    ],
    migration_dependencies=[],
    commands=[],
)
