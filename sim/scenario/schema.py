"""The scenario format: typed, frozen models of every section (the one truth).

The CLI `--set` paths, overlays, the JSON Schema (`parksim schema`) and the
documentation in `scenarios/README.md` all follow these classes. Units are in
the field names or descriptions. Time is in days from the start of the run
(day 0); output is in the park's own value unit per day (e.g. 10k CNY/day).
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario import dates, industries, strict
from sim.scenario.dists import Dist, bounded, fixed
from sim.scenario.ids import (
    Context,
    Declares,
    Kind,
    Provided,
    Provides,
    Ref,
    generated_ids,
    raw_counts,
)

# Every number in a scenario has an upper bound. Together they keep every sum the
# model forms finite (a million firms of the largest output over the longest run stay
# far below float range), and the run-size budget (`limits`, sim/scenario/budget.py)
# sees every size before anything is allocated.
MAX_DAYS = 100_000
"""Largest day or duration, in days (about 270 years: far beyond any horizon,
at most 10,000 days; a larger number is a typo, or `never` written as a number)."""
MAX_COUNT = 100_000_000
"""Largest headcount or count."""
MAX_OUTPUT = 1_000_000_000_000
"""Largest output of one firm, in value units per day (also a subsidy per worker)."""
MAX_RATIO = 1_000_000
"""Largest units of input per unit of output."""
MAX_AMOUNT = 1_000_000_000_000_000
"""Largest amount of goods or money: a supplier's capacity per day, a truck load, a
relief budget (a thousand of the largest firms' output)."""
MAX_BAYS = 100_000
"""Most unloading bays of one transfer station (each is a slot the model keeps)."""
MAX_CASE_RATE = 1000.0
"""Largest outbreak rate per 1,000 staff per day: every worker a case every day."""
MAX_GENERATED = 1_000_000
"""Most firms one `generate` entry makes."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Days = Annotated[
    float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False), BeforeValidator(dates.duration_value)
]
"""A duration in days (how long something takes or lasts; a number, never a date)."""
Day = Annotated[
    float,
    Field(ge=0, le=MAX_DAYS, allow_inf_nan=False),
    BeforeValidator(dates.day_value),
    dates.DAY,
]
"""A day of the run: a number (0 = the first day; a fraction is a moment within the
day) or, when the scenario has `start_date`, a calendar date such as 2022-04-29, which
counts from it (sim/scenario/dates.py). Every key that names a day is of this type."""
Output = Annotated[float, Field(gt=0, le=MAX_OUTPUT, allow_inf_nan=False)]
Ratio = Annotated[float, Field(ge=0, le=MAX_RATIO, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
Ident = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        # no blanks or separators, and no control or invisible characters (NUL,
        # zero-width spaces, bidirectional marks): two ids that print the same
        # must be the same id
        pattern=r"^[^\s,;=\[\]\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+$",
    ),
]


def _not_dots(v: str) -> str:
    if v in (".", ".."):
        raise ValueError("`.` and `..` are not names (results would go to a folder above)")
    return v


FolderName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        # an id that is also a folder name (results/<name>/): no path separators
        pattern=r"^[^\s,;=\[\]/\\\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+$",
    ),
    AfterValidator(_not_dots),
]

KNOWN_TAGS = (
    "backbone",
    "supply_security",
    "specialized",
    "epidemic_supplies",
    "livelihood",
    "supporting",
    "low_labor",
    "foreign_invested",
)
"""Policy tags from docs/model.md; a scenario may declare more in `extra_tags`."""

# --- the kinds of ids --------------------------------------------------------------
# A key that gives something its id is marked `Declares(KIND)`, a key that names it
# `Ref(KIND)`; sim/scenario/refs.py checks every scenario against these marks, and the
# key reference says what each marked key declares or refers to.

REGION = Kind("region")
"""The park's zones and outside regions (`regions[].id`)."""
CONTROL_LEVEL = Kind("control level", listed="defined")
"""Named control levels (the keys of `control_levels`, or the default ones)."""
TAG = Kind(
    "tag",
    listed="known tags",
    note=" (declare new ones in `extra_tags`)",
    builtin=KNOWN_TAGS,
    builtin_doc="the built-in tags",
)
"""Policy tags: the built-in ones and `extra_tags`."""
SECTOR = Kind("sector", listed="sectors")
"""Sectors: those of listed firms, firm classes and registry rows."""
FIRM_CLASS = Kind("firm class")
"""Firm classes (the keys of `firm_classes`)."""
SUPPLIER = Kind("supplier")
"""External suppliers (`suppliers[].id`)."""
FIRM = Kind("firm", distinct_from=(SUPPLIER,))
"""Park firms: listed, generated and from registries. A firm may not have a supplier's
id (an input's `from` names either)."""
STATION = Kind("station")
"""Transfer stations (`logistics.transfer_stations[].id`)."""
RELIEF_MEASURE = Kind("relief measure")
"""Relief measures (`finance.relief.measures[].id`)."""
WHITELIST_BATCH = Kind("white-list batch")
"""White-list batches: named ones (`reopening.whitelists[].id`) and rule-based approvals
(`reopening.approvals[].id`), which release firms the same way."""
CONTINUITY_RULE = Kind("continuity rule")
"""Continuity rules (`continuity[].id`)."""
GOOD = Kind("good")
"""Goods, declared by the input lines that use them."""
PARK = Kind("park")
"""Parks of a region (`parks[].id`)."""
CORRIDOR = Kind("corridor")
"""Freight corridors between parks (`corridors[].id`)."""

Tags = Annotated[list[Annotated[Ident, Ref(TAG)]], Field(max_length=100)]
"""A firm's tags (a handful in practice; a hundred at most)."""
Label = Annotated[str, Field(max_length=1000)]
"""A display name or short label."""
Text = Annotated[str, Field(max_length=100_000)]
"""Free text (a description)."""
# Every distribution field has an upper bound, so that no draw overflows (numpy's
# triangular sampler returns -inf for a range near 1e300); the JSON Schema
# carries the bounds of a bare number.
DelayDist = Annotated[
    Dist,
    AfterValidator(bounded(0, limit=MAX_DAYS)),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_DAYS}),
]
DayDist = Annotated[
    Dist,
    BeforeValidator(dates.dist_day_value),
    AfterValidator(bounded(0, limit=MAX_DAYS)),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_DAYS}),
    dates.DAY,
]
"""A day of the run drawn per replication: a number, a date (with `start_date`), or a
distribution whose days (`from`, `to`, `mode`, ...) may be dates."""
HoursDist = Annotated[
    Dist,
    AfterValidator(bounded(0, limit=24 * MAX_DAYS)),
    Field(json_schema_extra={"minimum": 0, "maximum": 24 * MAX_DAYS}),
]
ShareDist = Annotated[
    Dist, AfterValidator(bounded(0, 1)), Field(json_schema_extra={"minimum": 0, "maximum": 1})
]
OutputDist = Annotated[
    Dist,
    AfterValidator(bounded(0, limit=MAX_OUTPUT)),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_OUTPUT}),
]
CountDist = Annotated[
    Dist,
    AfterValidator(bounded(0, limit=MAX_COUNT)),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_COUNT}),
]
RatioDist = Annotated[
    Dist,
    AfterValidator(bounded(0, limit=MAX_RATIO)),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_RATIO}),
]
LinksDist = Annotated[
    Dist, AfterValidator(bounded(1, 1000)), Field(json_schema_extra={"minimum": 1, "maximum": 1000})
]

Criticality = Literal["critical", "important", "non_critical"]

ONCE_PER_RECIPE = Declares(
    GOOD,
    unique_in="list",
    duplicate="good {name} is already input {first} of this recipe; give each good once "
    "(one line can have several `from`)",
)
"""A good is named by one line of a recipe (a firm's inputs, a class's input rules)."""


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys rejected."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        use_attribute_docstrings=True,
        validate_default=False,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _kind(cls, v: Any, info: ValidationInfo) -> Any:
        """Booleans are not numbers, only true/false are booleans, dates are YYYY-MM-DD."""
        if info.context is DRAWN:  # made by parksim from a class: of the right kinds
            return 0.0 if type(v) is float and v == 0.0 else v
        return strict.check(cls, info.field_name, v)


DRAWN: dict[str, bool] = {"drawn": True}
"""Validation context of a firm drawn from a class (`expand`): its values were made by
parksim as numbers, booleans and text, so their kinds are not checked again (100,000
generated firms: 2.3 million checks)."""


def _one_or_many(s: dict[str, Any]) -> None:
    """JSON Schema of `from:`: one id or a list of ids (the loader accepts both)."""
    array = {k: s.pop(k) for k in ("type", "items", "minItems") if k in s}
    s["anyOf"] = [array["items"], array]


def _as_list(v: object) -> object:
    return [v] if isinstance(v, str) else v


# --- control levels and regions -------------------------------------------------


class ControlLevel(Frozen):
    """What an epidemic control level allows in a zone (Kunshan, undated: zoned, graded control).

    A key not written takes the default below (any firm that applies, after a review,
    with commuting, no freight pass and no cap), not that of a default level of the
    same name: the defaults `lockdown`, `controlled` and `normal` are described at
    `control_levels`."""

    operate: Literal["whitelist", "apply", "all"] = "apply"
    """Who may start reopening: only white-listed firms, any firm that applies, or all."""
    closed_loop_only: bool = False
    """Only firms that can run closed-loop (staff housed on site) may operate."""
    commuting: bool = True
    """Local staff may commute from home."""
    review: bool = True
    """Reopening needs an on-site review by a service team."""
    output_cap: Share = 1.0
    """Ceiling on each firm's output, as a share of its baseline. Typical: 1, no ceiling
    (the articles' levels halt firms or let them run, they cap no output); below 1 for a
    level that lets firms run at part capacity."""
    freight_pass: bool = False
    """Freight crossing into or out of this zone needs a pass."""
    departures: bool | None = None
    """People may leave the zone to go back to work elsewhere: the migrant workers of
    `workforce.origins` from this zone set off only on days it allows (absent: as
    `commuting`, so by default `lockdown` holds them)."""
    rank: int = Field(default=0, ge=0, le=100)
    """Severity: higher is stricter (used when outbreaks raise a zone's level). Typical:
    none, it is an order (the defaults: normal 0, controlled 1, lockdown 2)."""


def default_levels() -> dict[str, ControlLevel]:
    """`lockdown`, `controlled` and `normal` as docs/model.md describes them."""
    return {
        "lockdown": ControlLevel(
            operate="whitelist",
            closed_loop_only=True,
            commuting=False,
            freight_pass=True,
            rank=2,
        ),
        "controlled": ControlLevel(operate="apply", freight_pass=True, rank=1),
        "normal": ControlLevel(operate="all", review=False, rank=0),
    }


