"""Storage of the questionnaire versions the service has published."""

from piccolo.columns import JSON, Integer, Varchar
from piccolo.table import Table


class QuestionnaireVersion(Table, tablename="questionnaire_version"):
    """A published questionnaire version as the service first saw it.

    ``content_hash`` pins the file's content: a published version whose file
    later changes is refused at start-up (published versions are immutable).
    """

    slug = Varchar(length=64, index=True)
    version = Integer()
    content_hash = Varchar(length=64)
    title = Varchar(length=200)
    #: the expanded definition (modules included) as JSON, so results keep
    #: their wording even if a file is later withdrawn
    definition = JSON()
