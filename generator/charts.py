"""Activity charts and the topics-by-month heat map: their numbers and geometry.

Pure functions from entries to frozen records; the markup is in the templates
(`digest/chart.html`, `digest/heatmap.html`), which a site may override. Our own code
rather than a charting library: pygal 3.1.3 puts a random id and the day's date in each
chart and loads its tooltips script from a CDN, matplotlib 3.11.2 needs 50 ms a chart
(a digest of 10,000 entries has 441), and neither draws with the palette's colours or
labels a bar's link.

Every chart of a digest spans the same months, the digest's first to its last, so two
terms' charts can be compared; each is scaled to its own busiest month. A bar's x and
width are percentages of the chart's width and its heights are pixels: the SVG has no
viewBox, so it fills any width and its text keeps the page's size on a phone.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

from .group import by_month
from .html import MONTHS
from .model import Entry, Facet, Term

YearMonth = tuple[int, int]

# The chart's vertical layout, in pixels: the busiest month's label above the plot, the
# bars, then one or two lines of axis labels.
TOP = 18
PLOT = 100
AXIS = 14
GAP = 0.15  # the share of a month's column left empty on each side of its bar
SHADES = 4  # the heat map's shades of colour, besides none for an empty month


@dataclass(frozen=True, slots=True)
class MonthCount:
    """How many entries one month has, and where Explore shows them."""

    year: int
    month: int
    count: int
    link: str  # explore filtered to the month (and the term); "" when the month is empty

    @property
    def name(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def short(self) -> str:
        return MONTHS[self.month - 1][:3]


@dataclass(frozen=True, slots=True)
class Bar:
    """One month's column: its bar (`height` 0 for none) and the area its link covers."""

    month: MonthCount
    x: float  # percent of the chart's width: the column's left edge
    width: float  # percent: the column
    bar_x: float  # percent: the bar within it
    bar_width: float
    y: float  # pixels from the top: the bar's top
    height: float  # pixels


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label: `text` at `x` percent, on `line` 1 or 2, `anchor`ed there by its
    start or its middle (an SVG text-anchor)."""

    x: float
    text: str
    line: int
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class YearRow:
    """A row of the chart's table: a year's twelve months (None outside the span)."""

    year: int
    months: tuple[MonthCount | None, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart of entries per month, with its table."""

    title: str
    total: int
    most: int  # the busiest month's count, the top of the scale
    first: str  # the span's first and last months, by name
    last: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    years: tuple[YearRow, ...]
    top: int = TOP
    plot: int = PLOT
    height: int = TOP + PLOT + 2 * AXIS + 4
    axis: int = AXIS  # an axis label line's height
    month_names: ClassVar[tuple[str, ...]] = MONTHS  # the table's columns

    @property
    def base(self) -> int:
        """The y of the bars' baseline."""
        return self.top + self.plot


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell of the heat map: a term's month, its count and shade (0: no entries)."""

    month: MonthCount
    shade: int


@dataclass(frozen=True, slots=True)
class HeatRow:
    term: Term
    total: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Shade:
    """A step of the heat map's legend: counts from `low` to `high` have `level`."""

    level: int
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class HeatMap:
    """Terms (rows) by month (columns), each cell shaded by its count."""

    facet: Facet
    months: tuple[YearMonth, ...]
    years: tuple[tuple[int, int], ...]  # (year, how many of the months are in it), for headers
    rows: tuple[HeatRow, ...]
    shades: tuple[Shade, ...]
    first: str
    last: str
    month_names: ClassVar[tuple[str, ...]] = MONTHS


def span(entries: Sequence[Entry]) -> tuple[YearMonth, ...]:
    """Every month from the first entry's to the last's, empty ones included, oldest first."""
    if not entries:
        return ()
    first = min(e.date for e in entries)
    last = max(e.date for e in entries)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def explore_link(year: int, month: int, facet: Facet | None = None, term: Term | None = None) -> str:
    """Explore's address filtered to one month, and to `term` if given (explore.js reads
    the facet's singular, `from` and `to`)."""
    days = calendar.monthrange(year, month)[1]
    dates = f"from={year:04d}-{month:02d}-01&to={year:04d}-{month:02d}-{days:02d}"
    if facet is None or term is None:
        return f"explore/?{dates}"
    return f"explore/?{quote(facet.singular)}={quote(term.key)}&{dates}"


def counts(
    entries: Sequence[Entry], months: Sequence[YearMonth], facet: Facet | None = None, term: Term | None = None
) -> tuple[MonthCount, ...]:
    """The entries per month of `months` (zero for a month without any)."""
    found = {(m.year, m.month): len(m.entries) for m in by_month(entries)}
    result = []
    for year, month in months:
        n = found.get((year, month), 0)
        result.append(MonthCount(year, month, n, explore_link(year, month, facet, term) if n else ""))
    return tuple(result)