class LevelChange(Frozen):
    """From `day` on, the zone is at `level`."""

    day: Day
    """Day the level takes effect (0 = first day)."""
    level: Annotated[Ident, Ref(CONTROL_LEVEL)]
    """Name of a control level (see `control_levels`)."""


class Region(Frozen):
    """The park, or an outside region that suppliers and migrant workers come from."""

    id: Annotated[Ident, Declares(REGION)]
    """Identifier used by firms' and suppliers' `region`."""
    name: Label | None = None
    """Display name."""
    timeline: list[LevelChange] = Field(default_factory=list)
    """Control level over time; before the first entry the zone is `normal` (custom
    `control_levels` without a `normal` need every timeline to start at day 0)."""

    @field_validator("timeline")
    @classmethod
    def _sorted(cls, v: list[LevelChange]) -> list[LevelChange]:
        _in_order_of_day(v, "timeline entries", "entry")
        return v


# --- firms ----------------------------------------------------------------------


class Input(Frozen):
    """One line of a firm's input recipe: a good, where it comes from, and how much."""

    good: Annotated[Ident, ONCE_PER_RECIPE]
    """Name of the good (e.g. `chips`); lost output for lack of it is `input:<good>`."""
    sources: list[Annotated[Ident, Ref(FIRM, SUPPLIER)]] = Field(
        alias="from", min_length=1, json_schema_extra=_one_or_many
    )
    """Firm or external supplier id(s) it is bought from; demand is split equally."""
    per_output: Ratio
    """Units of input (value) per unit of the firm's output. Typical: none in the articles;
    the value of the input per unit of output value (a sector's is in the input-output
    table)."""
    criticality: Criticality = "critical"
    """`critical`: output cannot exceed its availability; `important`: a shortage cuts
    output by `shortage_cut` of the gap; `non_critical`: no effect on output."""
    shortage_cut: Share = 0.5
    """For `important` inputs: share of the shortage gap that is lost output. Typical: none
    in the articles; the default 0.5 is an assumption."""
    stock_days: Days | None = None
    """Initial stock in days of cover at baseline (default: `supply.stock_days`). Typical:
    as `supply.stock_days`."""
    alternative: Annotated[Ident, Ref(FIRM, SUPPLIER)] | None = None
    """Firm or supplier that takes over if a source fails (after `finance.switch_days`)."""

    @field_validator("sources", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return _as_list(v)


class Enterprise(Frozen):
    """One firm in the park."""

    id: Annotated[Ident, Declares(FIRM)]
    """Unique firm id (used by inputs, white lists and outputs)."""
    name: Label | None = None
    """Display name."""
    sector: Annotated[Ident, Declares(SECTOR, unique_in=None)]
    """Sector (capacity is also reported per sector)."""
    region: Annotated[Ident, Ref(REGION)]
    """Zone the firm is in (its control level applies)."""
    firm_class: Annotated[Ident, Ref(FIRM_CLASS)] | None = Field(default=None, alias="class")
    """Class the firm belongs to, for the rules and series given per class. A generated
    firm is of its `generate` entry's class and a registry firm of its row's (or its
    registry's) class; a listed firm's own fields stay as written (the class gives it
    no defaults)."""
    above_scale: bool = False
    """An "above designated size" (规上) firm."""
    baseline_output: Output
    """Pre-shock output per day (value units/day). Typical: none, the firm's own output
    value a day before the shock (registry or statistics)."""
    staff: Count
    """Staff required for full output (headcount). Typical: none, the firm's own headcount
    (Jinshan, 12 May 2022: the alloy firm was at full capacity with 170 staff back)."""
    migrant_share: Share = 0.0
    """Share of staff who are migrants from other regions (must return and quarantine).
    Typical: about 0.18 (Changzhou, 29 Feb 2020: 107k of the 608k workers back came from
    other provinces); more in firms that recruit across provinces."""
    dorm_beds: Count = 0
    """Beds on site: staff who can live in (closed-loop) without commuting. Typical: none in
    the articles; the firm's own beds."""
    bus_seats: Count = 0
    """Point-to-point bus seats: locals brought in under lockdown once the firm is clean.
    Typical: none in the articles; the seats of the buses the firm runs (Jinshan, 12 May
    2022: point-to-point buses for firms without a case for 14 days)."""
    closed_loop: bool = False
    """Can run closed-loop (required to operate under `closed_loop_only` levels)."""
    ramp_days: Days | None = None
    """Days from reopening to full output (default: `reopening.ramp_days`). Typical: 7–15
    (Jinshan, 12 May 2022: the alloy firm was at 100 % on 8 May, 15 days after its freight
    was unblocked on 23 April)."""
    tags: Tags = Field(default_factory=list)
    """Policy tags that white lists, review priority, liaisons, relief and continuity rules
    pick firms by. Built in: `backbone` (head or backbone firms, 头部/骨干),
    `supply_security` (保供), `specialized` (专精特新), `epidemic_supplies` (防疫物资),
    `livelihood` (民生), `supporting` (upstream and downstream suppliers, 上下游配套),
    `low_labor` (few workers, 用工较少), `foreign_invested` (外资); a scenario declares more
    in `extra_tags`."""
    initially_open: bool = False
    """Operating normally at day 0 (not shut by the shock)."""
    cash_days: Days | None = None
    """Cash at day 0, in days of the firm's fixed costs and wages (default:
    `finance.cash_days`; cash is not modelled when both are absent). Typical: none in the
    articles (Kunshan, undated: relief aimed at firms' cash flow); the demo park assumes
    30–150."""
    outbound_share: Share = 0.0
    """Share of output trucked out of the park's zone (needs freight passes when controlled;
    it piles up in the finished-goods store otherwise; Jinshan, 12 May 2022). Typical: none
    in the articles; 0 for a firm selling inside its zone, up to 1 for one whose buyers are
    all outside."""
    inputs: list[Input] = Field(default_factory=list)
    """Input recipe."""


class InputRule(Frozen):
    """How a generated firm draws one input: from named sources or a sector's firms."""

    good: Annotated[Ident, ONCE_PER_RECIPE]
    """Name of the good."""
    sources: list[Annotated[Ident, Ref(FIRM, SUPPLIER)]] = Field(
        default_factory=list, alias="from", json_schema_extra=_one_or_many
    )
    """Candidate firm or supplier ids to draw sources from."""
    from_sector: (
        Annotated[Ident, Ref(SECTOR, unknown="no firm, class or registry row has sector {name}")]
        | None
    ) = None
    """Draw sources among park firms of this sector (instead of, or beside, `from`)."""
    from_parks: list[Annotated[Ident, Ref(PARK)]] = Field(default_factory=list)
    """Draw `from_sector` sources only among firms of these parks (empty: any park)."""
    same_park_share: Share | None = None
    """Chance that each `from_sector` source is drawn from the firm's own park (the rest
    from the other parks allowed); absent: sources are drawn by size wherever they are.
    Typical: none in the articles; most industrial supply stays within a city, while
    electronics and autos buy across the province (Sichuan, 9 May 2022: 100+ suppliers
    in Shanghai and Jiangsu)."""
    links: LinksDist = fixed(1)
    """Number of distinct sources (rounded); capped by the number of candidates. Typical:
    none in the articles; the demo park draws 1–3."""
    per_output: RatioDist
    """Units of input per unit of output. Typical: as
    `enterprises[].inputs[].per_output`."""
    criticality: Criticality = "critical"
    """See `enterprises[].inputs[].criticality`."""
    shortage_cut: Share = 0.5
    """See `enterprises[].inputs[].shortage_cut`. Typical: as
    `enterprises[].inputs[].shortage_cut`."""
    stock_days: DelayDist | None = None
    """Initial stock in days of cover (default: `supply.stock_days`). Typical: as
    `supply.stock_days`."""

    @field_validator("sources", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return _as_list(v)

    @model_validator(mode="after")
    def _some_source(self) -> InputRule:
        if not self.sources and self.from_sector is None:
            raise ValueError("give `from` (firm/supplier ids) or `from_sector`")
        return self


class FirmClass(Frozen):
    """A kind of firm from which `generate:` and CSV registries make concrete firms."""

    sector: Annotated[Ident, Declares(SECTOR, unique_in=None)] | None = None
    """Sector of the firms."""
    region: Annotated[Ident, Ref(REGION)] | None = None
    """Zone of the firms."""
    above_scale_share: Share = 0.0
    """Probability that a generated firm is above designated size. Typical: about 0.3
    (Changzhou, 29 Feb 2020: 4,378 of the 14,366 industrial firms back were above scale)."""
    baseline_output: OutputDist | None = None
    """Pre-shock output per day (value units/day). Typical: as
    `enterprises[].baseline_output` (a lognormal spreads sizes as parks have them)."""
    staff: CountDist | None = None
    """Headcount (rounded). Typical: as `enterprises[].staff`."""
    migrant_share: ShareDist = fixed(0)
    """Share of staff who are migrants. Typical: as `enterprises[].migrant_share`."""
    dorm_beds_share: ShareDist = fixed(0)
    """Dormitory beds as a share of staff. Typical: none in the articles; the demo park
    assumes 0.1–0.4."""
    bus_seats_share: ShareDist = fixed(0)
    """Point-to-point bus seats as a share of staff. Typical: none in the articles; the demo
    park assumes 0.2."""
    closed_loop_share: Share = 0.0
    """Probability that a firm can run closed-loop. Typical: none in the articles."""
    ramp_days: DelayDist | None = None
    """Ramp-up days (default: `reopening.ramp_days`). Typical: as
    `enterprises[].ramp_days`."""
    cash_days: DelayDist | None = None
    """Cash runway in days of fixed costs and wages (default: `finance.cash_days`). Typical:
    as `enterprises[].cash_days`."""
    tags: Tags = Field(default_factory=list)
    """Tags every firm of the class carries."""
    tag_shares: Annotated[dict[Annotated[Ident, Ref(TAG)], Share], Field(max_length=100)] = Field(
        default_factory=dict
    )
    """Tags carried by a random share of the firms, e.g. `{backbone: 0.1}`. Typical: none,
    the park's own mix (Jinshan, 12 May 2022: its third white list put head,
    supply-security, specialised and supporting firms first)."""
    inputs: list[InputRule] = Field(default_factory=list)
    """Input rules."""


class Generate(Frozen):
    """Make `count` firms of a class, with ids `<id_prefix>0001`, `<id_prefix>0002`, ..."""

    firm_class: Annotated[Ident, Ref(FIRM_CLASS)] = Field(alias="class")
    """Name of an entry in `firm_classes`."""
    count: Annotated[int, Field(ge=0, le=MAX_GENERATED)]
    """Number of firms."""
    id_prefix: Ident | None = None
    """Prefix of the generated ids (default: the class name)."""


def generated_firms(generate: Any, context: Context) -> Iterator[Provided]:
    """Ids of the firms each `generate` entry makes (`<id_prefix>0001`, ..., after
    `scale.firms`), none for an entry whose prefix or count is not valid yet."""
    if not isinstance(generate, list):
        return
    counts: dict[int, Any] = raw_counts(context.scenario) or {
        i: g.get("count") for i, g in enumerate(generate) if isinstance(g, dict)
    }
    for i, g in enumerate(generate):
        if not isinstance(g, dict):
            continue
        prefix = g.get("id_prefix", g.get("class"))
        count = counts.get(i)
        if isinstance(prefix, str) and isinstance(count, int) and 0 <= count <= MAX_GENERATED:
            yield Provided(
                FIRM,
                generated_ids(prefix, count),
                (i,),
                clash="makes firm ids already used by another firm or supplier: {names}; "
                "give it a different `id_prefix`",
            )


def registry_firms(registry: Any, context: Context) -> Iterator[Provided]:
    """Ids and sectors of the firms in each registry CSV (its rows were read by the
    loader; a duplicate id among them is reported at its CSV line by `expand`)."""
    for i, rows in context.registry_rows.items():
        yield Provided(FIRM, [str(f["id"]) for _, f in rows if "id" in f], (i,))
        yield Provided(SECTOR, [str(f["sector"]) for _, f in rows if "sector" in f], (i,))


class Scale(Frozen):
    """One knob to size a synthetic park or city."""

    firms: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    """Rescale every `generate` count so that they add up to this many firms,
    keeping the mix of classes (e.g. `--set scale.firms=15000`)."""


LedgerField = Literal[
    "id",
    "name",
    "class",
    "sector",
    "region",
    "above_scale",
    "baseline_output",
    "staff",
    "migrant_share",
    "dorm_beds",
    "bus_seats",
    "closed_loop",
    "ramp_days",
    "tags",
    "initially_open",
    "cash_days",
    "outbound_share",
    "credit_code",
    "industry",
    "ignore",
]
"""What a ledger column is read as (`ignore`: not read)."""
IndustryCode = Annotated[str, Field(pattern=industries.KEY_PATTERN)]
"""A GB/T 4754 code: a 门类 letter, or a 2–4 digit 大类, 中类 or 小类 (letter optional)."""


class Registry(Frozen):
    """A firm ledger (one row per firm): a CSV file or an `.xlsx` workbook by the scenario.

    Chinese column names, credit codes and industry codes are read as planners keep
    them (docs/scenarios.md, "Firm ledgers from Excel")."""

    file: str = Field(min_length=1, max_length=4096, pattern=r"^[^\x00-\x1f\x7f]+$")
    """Path of the CSV file or workbook, relative to the scenario file (a regular file of
    at most `limits.registry_bytes`; yes/no cells take true/yes/y/1/是 or
    false/no/n/0/否)."""
    firm_class: Annotated[Ident, Ref(FIRM_CLASS)] | None = Field(default=None, alias="class")
    """Class giving defaults and input rules to rows without a `class` column."""
    classes: Annotated[
        dict[Annotated[Ident, Ref(SECTOR)], Annotated[Ident, Ref(FIRM_CLASS)]],
        Field(max_length=1000),
    ] = Field(default_factory=dict)
    """Class of the rows of each sector (sector → class), for rows without a `class`
    cell; rows of other sectors take `class`."""
    sheet: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """Worksheet to read from a workbook (default: the first)."""
    encoding: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    """Text encoding of a CSV file (e.g. `gbk`, `utf-8`; default: UTF-8, with or without
    a byte-order mark, else GB18030, which reads GBK)."""
    header_row: Annotated[int, Field(ge=1, le=1000)] | None = None
    """Row (or CSV line, counting records) holding the column names (default: the first
    row not blank); rows above it, such as a title, are not read. Typical: 1–3 (a
    ledger exported from Excel often has a title row or two above its header)."""
    columns: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=200)], LedgerField],
        Field(max_length=1000),
    ] = Field(default_factory=dict)
    """Column names → what they are read as, beyond the built-in ones (e.g. `{企业全称:
    name, 备注2: ignore}`); these win over the built-in names."""
    industries: Annotated[
        dict[IndustryCode, Ident],
        Field(max_length=10_000),
    ] = Field(default_factory=dict)
    """GB/T 4754 industry code → sector, read before the built-in table
    (`sim/scenario/gbt4754_sectors.csv`), the most specific code first: `{"39":
    electronics, "3670": auto_parts, C: manufacturing}` (quote digits: keys are text)."""
    output_per: Literal["day", "month", "year"] = "day"
    """Period the output column covers: a ledger's 工业总产值 is usually a year's (divided
    by 365, or 365/12 for a month, to give output per day)."""

    @field_validator("encoding")
    @classmethod
    def _text_encoding(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            info = codecs.lookup(v)
        except LookupError:
            raise ValueError(f"unknown text encoding {v!r} (e.g. utf-8, gbk, gb18030)") from None
        if not info._is_text_encoding:
            raise ValueError(f"{v!r} is not a text encoding (e.g. utf-8, gbk, gb18030)")
        return v

    @field_validator("industries")
    @classmethod
    def _codes(cls, v: dict[str, str]) -> dict[str, str]:
        """Every key names a GB/T 4754 code (a 大类 that exists, a letter that fits it)."""
        for key in v:
            why = industries.check_key(key)
            if why is not None:
                raise ValueError(f"industry code {key!r} {why}")
        return v


# --- supply ---------------------------------------------------------------------


class Supplier(Frozen):
    """An external producer in another region that park firms buy from."""

    id: Annotated[Ident, Declares(SUPPLIER)]
    """Supplier id (used in inputs' `from`)."""
    name: Label | None = None
    """Display name."""
    region: Annotated[Ident, Ref(REGION)]
    """Region the supplier is in."""
    capacity: Amount
    """Output it can ship per day once open (value units/day). Typical: none, the supplier's
    own output of the goods, in the park's value unit."""
    reopen_day: DayDist = fixed(0)
    """Day it reopens (drawn per replication)."""
    lead_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] = 2.0
    """Days from shipment to arrival at the park. Typical: none in the articles; the days a
    truck takes (the demo park assumes 1–3)."""
    whitelisted: bool = False
    """On its region's white list: ships even while the region's level only lets
    white-listed firms operate."""
    ramp_days: Days | None = None
    """Days from reopening to full capacity, linear: on the k-th day from its reopening day
    (k = 1 on that day, or on the next whole day after a fractional one) it ships at most k
    / ramp_days of its capacity, whether or not its zone lets it ship that day (default
    `supply.supplier_ramp_days`; 0: full capacity at once). Typical: as
    `supply.supplier_ramp_days`."""
    park_share: Share = 1.0
    """Share of its capacity that serves the park (the rest goes to its other customers): it
    ships at most `park_share × capacity` a day to park firms. Typical: none in the
    articles; 1 when the park is its main customer (Sichuan, 9 May 2022: 70+ Sichuan
    electronics firms shared 100+ suppliers in Shanghai and Jiangsu)."""


