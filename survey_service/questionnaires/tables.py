"""Storage of the questionnaire versions the service has published."""

from piccolo.columns import JSON, Integer, Serial, Varchar
from piccolo.table import Table


class QuestionnaireVersion(Table, tablename="questionnaire_version"):
    """A published questionnaire version as the service first saw it.

    ``content_hash`` pins the file's content: a published version whose file
    later changes is refused at start-up (published versions are immutable).
    """

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    slug = Varchar(length=64, index=True)
    version = Integer()
    content_hash = Varchar(length=64)
    title = Varchar(length=200)
    #: the expanded definition (modules included) as JSON, so results keep
    #: their wording even if a file is later withdrawn
    definition = JSON()
