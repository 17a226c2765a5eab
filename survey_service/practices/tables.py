"""Storage of practice units."""

from piccolo.columns import Boolean, ForeignKey, Serial, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Practice(Table, tablename="practice"):
    """A practice unit (ydernummer / clinic) that patients give feedback on."""

    #: Piccolo adds this key by itself; declaring it lets the type checker see it.
    id = Serial(primary_key=True)

    code = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200)
    #: provider group / sector, one of ``survey_service.practices.SECTORS``
    sector = Varchar(length=32)
    #: municipality or sub-region, used to group results on regional pages
    region_area = Varchar(length=100, default="")
    #: sha256 of the practice's API key; the key itself is shown once, never stored
    api_key_hash = Varchar(length=64, null=True, default=None, unique=True)
    active = Boolean(default=True)
    #: the unit above this one in the region's tree (region > area > practice,
    #: region > hospital > department > section); NULL at the top
    parent: ForeignKey["Practice"] = ForeignKey(
        references="self", null=True, default=None, on_delete=OnDelete.restrict
    )