class Coordination(Frozen):
    """Supply coordination (Sichuan, 9 May 2022: teams pushed 30+ upstream firms to reopen)."""

    start_day: Day = 0.0
    """Day the coordination teams start."""
    speedup: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = 2.0
    """Remaining reopening delay of targeted suppliers is divided by this. Typical: none in
    the articles (Sichuan, 9 May 2022: coordination pushed 30+ of 100+ upstream firms to
    reopen sooner); the default 2 is an assumption."""
    suppliers: list[Annotated[Ident, Ref(SUPPLIER)]] = Field(default_factory=list)
    """Suppliers targeted by name."""
    top_n: Count = 0
    """Also target the N suppliers on which the most park output depends. Typical: about a
    third of the suppliers the park depends on (Sichuan, 9 May 2022: 30+ of 100+)."""


class Supply(Frozen):
    """Stock rules for inputs (days of cover at baseline use)."""

    stock_days: Days = 7.0
    """Default initial stock of every input, in days of cover. Typical: none in the
    articles; the default 7 is an assumption (the demo park's electronics firms hold
    5–15)."""
    reorder_days: Days = 5.0
    """Reorder when stock plus goods on order fall below this many days of cover. Typical:
    none in the articles; the default 5 is an assumption."""
    order_up_to_days: Days = 10.0
    """Order enough to bring stock plus goods on order up to this many days of cover.
    Typical: none in the articles; the default 10 is an assumption. Restocking fast (far
    above `reorder_days`) makes late demand spikes (docs/model.md)."""
    park_lead_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] = 1.0
    """Days from shipment to arrival between two park firms. Typical: 1, a day's trucking
    inside the park (an assumption)."""
    backlog_rule: Literal["proportional", "priority"] = "proportional"
    """How a short source fills its orders: in proportion, or customers in review
    priority order (then firm order)."""
    finished_stock_days: Days = 7.0
    """Finished-goods store of firms that truck output out, in days of baseline outbound
    volume; when full, production stops (cause `output_full`). Typical: none in the
    articles; the default 7 (a week of output) is an assumption."""
    coordination: Coordination = Coordination()
    """Supply coordination lever."""
    supplier_ramp_days: Days = 0.0
    """Days an external supplier takes from reopening to full capacity, linearly, unless it
    gives its own `ramp_days` (0: full capacity the day it reopens). Typical: none in the
    articles; the default 0 keeps the numbers of earlier versions."""

    @field_validator("order_up_to_days")
    @classmethod
    def _not_below_reorder(cls, v: float, info: ValidationInfo) -> float:
        reorder = info.data.get("reorder_days")
        if reorder is not None and v < reorder:
            raise ValueError(f"`order_up_to_days` must not be below `reorder_days` ({reorder:g})")
        return v

    @model_validator(mode="after")
    def _order(self) -> Supply:
        # when `order_up_to_days` is left at its default, the field check above does not run
        if self.order_up_to_days < self.reorder_days:
            raise ValueError(
                f"`order_up_to_days` ({self.order_up_to_days:g}) must not be below "
                f"`reorder_days` ({self.reorder_days:g})"
            )
        return self


