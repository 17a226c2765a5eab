"""The demo region: invented units modelled on a Danish region's practice sector.

Names are made up; the municipalities are real Central Denmark ones so the
regional pages look like a region. ``older`` is the share of patients aged 65+
in the unit's catchment, ``sicker`` shifts self-rated health downwards: the
demo data needs case-mix differences for adjustment to have work to do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    sector: str
    area: str
    older: float = 0.3
    sicker: float = 0.0


DEMO_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("L1001", "Lægehuset ved Åen", "gp", "Aarhus", older=0.20, sicker=-0.3),
    DemoUnit("L1002", "Lægerne på Trøjborg", "gp", "Aarhus", older=0.15, sicker=-0.4),
    DemoUnit("L1003", "Lægecentret Gellerup", "gp", "Aarhus", older=0.25, sicker=0.5),
    DemoUnit("L1004", "Randers Lægehus", "gp", "Randers", older=0.40, sicker=0.2),
    DemoUnit("L1005", "Lægerne i Skovgade", "gp", "Viborg", older=0.45, sicker=0.3),
    DemoUnit("L1006", "Silkeborg Søpraksis", "gp", "Silkeborg", older=0.35, sicker=0.0),
    DemoUnit("L1007", "Lægehuset Nørregade", "gp", "Horsens", older=0.30, sicker=0.1),
    DemoUnit("L1008", "Herning Midtby Læger", "gp", "Herning", older=0.38, sicker=0.1),
    DemoUnit("L1009", "Skive Fjordpraksis", "gp", "Skive", older=0.55, sicker=0.6),
    DemoUnit("L1010", "Lægerne i Holstebro", "gp", "Holstebro", older=0.42, sicker=0.2),
    DemoUnit("S2001", "Øre-næse-hals klinikken Aarhus", "specialist", "Aarhus", older=0.35),
    DemoUnit("S2002", "Øjenklinikken Viborg", "specialist", "Viborg", older=0.60, sicker=0.2),
    DemoUnit("F3001", "Fysioterapi Vesterbro", "physiotherapy", "Aarhus", older=0.25),
    DemoUnit("F3002", "Horsens Fysio & Træning", "physiotherapy", "Horsens", older=0.35),
    DemoUnit("K4001", "Kiropraktorerne Randers", "chiropractic", "Randers", older=0.20),
    DemoUnit("P5001", "Psykologhuset Silkeborg", "psychology", "Silkeborg", older=0.10, sicker=0.4),
    DemoUnit("T6001", "Tandlægerne ved Torvet", "dentistry", "Herning", older=0.30),
    DemoUnit("D7001", "Fodterapeuten Skive", "podiatry", "Skive", older=0.65, sicker=0.4),
    DemoUnit("H8001", "Regionshospitalet Midt (demo)", "hospital", "Viborg"),
    DemoUnit("Y8101", "Psykiatrisk ambulatorium Vest (demo)", "psychiatry", "Herning"),
    DemoUnit("M8201", "Hjemmeplejen Silkeborg (demo)", "municipality", "Silkeborg"),
)


@dataclass(frozen=True)
class DemoNode:
    """A unit of the demo region's tree that groups others and is not surveyed."""

    code: str
    name: str
    sector: str
    parent: str | None


DEMO_REGION = DemoNode("R1082", "Region Midtjylland (demo)", "region", None)

#: Municipality codes (the official ones) of the areas in DEMO_UNITS. An area
#: unit is named like the practices' ``region_area``, so both groupings agree.
_MUNICIPALITIES: dict[str, str] = {
    "Aarhus": "0751",
    "Randers": "0730",
    "Viborg": "0791",
    "Silkeborg": "0740",
    "Horsens": "0615",
    "Herning": "0657",
    "Skive": "0779",
    "Holstebro": "0661",
}

DEMO_HOSPITAL = "H8001"
#: Units that sit directly under the region rather than under a municipality:
#: the hospital and the regional psychiatry.
_UNDER_REGION = frozenset({DEMO_HOSPITAL, "Y8101"})


def area_code(area: str) -> str:
    return f"A{_MUNICIPALITIES[area]}"


DEMO_STRUCTURE: tuple[DemoNode, ...] = (
    DEMO_REGION,
    *(DemoNode(area_code(area), area, "area", DEMO_REGION.code) for area in _MUNICIPALITIES),
    DemoNode(f"{DEMO_HOSPITAL}-MED", "Medicinsk afdeling (demo)", "department", DEMO_HOSPITAL),
    DemoNode(
        f"{DEMO_HOSPITAL}-MED-AMB",
        "Medicinsk ambulatorium (demo)",
        "section",
        f"{DEMO_HOSPITAL}-MED",
    ),
)


def demo_parent(unit: DemoUnit) -> str:
    """The code of the unit above ``unit`` in the demo tree."""
    return DEMO_REGION.code if unit.code in _UNDER_REGION else area_code(unit.area)
