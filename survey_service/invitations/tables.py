"""Storage of invitations: the only place a survey link's hash lives."""

from piccolo.columns import Boolean, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_service.practices.tables import Practice
from survey_service.questionnaires.tables import QuestionnaireVersion


class Invitation(Table, tablename="invitation"):
    """One single-use survey link for one visit.

    Holds the sha256 of the token, never the token. Nothing here is referenced
    by a response: redeeming an invitation flips ``used`` and writes an
    anonymous response in the same transaction, and the two rows share no key.
    """

    token_hash = Varchar(length=64, unique=True, index=True)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)
    questionnaire_version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict)
    #: how the link reached the patient: ``sms`` or ``receipt`` (QR slip)
    channel = Varchar(length=16)
    #: language the practice system asked for; empty: let the browser decide
    language = Varchar(length=16, default="")
    visit_date = Date()
    expires_at = Timestamptz()
    used = Boolean(default=False)