class TransferStation(Frozen):
    """A logistics transfer station (物流中转站; Sichuan, 9 May 2022), or a partner firm's yard."""

    id: Annotated[Ident, Declares(STATION)]
    """Station id (used in `logistics.csv` and `bottlenecks.csv`)."""
    name: Label | None = None
    """Display name."""
    opening_day: Day = 0.0
    """Day the station opens."""
    closing_day: Day | None = None
    """Day it closes (never, if absent)."""
    bays: Annotated[int, Field(ge=0, le=MAX_BAYS)] = 1
    """Unloading bays working in parallel (0: nothing is ever cleared). Typical: 1–4; 2 bays
    working 12 h at about 3 h a trip (8 trips a day) reproduce the 83 trips Qingtaishan
    cleared from 23 April to 5 May (Sichuan, 9 May 2022; the Chengdu case); 1 at a partner
    firm's yard (Jinshan, 12 May 2022)."""
    hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)] = 24.0
    """Working hours per day. Typical: 12–24 (12 in the Chengdu case, which reproduces
    Qingtaishan's 83 trips cleared in its first 12 days; Sichuan, 9 May 2022)."""
    handling_hours: HoursDist = fixed(4)
    """Bay time per truck trip (unload, disinfect, reload), in working hours. Typical: 2–4 h
    a trip (about 3 in the Chengdu case; Sichuan, 9 May 2022)."""
    admit_share: Share = 1.0
    """Share of declared trips that pass testing and are admitted. Typical: 0.5–1 (Sichuan,
    9 May 2022: 99 of 177 declared trips admitted at Qingtaishan, 0.56)."""
    admit_per_day: Count | None = None
    """Testing capacity: trips tested per day (no limit if absent). Typical: about 8
    (Sichuan, 9 May 2022: Qingtaishan admitted 99 trips in 12 days)."""
    serves: list[Annotated[Ident, Ref(REGION)]] = Field(default_factory=list)
    """Regions of origin it serves (empty: all)."""
    park: Annotated[Ident, Ref(PARK)] | None = None
    """The park whose inbound freight it handles (absent: freight into any park). A station
    listed by a corridor handles that corridor's freight instead."""
    partner_for: list[Annotated[Ident, Ref(FIRM)]] = Field(default_factory=list)
    """A partner transfer point (Jinshan, 12 May 2022): used only by routes to or from
    these firms."""

    @field_validator("closing_day")
    @classmethod
    def _closes_after_opening(cls, v: float | None, info: ValidationInfo) -> float | None:
        opening = info.data.get("opening_day", 0.0)
        if v is not None and opening is not None and v <= opening:
            raise ValueError(
                f"a station closes after it opens: `closing_day` must be after "
                f"`opening_day` ({opening:g})"
            )
        return v


class PassGrant(Frozen):
    """Passes given on a day to every controlled route of the named firms."""

    day: Day
    """Day of the grant."""
    firms: list[Annotated[Ident, Ref(FIRM)]] = Field(min_length=1)
    """Firm ids."""


class Logistics(Frozen):
    """Freight passes and transfer stations for freight crossing controlled zones."""

    truck_load: Annotated[float, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)] = 10.0
    """Goods per truck trip (value units). Typical: none in the articles; the value of one
    truckload in the park's value unit (20 t of steel at 5,000 CNY/t is 10 when output is in
    10k CNY)."""
    passes_per_day: Count | None = None
    """Passes issued per day to waiting routes and outbound trucks (no limit if absent). A
    route is one source (a park firm or an external supplier) supplying one input of one
    park firm, when the goods cross between zones and either zone's level asks for freight
    passes (`freight_pass`); a pass lets all its trucks through until it expires
    (`pass_valid_days`). A firm that trucks output out (`outbound_share`) asks for one
    outbound pass from the same quota. Passes go to liaised firms first, then by review
    priority, then oldest request first. Typical: a few a day (Jinshan, 12 May 2022: 2
    cross-province passes unblocked one firm; Sichuan, 9 May 2022: 200+ firms declared 177
    truck trips in 12 days, about 15 a day)."""
    grants: list[PassGrant] = Field(default_factory=list)
    """Passes granted explicitly."""
    transfer_stations: list[TransferStation] = Field(default_factory=list)
    """Stations controlled freight must pass through."""
    routing: Literal["nearest", "shortest_queue"] = "shortest_queue"
    """How trips pick a station: the first open one serving their origin, or the
    open one with the fewest trips in it. Partner points always come first."""
    retry_days: Days = 1.0
    """Days before a turned-back trip declares again. Typical: 1, the next day (none in the
    articles)."""
    pass_valid_days: Annotated[float, Field(ge=1, le=MAX_DAYS, allow_inf_nan=False)] | None = None
    """Days a freight pass (a route's or a firm's outbound, issued or granted) is valid,
    counted from the day it is issued, a fraction rounded up (never expires if absent). An
    expired pass is asked for again at once: the route or firm joins the queue for
    `passes_per_day` as a request of that day (after earlier requests of equal priority) and
    ships nothing across the boundary until it holds a pass again. Typical: none in the
    articles; leave it absent unless the place's passes expire."""


# --- reopening, workforce, outbreaks -------------------------------------------


class TopN(Frozen):
    """The `n` largest firms by a size measure."""

    n: Count
    """How many firms. Typical: none, the number the district lists (Jinshan, 12 May 2022:
    its third white list put head firms first)."""
    by: Literal["baseline_output", "staff"] = "baseline_output"
    """Size measure."""


class WhitelistBatch(Frozen):
    """A white-list batch (白名单) released on a day; selects firms explicitly or by rule."""

    id: Annotated[Ident, Declares(WHITELIST_BATCH)] | None = None
    """Name of the batch."""
    day: Day
    """Day the batch is released."""
    firms: list[Annotated[Ident, Ref(FIRM)]] = Field(default_factory=list)
    """Firm ids named explicitly."""
    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Every firm carrying any of these tags."""
    sectors: list[Annotated[Ident, Ref(SECTOR)]] = Field(default_factory=list)
    """Every firm of these sectors."""
    above_scale: bool = False
    """Every above-scale firm."""
    top_n: TopN | None = None
    """The largest firms."""
    suppliers_of_listed: bool = False
    """Park firms that supply firms already listed (upstream support; Jinshan, 12 May 2022).
    In a region, only suppliers in the listed firm's own park, unless parks recognise each
    other's lists (`reopening.mutual_recognition`)."""
    parks: list[Annotated[Ident, Ref(PARK)]] = Field(default_factory=list)
    """Select by `tags`, `sectors`, `above_scale` and `top_n` only among firms of these
    parks (empty: every park); firms named in `firms` are listed wherever they are."""


class Liaison(Frozen):
    """Cadres assigned to key firms (Jinshan, 12 May 2022: groups of 3, each with 3–5 firms)."""

    firms_per_team: Count = 0
    """Firms each service team liaises with; 0 switches liaison off. Typical: 3–5 (Jinshan,
    12 May 2022: groups of 3 cadres, each liaising with 3–5 key firms)."""
    speedup: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = 2.0
    """Delays of liaised firms (application, rectification, migrant return) are divided by
    this. Typical: none in the articles; the default 2 is an assumption."""
    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Only firms with one of these tags get a liaison (empty: any firm, by priority)."""
    across_parks: bool = False
    """Coordination across parks: the suppliers of liaised firms in other parks of the
    region are liaised too (their applications, rectification, passes and returning staff
    come faster). Typical: none in the articles (Sichuan, 9 May 2022: teams pushed upstream
    firms in other provinces to reopen)."""


class PriorityGroup(Frozen):
    """A place in the review priority order for firms of a class and/or size, not a tag.

    Firms of the class, above scale (or not), or both: all conditions given must hold.

    Lower review priority is one reason small and medium firms lagged the above-scale
    (规上) ones in 2020 (docs/model.md, "A 2020 lag of small firms")."""

    firm_class: Annotated[Ident, Ref(FIRM_CLASS)] | None = Field(default=None, alias="class")
    """Firms of this class."""
    above_scale: bool | None = None
    """Above-scale firms (true) or the smaller ones (false)."""

    @model_validator(mode="after")
    def _some_condition(self) -> PriorityGroup:
        if self.firm_class is None and self.above_scale is None:
            raise ValueError(
                "give `class` or `above_scale` (or both); a tag is written as its name alone"
            )
        return self


def _priority_kind(v: Any) -> str | None:
    """`tag` for a name, `group` for a mapping with a group's key (else: not an entry)."""
    if isinstance(v, str):
        return "tag"
    if isinstance(v, PriorityGroup):
        return "group"
    if isinstance(v, dict) and any(v.get(k) is not None for k in ("class", "above_scale")):
        return "group"
    return None


PriorityEntry = Annotated[
    Annotated[Ident, Ref(TAG), Tag("tag")] | Annotated[PriorityGroup, Tag("group")],
    Discriminator(
        _priority_kind,
        custom_error_type="priority_entry",
        custom_error_message="expected a tag, or a group such as {above_scale: true} or "
        "{class: NAME}",
    ),
]
"""A tag, or a group of firms by class and size."""

APPLY_GROUP_KEYS = ("class", "tags", "batch")
"""Keys that pick the firms of an `apply_days_by` rule, in increasing precedence."""


