"""Stored results: report revisions, their per-unit rows and response rates.

A build never changes an earlier revision (they stay for audit); a release
stamps ``released_at`` on one revision. Pages read only released revisions
(``results.service``).
"""

from piccolo.columns import (
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_service.practices.tables import Practice


class ReportRevision(Table, tablename="report_revision"):
    """One build of one questionnaire's results for one period."""

    id = Serial(primary_key=True)
    questionnaire = Varchar(length=64)
    #: ``2026-11``, ``2026-Q3`` or ``2026`` (results.periods)
    period = Varchar(length=16)
    #: 1, 2, ... per (questionnaire, period); unique in the database
    revision = Integer()
    built_at = Timestamptz()
    released_at = Timestamptz(null=True, default=None)
    #: set by ``report publish`` (public pages show only published revisions)
    published_at = Timestamptz(null=True, default=None)
    #: how the labels were made: "spec" (ANALYSIS_SPEC 3) or "fdr" (Benjamini-Hochberg)
    label_method = Varchar(length=16, default="spec")
    #: responses the build read (every respondent of the questionnaire in the period)
    responses = Integer(default=0)


class ReportUnit(Table, tablename="report_unit"):
    """One practice's result on one item, or on a domain composite (``item`` empty).

    Numbers are NULL where the unit is suppressed (fewer than 10 answers):
    they are never stored, so no page can show them by mistake.
    """

    id = Serial(primary_key=True)
    revision = ForeignKey(references=ReportRevision, on_delete=OnDelete.cascade)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)
    domain = Varchar(length=32)
    item = Varchar(length=64, default="")
    n = Integer()
    observed = DoublePrecision(null=True, default=None)
    adjusted = DoublePrecision(null=True, default=None)
    se = DoublePrecision(null=True, default=None)
    ci_low = DoublePrecision(null=True, default=None)
    ci_high = DoublePrecision(null=True, default=None)
    reliability = DoublePrecision(null=True, default=None)
    eb = DoublePrecision(null=True, default=None)
    #: share (%) of the best answer, unadjusted; NULL for composites
    top_box = DoublePrecision(null=True, default=None)
    #: 95% Wilson interval of ``top_box`` (%), from its count and answers (migration 0011)
    top_box_low = DoublePrecision(null=True, default=None)
    top_box_high = DoublePrecision(null=True, default=None)
    flag = Varchar(length=20)
    suppressed = Boolean(default=False)
    #: missing adjuster values imputed in this item's fit (ANALYSIS_SPEC 2)
    imputed = Integer(default=0)


class ReportRate(Table, tablename="report_rate"):
    """A practice's invitation funnel over the period (sum of its RateCounter rows)."""

    id = Serial(primary_key=True)
    revision = ForeignKey(references=ReportRevision, on_delete=OnDelete.cascade)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict)
    invited = Integer(default=0)
    sent = Integer(default=0)
    delivered = Integer(default=0)
    failed = Integer(default=0)
    answered = Integer(default=0)
    expired = Integer(default=0)
    opted_out = Integer(default=0)


class ReportItem(Table, tablename="report_item"):
    """The regional parameters of one item, composite or transition at one level.

    Enough to draw a funnel plot from the stored unit rows: the target (mu),
    the within-unit SD and the overdispersion (ANALYSIS_SPEC 4). ``level`` is
    the tree level the units of the fit sit at (``practice`` for the bottom).
    """

    id = Serial(primary_key=True)
    revision = ForeignKey(references=ReportRevision, on_delete=OnDelete.cascade)
    level = Varchar(length=32, default="practice")
    domain = Varchar(length=32)
    #: item id; "" for a domain composite; ``from->to`` for a transition (domain "sector_gap")
    item = Varchar(length=64, default="")
    #: "mean" (0..100 scores) or "proportion" (transitions; mu is then a share 0..1)
    measure = Varchar(length=16, default="mean")
    units = Integer(default=0)
    n = Integer(default=0)
    mu = DoublePrecision(null=True, default=None)
    s_w = DoublePrecision(null=True, default=None)
    tau2 = DoublePrecision(null=True, default=None)
    phi = DoublePrecision(null=True, default=None)


class ReportGap(Table, tablename="report_gap"):
    """A cross-sector transition's gap rate (ANALYSIS_SPEC 7), in percent 0..100.

    ``practice`` NULL is the region's row of the transition (one cell of the
    from x to matrix); otherwise one unit's row for the transition's funnel.
    Numbers are NULL where suppressed (fewer than 10 answers).
    """

    id = Serial(primary_key=True)
    revision = ForeignKey(references=ReportRevision, on_delete=OnDelete.cascade)
    practice = ForeignKey(references=Practice, null=True, default=None, on_delete=OnDelete.restrict)
    from_sector = Varchar(length=32)
    to_sector = Varchar(length=32)
    n = Integer()
    observed = DoublePrecision(null=True, default=None)
    adjusted = DoublePrecision(null=True, default=None)
    se = DoublePrecision(null=True, default=None)
    ci_low = DoublePrecision(null=True, default=None)
    ci_high = DoublePrecision(null=True, default=None)
    flag = Varchar(length=20, default="")
    suppressed = Boolean(default=False)
    #: 95% Wilson interval of ``observed`` (the unadjusted share, %), migration 0011
    observed_low = DoublePrecision(null=True, default=None)
    observed_high = DoublePrecision(null=True, default=None)
