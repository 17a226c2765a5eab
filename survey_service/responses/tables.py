"""Storage of anonymous responses and their per-item answers."""

from piccolo.columns import UUID, ForeignKey, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_service.practices.tables import Practice
from survey_service.questionnaires.tables import QuestionnaireVersion


class Response(Table, tablename="response"):
    """One patient's submitted questionnaire, with nothing that identifies them.

    Random UUID keys (not a sequence, which would give away the order of
    submissions), the visit *month* only (migration 0005 enforces the
    ``YYYY-MM`` shape in the database), no invitation or token reference, no
    IP address, user agent, day or time of day.
    """

    id = UUID(primary_key=True)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)
    questionnaire_version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict)
    #: sms | poster | receipt | web  (a case-mix adjuster)
    channel = Varchar(length=16)
    language = Varchar(length=16)
    #: ``YYYY-MM`` of the visit (the answer's own month for the poster)
    visit_month = Varchar(length=7)
    #: the rotating module this patient was given (``slug/version``), "" when
    #: the questionnaire has none: its other modules' items are missing by
    #: design, not unanswered. Random, so it says nothing about the patient.
    module = Varchar(length=64, null=True, default=None)


class Answer(Table, tablename="answer"):
    """One answered item (FHIR linkId + answer code or text)."""

    id = UUID(primary_key=True)
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade)
    item_id = Varchar(length=64, index=True)
    value = Text()