class ApplyDaysRule(Frozen):
    """Preparation time of one group of firms: exactly one of `class`, `tags`, `batch`.

    Instead of the park's `apply_days` (Linyi, 28 Feb 2020: ready firms at once, partly
    ready ones in phases; white-listed firms were listed because they were ready)."""

    firm_class: Annotated[Ident, Ref(FIRM_CLASS)] | None = Field(default=None, alias="class")
    """Firms of this class."""
    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Firms carrying any of these tags."""
    batch: Annotated[Ident, Ref(WHITELIST_BATCH)] | None = None
    """Firms released by this white-list batch or approval rule (see `released_by` in
    docs/model.md): it listed them before they started reopening."""
    apply_days: DelayDist
    """Days from being allowed to applying, for these firms (drawn for every firm from this
    rule's own random stream). Typical: as `reopening.apply_days`."""

    @model_validator(mode="after")
    def _one_group(self) -> ApplyDaysRule:
        given = [
            k
            for k, v in zip(APPLY_GROUP_KEYS, (self.firm_class, self.tags, self.batch), strict=True)
            if v
        ]
        if len(given) != 1:
            what = "none" if not given else " and ".join(f"`{k}`" for k in given)
            raise ValueError(
                f"give exactly one of `class`, `tags`, `batch` to say which firms (got {what})"
            )
        return self

    def group(self) -> tuple[str, str]:
        """(`class`, `tags` or `batch`; the group's name): `tags` names are sorted and
        joined by `+`, so that the group does not depend on the order they are written."""
        if self.batch is not None:
            return "batch", self.batch
        if self.tags:
            return "tags", "+".join(sorted(set(self.tags)))
        return "class", str(self.firm_class)


class ApprovalEligibility(Frozen):
    """Which firms an approval rule may approve (all conditions given must hold)."""

    classes: list[Annotated[Ident, Ref(FIRM_CLASS)]] = Field(default_factory=list)
    """Firms of these classes (empty: any)."""
    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Firms with any of these tags (empty: any)."""
    sectors: list[Annotated[Ident, Ref(SECTOR)]] = Field(default_factory=list)
    """Firms of these sectors (empty: any)."""
    above_scale: bool | None = None
    """Only above-scale firms (true), only smaller firms (false), or both (absent)."""
    closed_loop: bool | None = None
    """Only firms that can run closed-loop (true), only those that cannot (false), or both."""
    max_staff: Count | None = None
    """Only firms with at most this many staff. Typical: 1,000 for small and medium, 300 for
    small, 20 for micro industrial firms (below these; China's 2011 size classes,
    中小企业划型标准规定)."""
    parks: list[Annotated[Ident, Ref(PARK)]] = Field(default_factory=list)
    """Only firms of these parks (empty: any): a district's own approvals."""


class Approval(Frozen):
    """Rule-based approvals: a number or a share of eligible firms approved each day.

    A district reviews eligible firms alongside the city's named batches (Linyi, 28 Feb
    2020: the development zone reviewed firms' declarations, 申报审核; Jinshan, 12 May
    2022: the district published its own new batch of white-listed firms). An approved
    firm is released as if a white-list batch named it. Give `per_day` or
    `share_per_day`."""

    id: Annotated[Ident, Declares(WHITELIST_BATCH)]
    """Name of the rule (also names the firms it released: `released_by`)."""
    start_day: Day = 0.0
    """First day of approvals (a fractional day: from the next whole day)."""
    end_day: Day | None = None
    """No approvals from this day on (never ends, if absent)."""
    per_day: Count | None = None
    """Firms approved per day. Typical: none in the articles; the firms the district can
    review a day (Linyi, 28 Feb 2020: the zone reviewed firms' declarations)."""
    share_per_day: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    """Share of the firms eligible for the rule (counted at the start of the run) approved
    per day; the running total is rounded down, so 0.1 of 15 firms approves 1, 2, 1, 2, ...
    firms. Typical: none in the articles."""
    eligible: ApprovalEligibility = ApprovalEligibility()
    """Who may be approved. Only firms not yet listed and not yet reopening are."""
    order: Literal["priority", "size", "random"] = "priority"
    """Which eligible firms go first: review priority (`reopening.priority`), largest
    baseline output, or a random order drawn from the rule's own stream; ties by firm
    order."""

    @model_validator(mode="after")
    def _one_rate(self) -> Approval:
        if (self.per_day is None) == (self.share_per_day is None):
            raise ValueError("give exactly one of `per_day` and `share_per_day`")
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ValueError(
                f"`end_day` ({self.end_day:g}) must be after `start_day` ({self.start_day:g})"
            )
        return self


class MutualRecognition(Frozen):
    """Mutual recognition of supply-chain white lists between parks (on, or on with a delay)."""

    parks: list[Annotated[Ident, Ref(PARK)]] = Field(default_factory=list)
    """Parks that recognise each other's lists (empty: every park of the region)."""
    delay_days: Days = 0.0
    """Days after a batch is released before the other parks list its firms' suppliers
    (rounded up; 0: the same day). Typical: none in the articles; 0 assumes the other
    parks act on the list the day it is released."""


class Reopening(Frozen):
    """White lists, the on-site review queue, service teams and ramp-up."""

    service_teams: Annotated[int, Field(ge=1, le=1_000_000)] = 5
    """Teams reviewing applications on site, one firm at a time each. Typical: one team per
    3–5 firms to reopen (Jinshan, 12 May 2022: 1,000+ cadres in groups of 3, some 330
    groups, for 1,100+ reopened firms; Changzhou, 29 Feb 2020: every firm's reopening
    reviewed on site)."""
    review_days: DelayDist = fixed(1)
    """Time a team spends on one review (days). Typical: 0.1–2 (none in the articles; the
    cases assume 0.1–2)."""
    fail_prob: Share = 0.1
    """Probability that a firm fails review and must rectify. Typical: none in the articles;
    the cases assume 0–0.15."""
    rectify_days: DelayDist = fixed(3)
    """Days to rectify after a failed review, before re-applying. Typical: none in the
    articles; the cases assume 1–5."""
    apply_days: DelayDist = fixed(0)
    """Days from being allowed (listed or zone opened) to applying: preparation. Typical: 0
    for ready firms, weeks for partly ready ones (Linyi, 28 Feb 2020: ready firms at once,
    partly ready ones in phases)."""
    apply_days_by: list[ApplyDaysRule] = Field(default_factory=list)
    """Preparation time per class, tag or batch, instead of `apply_days`. A firm takes
    the rule of the batch that released it, else the first rule naming one of its tags,
    else the first naming its class, else `apply_days` (batch > tags > class > park)."""
    closed_loop_apply_factor: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0
    """Preparation time of firms that can run closed-loop is multiplied by this (ready
    firms: housing, staff on site; 0.5 halves it). Typical: none in the articles; the
    default 1 gives closed-loop firms no head start."""
    priority: list[PriorityEntry] = Field(default_factory=list)
    """Review priority order: tags and groups such as `{above_scale: true}` or
    `{class: NAME}` (Linyi, 28 Feb 2020: epidemic_supplies, livelihood, backbone,
    low_labor). A firm takes the place of the first entry it matches; ties by
    application time, then firm order."""
    ramp_days: Days = 7.0
    """Default days from reopening to full output. Typical: 7–15 (see
    `enterprises[].ramp_days`)."""
    ramp_shape: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0
    """Ramp curve: cap on day k after reopening is min(1, (k / ramp_days) ** ramp_shape).
    Typical: 1, linear (none in the articles)."""
    whitelists: list[WhitelistBatch] = Field(default_factory=list)
    """White-list batches."""
    approvals: list[Approval] = Field(default_factory=list)
    """Rule-based approvals, released each day after that day's white-list batches."""
    liaison: Liaison = Liaison()
    """Liaison cadres."""
    mutual_recognition: MutualRecognition | None = None
    """Parks of a region recognise each other's supply-chain white lists (Yangtze River
    Delta, spring 2022): a batch with `suppliers_of_listed` also lists the listed firms'
    suppliers in the other recognising parks, which then reopen under their own park's
    rules. Absent: each park's lists stop at its boundary."""

    @field_validator("apply_days_by")
    @classmethod
    def _groups_once(cls, v: list[ApplyDaysRule]) -> list[ApplyDaysRule]:
        first: dict[tuple[str, str], int] = {}
        for i, rule in enumerate(v):
            k = first.setdefault(rule.group(), i)
            if k != i:
                kind, name = rule.group()
                raise ValueError(
                    f"item {i} gives the preparation time of {kind} {name} again (first in "
                    f"item {k}); give each group once"
                )
        return v


# --- continuity -------------------------------------------------------------------


class ContinuityRule(Frozen):
    """Firms that never fully stopped: a share of their output under levels that halt them.

    Under the listed levels they keep running although the level halts them, before and
    outside any white list (continuous-process plants such as chemicals, steel, glass and
    wafers; sealed closed loops). Firms are picked by any of `classes`, `tags`,
    `sectors`, `firms` (none given: every firm), then narrowed by `closed_loop_only`."""

    id: Annotated[Ident, Declares(CONTINUITY_RULE)] | None = None
    """Name of the rule (overlays merge rules by it)."""
    classes: list[Annotated[Ident, Ref(FIRM_CLASS)]] = Field(default_factory=list)
    """Firms of these classes."""
    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Firms carrying any of these tags."""
    sectors: list[Annotated[Ident, Ref(SECTOR)]] = Field(default_factory=list)
    """Firms of these sectors."""
    firms: list[Annotated[Ident, Ref(FIRM)]] = Field(default_factory=list)
    """Firms named by id."""
    closed_loop_only: bool = False
    """Only those of the picked firms that can run closed-loop (a sealed loop)."""
    levels: list[Annotated[Ident, Ref(CONTROL_LEVEL)]] = Field(default_factory=list)
    """Control levels under which they keep running (empty: every level that halts them)."""
    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    """Share of baseline output they keep; the rest is lost to `not_allowed`. Typical: none
    in the articles; what the plant kept running at, from its own report."""


class ReturnPoint(Frozen):
    """By `day`, a `share` of the workers (migrants, or locals) have returned."""

    day: Day
    """Day."""
    share: Share
    """Cumulative share returned. Typical: 0.8 within a week of chartered buses at one site
    (Changzhou, 29 Feb 2020: an expressway site had 450 workers back, 80 % of those planned,
    from 23 Feb)."""


def _return_curve(v: list[ReturnPoint] | None) -> list[ReturnPoint] | None:
    """At least one point; days and shares both non-decreasing."""
    if v is None:
        return v
    if not v:
        raise ValueError("give at least one point")
    days = [p.day for p in v]
    shares = [p.share for p in v]
    if days != sorted(days) or shares != sorted(shares):
        raise ValueError("days and shares must both be non-decreasing")
    return v


MAX_TRAVEL_DAYS = 30
"""Longest journey home-to-park of a migrant worker, in days (each day of it costs a
row of the arrival ring; a longer one is a typo, or a quarantine meant elsewhere)."""


class Origin(Frozen):
    """A region a share of each firm's migrant workers come from, and their journey.

    They set off only once the region's control level lets people leave
    (`departures`), travel, then quarantine."""

    region: Annotated[Ident, Ref(REGION)]
    """Region they come from (its `timeline`, and any raise, gate their departure)."""
    share: Share
    """Share of each firm's migrants from this region. Typical: none, the firm's own split
    of its migrants by home region."""
    travel_days: Annotated[float, Field(ge=0, le=MAX_TRAVEL_DAYS, allow_inf_nan=False)] = 1.0
    """Days on the road (rounded up) from setting off to arriving at the park. Typical: 1–2
    (none in the articles)."""
    leave_over_days: Days = 0.0
    """Once their region lets them go they set off evenly over this many days of departures
    allowed (0: all on the first such day); a day their region holds them again does not
    count. A liaison divides it by its speedup. Typical: none in the articles; the default 0
    sends all on the first day allowed."""


def _origin_shares(v: list[Origin]) -> list[Origin]:
    """The origins' shares of a firm's migrants add up to 1 at most."""
    total = math.fsum(o.share for o in v)
    if total > 1 + 1e-9:
        shares = " + ".join(f"{o.share:g}" for o in v)
        raise ValueError(
            f"the shares of the origins add up to {total:g} ({shares}); they must not "
            "exceed 1 (the migrants of no listed origin follow `migrant_return`)"
        )
    return v


Origins = Annotated[list[Origin], AfterValidator(_origin_shares)]


class Housing(Frozen):
    """On-site housing that grows day by day under closed-loop rules, up to a ceiling.

    Firms allowed to run turn meeting rooms and workshops into dormitories and rent
    rooms nearby, so the staff they can hold rises over days."""

    growth_per_day: Share
    """Beds added per day, as a share of the firm's staff. Typical: none in the articles."""
    ceiling_share: Share = 1.0
    """The firm's dormitory beds plus those added reach at most this share of its staff (a
    firm with more dormitory beds adds none). Typical: none in the articles; up to 1 for a
    plant sealed with all its staff."""
    starts: Literal["allowed", "open"] = "allowed"
    """When the firm starts adding beds. `allowed`: the first day it is allowed to
    operate (white-listed, or its zone's level admits it), so it prepares beds while it
    waits for its review; `open`: the first day it operates. Only a day on which its
    zone forbids commuting counts. It adds one day's beds on that first day; beds once
    added stay."""


class HotelBeds(Frozen):
    """From `day` on, `beds` beds in hotels and apartments near the park, for staff.

    Rooms rented for closed-loop staff (Changzhou, 29 Feb 2020: 100 furnished talent
    apartments offered free to firms' managers)."""

    day: Day
    """Day from which the rooms are available (a fractional day: from the next whole
    day); until the next entry."""
    beds: Count
    """Beds available park-wide, shared among operating firms by priority together with
    `employee_station_beds`. Typical: hundreds (Changzhou, 29 Feb 2020: 100 furnished talent
    apartments, free)."""


class WorkforceClass(Frozen):
    """Workforce rules of one firm class, replacing the park-wide ones of the same key."""

    local_return: list[ReturnPoint] | None = None
    """As `workforce.local_return`, for the firms of this class."""
    origins: Origins | None = None
    """As `workforce.origins`, for the firms of this class (the rest of their migrants
    follow `migrant_return`)."""
    housing: Housing | None = None
    """As `workforce.housing`, for the firms of this class."""

    @field_validator("local_return")
    @classmethod
    def _local_monotone(cls, v: list[ReturnPoint] | None) -> list[ReturnPoint] | None:
        return _return_curve(v)


class CharteredBus(Frozen):
    """Chartered buses bringing migrants back in one batch (Changzhou, 29 Feb 2020)."""

    day: Day
    """Day of arrival."""
    seats: Count
    """Seats (migrants brought back), given to firms by priority. Typical: none in the
    articles (Changzhou, 29 Feb 2020: buses in batches from 23 Feb)."""


class Workforce(Frozen):
    """Commuting, housing on site, employee stations, local and migrant return, quarantine."""

    quarantine_days: Days = 14.0
    """Days a returning migrant spends in quarantine before going on post. Typical: 14 (2020
    practice for returnees from other provinces; docs/model.md)."""
    migrant_return: list[ReturnPoint] = Field(
        default_factory=lambda: [ReturnPoint(day=0, share=1.0)]
    )
    """Cumulative share of migrants back by day (linear between points; none before the
    first). Absent: every migrant is back on day 0 (`[{day: 0, share: 1}]`); like every
    arrival they then spend `quarantine_days` in quarantine, so by default they are on post
    from day 14. Migrants of listed `origins` follow their region instead."""
    chartered_buses: list[CharteredBus] = Field(default_factory=list)
    """Extra batch returns by chartered bus, on top of `migrant_return`; a bus also
    fetches migrants of `origins` whose region lets people leave that day."""
    employee_station_beds: Count = 0
    """Park-level beds in employee stations (员工驿站), shared among open firms by priority.
    Typical: hundreds (Changzhou, 29 Feb 2020: 100 furnished talent apartments; Jinshan, 12
    May 2022: talent apartments turned into employee stations)."""
    clean_days_for_bus: Days = 0.0
    """Days without a case before a firm may run point-to-point buses (Jinshan, 12 May 2022:
    14). Typical: 14 (Jinshan, 12 May 2022)."""
    min_crew_share: Share = 0.0
    """Below this share of staff on post a line cannot run at all. Typical: none in the
    articles; the default 0 lets a line run with any crew."""
    local_return: list[ReturnPoint] | None = None
    """Cumulative share of each firm's local staff able to come to work by day (linear
    between points; none before the first): travel quarantine, sealed villages and
    housing compounds, schools shut (Jinshan, 12 May 2022: "epidemic-free" compounds
    and villages released in batches). Absent: every local can come from day 0."""
    origins: Origins = Field(default_factory=list)
    """Regions the migrants come from, each with its share of every firm's migrants;
    shares add up to 1 at most, and the rest follow `migrant_return`."""
    housing: Housing | None = None
    """On-site housing that grows once a firm may run under a level without commuting
    (absent: dormitory beds stay as they are)."""
    hotel_beds: list[HotelBeds] = Field(default_factory=list)
    """Park-wide rented rooms over time, shared by priority with the employee-station
    beds."""
    classes: dict[Annotated[Ident, Ref(FIRM_CLASS)], WorkforceClass] = Field(default_factory=dict)
    """Rules per firm class (`local_return`, `origins`, `housing`), replacing the
    park-wide ones for that class's firms."""

    @field_validator("migrant_return")
    @classmethod
    def _monotone(cls, v: list[ReturnPoint]) -> list[ReturnPoint]:
        return _return_curve(v)  # type: ignore[return-value]

    @field_validator("local_return")
    @classmethod
    def _local_monotone(cls, v: list[ReturnPoint] | None) -> list[ReturnPoint] | None:
        return _return_curve(v)

    @field_validator("hotel_beds")
    @classmethod
    def _hotels_in_order(cls, v: list[HotelBeds]) -> list[HotelBeds]:
        _in_order_of_day(v, "entries", "entry")
        return v


# --- regions of parks -----------------------------------------------------------


class ParkWorkforce(Frozen):
    """A park's own workforce pool: each key given replaces the region-wide one of
    `workforce` for the park's firms (absent: they share the region's)."""

    local_return: list[ReturnPoint] | None = None
    """As `workforce.local_return`, for this park's firms; a firm class's own
    (`workforce.classes`), more specific, wins over it."""
    migrant_return: list[ReturnPoint] | None = None
    """As `workforce.migrant_return`, for this park's firms (their migrants of listed
    `origins` follow their region instead)."""
    chartered_buses: list[CharteredBus] | None = None
    """As `workforce.chartered_buses`; the seats go to this park's firms only."""
    employee_station_beds: Count | None = None
    """As `workforce.employee_station_beds`; the beds serve this park's firms only. Typical: as
    `workforce.employee_station_beds`."""
    hotel_beds: list[HotelBeds] | None = None
    """As `workforce.hotel_beds`; the rooms serve this park's firms only. Stations and hotel
    rooms are pooled key by key: a park that gives only `employee_station_beds` keeps its
    stations to itself and shares the region's hotel rooms."""

    @field_validator("local_return", "migrant_return")
    @classmethod
    def _curve(cls, v: list[ReturnPoint] | None) -> list[ReturnPoint] | None:
        return _return_curve(v)

    @field_validator("hotel_beds")
    @classmethod
    def _hotels_in_order(cls, v: list[HotelBeds] | None) -> list[HotelBeds] | None:
        if v is not None:
            _in_order_of_day(v, "entries", "entry")
        return v


class IndustrialPark(Frozen):
    """One park (or district, or city) of a region: its zones, with their own control
    timelines, and its own service teams, freight passes and workforce pool."""

    id: Annotated[Ident, Declares(PARK)]
    """Identifier used by corridors, white lists and results (`park:<id>`)."""
    name: Label | None = None
    """Display name."""
    zones: list[Annotated[Ident, Ref(REGION)]] = Field(min_length=1, max_length=1000)
    """Entries of `regions` that are this park's zones; every firm's region must be a zone
    of one park. Regions no park lists stay outside regions (suppliers, migrants)."""
    service_teams: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    """This park's own service teams, reviewing only its firms (absent: its firms queue for
    the region's `reopening.service_teams`, shared with every park that gives none).
    Typical: as `reopening.service_teams`."""
    passes_per_day: Count | None = None
    """Freight passes this park issues per day to routes into it and to its firms' outbound
    trucks (absent: the region's `logistics.passes_per_day`, shared with every park that
    gives none). Typical: as `logistics.passes_per_day`."""
    workforce: ParkWorkforce = ParkWorkforce()
    """This park's own workforce pool."""


class Corridor(Frozen):
    """A freight corridor between two parks (the Shanghai–Suzhou corridor of Kunshan's
    electronics cluster): its travel time, its passes and its transfer stations. A truck
    on it that needs a pass (either end's level asks for one) goes through one of its
    stations."""

    id: Annotated[Ident, Declares(CORRIDOR)]
    """Identifier."""
    name: Label | None = None
    """Display name."""
    between: list[Annotated[Ident, Ref(PARK)]] = Field(min_length=2, max_length=2)
    """The two parks it links (freight goes both ways)."""
    lead_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] | None = None
    """Days from shipment to arrival along it (absent: `supply.park_lead_days`). Typical:
    1–2 days within a province (an assumption)."""
    passes_per_day: Count | None = None
    """Passes issued per day to routes along it (absent: the receiving park's passes).
    Typical: 2 or more a day (Jinshan, 12 May 2022: two cross-province passes unblocked one
    firm)."""
    stations: list[Annotated[Ident, Ref(STATION)]] = Field(default_factory=list)
    """Transfer stations on it; absent: its trucks use the receiving park's stations."""

    @field_validator("between")
    @classmethod
    def _two_parks(cls, v: list[str]) -> list[str]:
        if len(v) == 2 and v[0] == v[1]:
            raise ValueError(
                f"a corridor links two different parks; both ends are {v[0]!r} (freight "
                "inside one park needs no corridor)"
            )
        return v