def _percent(value: float) -> float:
    return round(value, 3)  # short, and the same text on every machine


def ticks(months: Sequence[YearMonth]) -> tuple[Tick, ...]:
    """Axis labels sparse enough to read on a phone: up to a year, every month's short
    name with the year under the first and each January; longer, each January's year
    (every other year, or fewer, past twelve years); none at all for one month."""
    n = len(months)
    if n == 0:
        return ()
    width = 100 / n
    if n <= 12:
        # Under the middle of each bar its month's name, and its year under the first and each January's.
        middle = [_percent((i + 0.5) * width) for i in range(n)]
        found = [Tick(middle[i], MONTHS[m - 1][:3], 1, "middle") for i, (_, m) in enumerate(months)]
        found += [Tick(middle[i], str(y), 2, "middle") for i, (y, m) in enumerate(months) if i == 0 or m == 1]
        return tuple(found)
    years = sorted({y for y, _ in months})
    step = -(-len(years) // 12)  # at most twelve labels
    januaries = [(i, y) for i, (y, m) in enumerate(months) if m == 1 and (y - years[0]) % step == 0]
    # The first year is labelled at its first month, when that leaves room before the next label.
    if months[0][1] != 1 and (not januaries or januaries[0][0] >= 4):
        januaries.insert(0, (0, months[0][0]))
    return tuple(Tick(_percent(i * width), str(y), 1) for i, y in januaries)


def activity(title: str, month_counts: Sequence[MonthCount]) -> Chart | None:
    """A chart of the counts; None without months (a digest without entries)."""
    if not month_counts:
        return None
    n = len(month_counts)
    width = 100 / n
    most = max(m.count for m in month_counts)
    bars = []
    for i, month in enumerate(month_counts):
        # A single entry still shows, however busy the busiest month.
        height = round(max(2.0, PLOT * month.count / most), 1) if month.count else 0.0
        bars.append(
            Bar(
                month,
                _percent(i * width),
                _percent(width),
                _percent((i + GAP) * width),
                _percent((1 - 2 * GAP) * width),
                round(TOP + PLOT - height, 1),
                height,
            )
        )
    first, last = month_counts[0], month_counts[-1]
    return Chart(
        title,
        sum(m.count for m in month_counts),
        most,
        first.name,
        last.name,
        tuple(bars),
        ticks([(m.year, m.month) for m in month_counts]),
        _years(month_counts),
    )


def _years(month_counts: Sequence[MonthCount]) -> tuple[YearRow, ...]:
    by_year: dict[int, list[MonthCount | None]] = {}
    for m in month_counts:
        by_year.setdefault(m.year, [None] * 12)[m.month - 1] = m
    return tuple(
        YearRow(year, tuple(row), sum(m.count for m in row if m is not None)) for year, row in sorted(by_year.items())
    )


def shades(most: int, levels: int = SHADES) -> tuple[Shade, ...]:
    """The legend's steps, on a log scale (a few topics have most of the entries): each
    step's top is `most` to the power k/levels, and every step holds at least one count."""
    steps = []
    low = 1
    for level in range(1, levels + 1):
        high = most if level == levels else max(low, round(most ** (level / levels)))
        steps.append(Shade(level, low, high))
        if high >= most:
            break
        low = high + 1
    return tuple(steps)


def shade(count: int, steps: Sequence[Shade]) -> int:
    """A count's level in the legend: 0 for none."""
    for step in steps:
        if count <= step.high:
            return step.level if count else 0
    return steps[-1].level if steps else 0


def heat_map(
    facet: Facet, terms: Sequence[Term], lists: Mapping[str, Sequence[Entry]], months: Sequence[YearMonth]
) -> HeatMap | None:
    """`terms` (the rows, in the order given) by `months`; None without either."""
    rows = [(term, counts(lists[term.key], months, facet, term)) for term in terms]
    if not rows or not months:
        return None
    steps = shades(max(m.count for _, row in rows for m in row) or 1)
    years: dict[int, int] = {}
    for year, _ in months:
        years[year] = years.get(year, 0) + 1
    return HeatMap(
        facet,
        tuple(months),
        tuple(years.items()),
        tuple(
            HeatRow(term, sum(m.count for m in row), tuple(Cell(m, shade(m.count, steps)) for m in row))
            for term, row in rows
        ),
        steps,
        f"{MONTHS[months[0][1] - 1]} {months[0][0]}",
        f"{MONTHS[months[-1][1] - 1]} {months[-1][0]}",
    )