class LevelRaise(Frozen):
    """Outbreaks raise a zone's level: `cases` within `window_days` → `level` for `days`."""

    cases: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    """Cases in the zone that trigger the raise. Typical: none in the articles."""
    window_days: Annotated[float, Field(gt=0, le=365, allow_inf_nan=False)] = 7.0
    """Window over which cases are counted. Typical: 7–14 (none in the articles)."""
    level: Annotated[Ident, Ref(CONTROL_LEVEL)]
    """Level imposed."""
    days: Annotated[float, Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)] = 14.0
    """How long it lasts (extended by further triggers). Typical: 14 (none in the
    articles)."""


MAX_RATE_FACTOR = 1000.0
"""Largest factor of `outbreaks.rate_schedule` (the scheduled rate itself stays within
`MAX_CASE_RATE`)."""


class RatePoint(Frozen):
    """On `day`, the outbreak rate is `factor` times `rate_per_1000_staff_day`."""

    day: Day
    """Day."""
    factor: Annotated[float, Field(ge=0, le=MAX_RATE_FACTOR, allow_inf_nan=False)]
    """Multiplier on the base rate (community pressure: 2 doubles the expected cases).
    Typical: none in the articles."""


class ScreeningPhase(Frozen):
    """A testing phase (核酸检测): from `day`, the rate is multiplied by 1 − coverage × effect.

    Routine testing reaches a `coverage` share of staff on post and prevents an
    `effect` share of the cases among them, until the next phase."""

    day: Day
    """Day the phase starts (a fractional day: from the next whole day)."""
    coverage: Share
    """Share of staff on post tested routinely. Typical: none in the articles; up to 1 where
    all staff on post are tested routinely."""
    effect: Share
    """Share of the cases among tested staff that testing prevents (found before they spread
    and shut the firm). Typical: none in the articles."""


def _in_order_of_day(v: list[Any], what: str, one: str = "entry") -> None:
    """Refuse a list of dated points that goes back in time: `what` names the list
    ("timeline entries"), `one` one of its points."""
    for i in range(1, len(v)):
        if v[i].day < v[i - 1].day:
            raise ValueError(
                f"{what} must be in order of `day`: {one} {i} (day {v[i].day:g}) "
                f"comes after {one} {i - 1} (day {v[i - 1].day:g})"
            )


class Outbreaks(Frozen):
    """Positive cases at operating firms, suspensions and isolation."""

    rate_per_1000_staff_day: Annotated[
        float, Field(ge=0, le=MAX_CASE_RATE, allow_inf_nan=False)
    ] = 0.0
    """Expected cases per 1,000 staff on post per day at an open firm. Typical: none in the
    articles; 0.05 (the demo park) gives a few cases a month among a few thousand staff."""
    closed_loop_factor: Share = 0.3
    """Multiplier on the rate at closed-loop firms. Typical: none in the articles; the
    default 0.3 is an assumption."""
    suspension_days: DelayDist = fixed(7)
    """Days a firm is shut after a case. Typical: 7–14 (none in the articles; Jinshan, 12
    May 2022 asked 14 days without a case before point-to-point buses)."""
    closed_loop_suspension_days: DelayDist = fixed(3)
    """Days a closed-loop firm is suspended after a case. Typical: none in the articles; the
    default 3 is an assumption."""
    suspended_output_share: Share = 0.0
    """Output a closed-loop firm keeps while suspended (partial suspension). Typical: none
    in the articles; the default 0 stops the plant."""
    isolated_per_case: CountDist = fixed(5)
    """Staff isolated per case (close contacts). Typical: none in the articles; the default
    5 is an assumption."""
    isolation_days: Days = 14.0
    """Days isolated staff are off post. Typical: 14 (none in the articles; as
    `workforce.quarantine_days`)."""
    raise_level: LevelRaise | None = None
    """Optional rule raising the zone's level after cases."""
    rate_schedule: list[RatePoint] = Field(default_factory=list)
    """Outbreak pressure over time: the base rate times a factor, linear between
    points, the last point's factor after it, and the base rate (factor 1) before the
    first point; in order of day. Empty: the base rate every day."""
    testing: list[ScreeningPhase] = Field(default_factory=list)
    """Routine testing (核酸检测) lowering the rate: each phase holds from its day until
    the next phase (a step; no testing before the first); in order of day."""
    ramp_after_suspension: bool = False
    """Whether a firm shut by a case ramps up again when its suspension ends (over its
    `ramp_days`, like a reopening) instead of coming back at full speed. True is the
    realistic choice; false keeps the numbers of earlier versions. A closed-loop firm
    that kept part of its output while suspended does not ramp again."""

    @field_validator("rate_schedule")
    @classmethod
    def _schedule_in_order(cls, v: list[RatePoint]) -> list[RatePoint]:
        _in_order_of_day(v, "rate_schedule entries")
        return v

    @field_validator("testing")
    @classmethod
    def _testing_in_order(cls, v: list[ScreeningPhase]) -> list[ScreeningPhase]:
        _in_order_of_day(v, "testing entries")
        return v

    @model_validator(mode="after")
    def _scheduled_rate_bounded(self) -> Outbreaks:
        top = max((p.factor for p in self.rate_schedule), default=1.0)
        if self.rate_per_1000_staff_day * top > MAX_CASE_RATE:
            raise ValueError(
                f"the scheduled rate reaches {self.rate_per_1000_staff_day * top:g} cases per "
                f"1,000 staff-days (`rate_per_1000_staff_day` "
                f"{self.rate_per_1000_staff_day:g} × factor {top:g}); at most "
                f"{MAX_CASE_RATE:g} (a case per worker per day)"
            )
        return self


class Eligibility(Frozen):
    """Which firms a relief measure reaches (all conditions must hold)."""

    tags: list[Annotated[Ident, Ref(TAG)]] = Field(default_factory=list)
    """Firms with any of these tags (empty: any)."""
    sectors: list[Annotated[Ident, Ref(SECTOR)]] = Field(default_factory=list)
    """Firms of these sectors (empty: any)."""
    above_scale: bool | None = None
    """Only above-scale firms (true), only smaller firms (false), or both (absent)."""
    max_staff: Count | None = None
    """Only firms with at most this many staff (small and micro firms). Typical: 1,000 for
    small and medium, 300 for small, 20 for micro industrial firms (below these; China's
    2011 size classes, 中小企业划型标准规定)."""


class ReliefMeasure(Frozen):
    """One relief measure (Kunshan, undated: rent waivers, tax and fee cuts, job-retention
    subsidies, credit), paid from the programme budget."""

    id: Annotated[Ident, Declares(RELIEF_MEASURE)]
    """Name of the measure."""
    kind: Literal["rent_waiver", "tax_cut", "wage_subsidy", "credit_line"]
    """`rent_waiver`: `share` of fixed costs waived; `tax_cut`: `share` of all
    running costs (fees, social insurance) waived; `wage_subsidy`:
    `per_worker_per_day` for every worker kept; `credit_line`: a loan of
    `amount_days` days of running costs, after a review by a service team."""
    start_day: Day = 0.0
    """First day of the measure."""
    days: Days = 90.0
    """How long it runs (rent waivers, tax cuts, subsidies). Typical: none in the articles
    (Kunshan, undated); the default 90 is an assumption."""
    share: Share = 0.0
    """Share of costs waived (rent_waiver, tax_cut). Typical: none in the articles (Kunshan,
    undated: rent waivers, tax and fee cuts)."""
    per_worker_per_day: Annotated[float, Field(ge=0, le=MAX_OUTPUT, allow_inf_nan=False)] = 0.0
    """Subsidy per worker per day (wage_subsidy), in value units. Typical: none in the
    articles (Kunshan, undated: job-retention subsidies)."""
    amount_days: Days = 0.0
    """Loan size in days of the firm's running costs (credit_line). Typical: none in the
    articles (Kunshan, undated: financing support)."""
    only_when_short: bool = True
    """Credit lines: a firm applies only once its cash runs below 10 days of costs."""
    eligible: Eligibility = Eligibility()
    """Who qualifies."""


class Relief(Frozen):
    """The relief programme ("one firm, one policy") and its budget."""

    budget: Amount | None = None
    """Total money the programme may pay (no cap if absent), in value units. Typical: none,
    the programme's own budget (Kunshan, undated, names the measures, not amounts)."""
    measures: list[ReliefMeasure] = Field(default_factory=list)
    """Measures; within a day, firms are paid in review-priority order while budget lasts."""


class Finance(Frozen):
    """Cash: revenue from output, costs that run while closed, failure when cash runs out."""

    cash_days: DelayDist | None = None
    """Default cash runway, in days of fixed costs and wages (absent: cash not modelled).
    Typical: as `enterprises[].cash_days`."""
    margin: Share = 0.35
    """Cash earned per unit of output (value added net of inputs). Typical: none in the
    articles; the default 0.35 is an assumption."""
    fixed_cost_share: Share = 0.15
    """Fixed costs (rent, interest, upkeep) per day as a share of baseline output. Typical:
    none in the articles; the default 0.15 is an assumption."""
    wage_share: Share = 0.15
    """Wages per day as a share of baseline output; they run while closed. Typical: none in
    the articles; the default 0.15 is an assumption."""
    grace_days: Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)] = 14.0
    """Days a firm can stay below zero cash before it fails for good. Typical: none in the
    articles; the default 14 is an assumption."""
    switch_days: Days = 14.0
    """Days for customers of a failed firm to switch to their named alternative. Typical:
    none in the articles; the default 14 is an assumption."""
    relief: Relief = Relief()
    """Relief programme."""


class Observation(Frozen):
    """A published figure the scenario should reproduce, drawn on the plots."""

    day: Day
    """Day of the figure (day 0 = `start_date`)."""
    metric: Literal[
        "capacity",
        "resumption",
        "resumption_weighted",
        "resumption_above_scale",
        "resumed",
        "resumed_above_scale",
        "workforce",
    ]
    """Curve it belongs to (a share, 0..1). An article's 复工率 (firms that have resumed,
    operating today or not) is `resumed`; `resumption` is the share operating today."""
    value: Share
    """Reported value, as a share (0.976 for 97.6 %)."""
    tolerance: Share = 0.0
    """Stated tolerance of the comparison (± share), drawn as an error bar."""
    label: Label = ""
    """Short label, e.g. "above-scale resumption 97.6 %"."""
    source: Label = ""
    """Where it was reported (article, date)."""


class Reporting(Frozen):
    """How summary metrics are read off the curves, and published figures to show."""

    sustain_days: Annotated[int, Field(ge=1, le=365)] = 3
    """Days-to-X% counts the first day capacity stays >= X% for this many days."""
    observations: list[Observation] = Field(default_factory=list)
    """Published figures drawn on `plots/recovery.png` next to the simulated curves."""
    relapse_margin: Share = 0.1
    """A run relapsed when, after capacity reached a level and held it for `sustain_days`
    days, it later fell more than this share of baseline below the level (0.1: ten
    points, so below 70 % after reaching 80 %). Relapses are flagged in `summary.json`,
    the comparison table and the recovery charts; days to the level still count the first
    sustained crossing. Typical: none in the articles; 0.1 is a reading convention."""
    csv_bom: bool = True
    """Start the CSV files of run and comparison folders with a UTF-8 byte-order mark, so
    that Excel (Chinese Windows included) reads names as UTF-8 rather than as GBK; pandas,
    R's readr and parksim read them either way. false for tools that take the mark for
    part of the first column's name (Python's `csv` module opened as `utf-8`, R's
    `read.csv`)."""
    lang: Literal["en", "zh"] = "en"
    """Language of plots, the report and the terminal summary: `en` English, `zh`
    Chinese (简体中文; `--lang` on the command line overrides it). It changes no number."""
    key_firms: list[Annotated[Ident, Ref(FIRM)]] = Field(default_factory=list)
    """Firms whose day-by-day path (waiting for the list, preparing, under review,
    rectifying, ramping, suspended) `key_firms.csv` and the report show; empty: the
    firms tagged `backbone`, then the largest above-scale firms, then the largest, 12 in
    all."""

    @field_validator("key_firms")
    @classmethod
    def _each_firm_once(cls, v: list[str]) -> list[str]:
        twice = sorted({f for f in v if v.count(f) > 1})
        if twice:
            raise ValueError(f"name each key firm once; given more than once: {', '.join(twice)}")
        return v


# --- demand ----------------------------------------------------------------------

MAX_DEMAND_INDEX = 100.0
"""Largest final-demand index (a hundred times the pre-shock orders)."""


class DemandPoint(Frozen):
    """Final demand on `day`, relative to before the shock."""

    day: Day
    """Day of the point (day 0 = first day)."""
    value: Annotated[float, Field(ge=0, le=MAX_DEMAND_INDEX, allow_inf_nan=False)]
    """Demand index: 1 = pre-shock orders, 0.6 = 40 % fewer, 1.3 = a surge (at most 100).
    Typical: none in the articles."""


class FinalDemand(Frozen):
    """Final demand of some sectors over time, as an index of pre-shock orders.

    Final buyers are those outside the park: the domestic market and exports."""

    sectors: list[Annotated[Ident, Ref(SECTOR)]] = Field(default_factory=list)
    """Sectors it applies to (empty: every sector no other entry names)."""
    index: list[DemandPoint] = Field(min_length=1)
    """Index by day, linear between points; the first value holds before the first
    point and the last after the last. Two points on the same day make a step: the
    later one holds from that day."""

    @field_validator("index")
    @classmethod
    def _sorted(cls, v: list[DemandPoint]) -> list[DemandPoint]:
        _in_order_of_day(v, "index points", "point")
        return v


class Demand(Frozen):
    """Orders from park customers and final buyers, and stores of unsold goods.

    A firm sells what its park customers that are operating and its final buyers
    order, and stores the rest while its store has room; then it makes only what
    is ordered (cause `demand`). Absent: no demand limit at all."""

    stock_days: Days = 7.0
    """Store of unsold finished goods, in days of the firm's baseline output (its own store,
    beside the outbound `supply.finished_stock_days`); when full, a firm produces only what
    is ordered. Typical: none in the articles; the default 7 is an assumption."""
    final: list[FinalDemand] = Field(default_factory=list)
    """Final demand index per sector over time (no entry for a sector: 1, its
    pre-shock orders). A firm's final demand is its baseline output less what park
    customers buy from it at baseline (`per_output` × their baseline)."""

    @field_validator("final")
    @classmethod
    def _one_entry_per_sector(cls, v: list[FinalDemand]) -> list[FinalDemand]:
        first: dict[str, int] = {}
        every: int | None = None
        for i, entry in enumerate(v):
            if not entry.sectors:
                if every is not None:
                    raise ValueError(
                        f"entries {every} and {i} both give every sector's index (no "
                        "`sectors`); give one, or name the sectors of the other"
                    )
                every = i
            for s in entry.sectors:
                if s in first:
                    where = "twice" if first[s] == i else f"as entry {first[s]} does"
                    raise ValueError(
                        f"entry {i} names sector {s!r} {where}; give each sector one index"
                    )
                first[s] = i
        return v


# --- budgets -------------------------------------------------------------------


class Limits(Frozen):
    """Budgets on the size of a run, checked before anything is allocated.

    A scenario is refused, at the key that makes it big, when its estimated size
    passes one of these (see `docs/budgets.md`). The defaults are generous: every
    shipped scenario, and the bench city at 100,000 firms, stays far within them.
    Raise one for a run that is meant to be that large, e.g.
    `--set limits.memory_mb=16000`. Limits change no result, so they are not part
    of the scenario recorded with the results."""

    firm_days: Annotated[int, Field(ge=1, le=10**18)] = 10_000_000_000
    """Most firm-days a run may simulate: firms × days × replications (the bench city
    of 15,000 firms simulates about 1.2 million firm-days a second)."""
    memory_mb: Annotated[int, Field(ge=1, le=10**9)] = 4096
    """Most memory, in MB, a run may need by estimate: firms and input lines, the
    day rings of quarantine, isolation and lead times, zone timelines, stations, trucks
    in flight, and the daily records of every replication."""
    trips: Annotated[int, Field(ge=1, le=10**18)] = 100_000_000
    """Most truck trips one replication may send through transfer stations (each takes
    the model about ten microseconds): the goods each input line across a zone boundary
    may order over the run (`order_up_to_days` plus `days` of its use) in loads of
    `logistics.truck_load`, plus one part-load per route and order cycle."""
    events: Annotated[int, Field(ge=1, le=10**18)] = 100_000_000
    """Most discrete events one replication may schedule, by estimate: reviews (a firm
    applies again after each failed review: 1 / (1 − `fail_prob`) on average, every
    hour at most) and truck trips with their admission tests (a turned-back truck is
    tested again every day while `admit_share` is below 1)."""
    registry_bytes: Annotated[int, Field(ge=1, le=10**12)] = 50_000_000
    """Largest registry file, in bytes (a CSV file, or a workbook both as stored and
    unpacked)."""


# --- the scenario ---------------------------------------------------------------


class Scenario(Frozen):
    """A park after an epidemic shock, and the policy levers applied to it."""

    name: FolderName
    """Scenario name; results go to `results/<name>/` by default (so no `/` or `\\`,
    and not `.` or `..`)."""
    description: Text = ""
    """Free text."""
    start_date: dt.date | None = None
    """Calendar date of day 0 (plots then use dates)."""
    days: Annotated[int, Field(ge=1, le=10_000)] = 120
    """Horizon in days."""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 1
    """Root random seed."""
    replications: Annotated[int, Field(ge=1, le=1_000_000)] = 10
    """Replications (independent runs with different random draws)."""
    extra_tags: Annotated[
        list[Annotated[Ident, Declares(TAG, unique_in=None)]], Field(max_length=1000)
    ] = Field(default_factory=list)
    """Tags used in this scenario beyond the built-in ones (listed at
    `enterprises[].tags`)."""
    control_levels: dict[Annotated[Ident, Declares(CONTROL_LEVEL)], ControlLevel] = Field(
        default_factory=default_levels
    )
    """Named control levels. Absent, the three defaults: `lockdown` lets only white-listed
    firms that can run closed-loop operate, after an on-site review, with no commuting,
    nobody leaving the zone and freight only with a pass; `controlled` lets any firm that
    applies operate after an on-site review, with commuting, and freight only with a pass;
    `normal` lets every firm operate at once, with no review and no pass. None of them caps
    output (`output_cap` 1). Given, they replace the defaults (write all three to change
    one), and a level's keys not written take the defaults of `ControlLevel` below, not
    those of the default level of the same name; zones are at `normal` until their
    timeline's first entry, so a set without `normal` needs every zone's timeline to start
    at day 0."""
    regions: list[Region] = Field(min_length=1)
    """The park's zones and outside regions."""
    parks: list[IndustrialPark] = Field(default_factory=list, max_length=1000)
    """A region of several parks, each with its zones, service teams, passes and workforce
    pool (absent: one park made of every zone, as before). See docs/regions.md."""
    corridors: list[Corridor] = Field(default_factory=list, max_length=100_000)
    """Freight corridors between parks of the region."""
    firm_classes: dict[Annotated[Ident, Declares(FIRM_CLASS)], FirmClass] = Field(
        default_factory=dict
    )
    """Firm classes for `generate` and `registry`."""
    enterprises: list[Enterprise] = Field(default_factory=list)
    """Firms listed one by one (generated and registry firms are appended)."""
    generate: Annotated[
        list[Generate],
        Provides(FIRM, hook=generated_firms, doc="the firms `generate` makes"),
    ] = Field(default_factory=list)
    """Firms generated from classes."""
    registry: Annotated[
        list[Registry],
        Provides(FIRM, SECTOR, hook=registry_firms, doc="the rows of `registry` CSV files"),
    ] = Field(default_factory=list)
    """CSV files of firms."""
    scale: Scale = Scale()
    """Size knob for generated firms."""
    suppliers: list[Supplier] = Field(default_factory=list)
    """External suppliers."""
    supply: Supply = Supply()
    """Stock and ordering rules."""
    logistics: Logistics = Logistics()
    """Passes and transfer stations."""
    reopening: Reopening = Reopening()
    """Reopening pipeline."""
    continuity: list[ContinuityRule] = Field(default_factory=list)
    """Firms that keep running at a share of their output under levels that halt them (the
    first rule naming a firm and today's level applies)."""
    workforce: Workforce = Workforce()
    """Workforce rules."""
    outbreaks: Outbreaks = Outbreaks()
    """Outbreaks."""
    finance: Finance = Finance()
    """Cash, relief and failures."""
    demand: Demand | None = None
    """Demand from park customers and final buyers (absent: output is never limited by
    orders)."""
    reporting: Reporting = Reporting()
    """Metric definitions."""
    limits: Limits = Field(default=Limits(), exclude=True)
    """Budgets on the size of the run (not recorded with the results)."""

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate a scenario; a date in a day key counts from the scenario's own
        `start_date`, unless a validation `context` is given (sim/scenario/dates.py)."""
        if kwargs.get("context") is None:
            kwargs["context"] = dates.context(obj)
        return super().model_validate(obj, **kwargs)

    @field_validator("days")
    @classmethod
    def _dates_exist(cls, v: int, info: ValidationInfo) -> int:
        start = info.data.get("start_date")
        if isinstance(start, dt.date):
            try:
                start + dt.timedelta(days=v)
            except OverflowError:
                raise ValueError(
                    f"`start_date` {start} plus {v} days passes the year 9999, the last "
                    "one with dates; give an earlier start_date or fewer days"
                ) from None
        return v

    @field_validator("reporting")
    @classmethod
    def _observed_dates_exist(cls, v: Reporting, info: ValidationInfo) -> Reporting:
        start = info.data.get("start_date")
        if not isinstance(start, dt.date):
            return v
        for i, obs in enumerate(v.observations):
            try:
                start + dt.timedelta(days=math.ceil(obs.day))
            except OverflowError:
                raise ValueError(
                    f"observations[{i}]: `start_date` {start} plus day {obs.day:g} passes the "
                    "year 9999, the last one with dates"
                ) from None
        return v

    @field_validator("parks")
    @classmethod
    def _one_park_per_zone(cls, v: list[IndustrialPark]) -> list[IndustrialPark]:
        owner: dict[str, tuple[int, int]] = {}
        for i, p in enumerate(v):
            for j, z in enumerate(p.zones):
                if z in owner:
                    pi, pj = owner[z]
                    raise ValueError(
                        f"parks[{i}].zones[{j}]: zone {z!r} is already listed at "
                        f"parks[{pi}].zones[{pj}]; a zone belongs to one park"
                    )
                owner[z] = (i, j)
        return v

    @field_validator("corridors")
    @classmethod
    def _one_corridor_per_pair(cls, v: list[Corridor], info: ValidationInfo) -> list[Corridor]:
        if v and not info.data.get("parks"):
            raise ValueError("corridors link parks: give `parks` too")
        pairs: dict[frozenset[str], int] = {}
        for i, c in enumerate(v):
            pair = frozenset(c.between)
            if pair in pairs:
                raise ValueError(
                    f"corridors[{i}] links {c.between[0]!r} and {c.between[1]!r}, as "
                    f"corridors[{pairs[pair]}] does; give each pair of parks one corridor"
                )
            pairs[pair] = i
        return v

    @model_validator(mode="after")
    def _has_firms(self) -> Scenario:
        if not (self.enterprises or self.generate or self.registry):
            raise ValueError(
                "the scenario has no firms: give `enterprises`, `generate` or `registry`"
            )
        return self
