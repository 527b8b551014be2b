"""Charts drawn on the server as SVG with pygal: no chart JavaScript reaches the browser.

pygal adds a small script for its tooltips; it is removed from the tree before writing,
and the page shows each chart as an <img> (so its own <style> never meets the page's
Content-Security-Policy). Every chart sits beside a table of its numbers for screen readers.
"""

import base64
import math
import sys
from dataclasses import dataclass

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from hallapp.services.reports import HallTime, Table

# pygal appends a legacy import hook (find_module only) to sys.meta_path so that map
# plugins import as pygal.maps.*; we use no maps, and the hook makes Python warn on every
# later import that reaches it. Take it out again.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#6b6b6b",
    colors=("#1f5f99", "#b3261e", "#2e7d32", "#8a5a00"),
    font_family=(
        "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', "
        "'WenQuanYi Micro Hei', sans-serif"
    ),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
)


@dataclass
class Chart:
    key: str
    title: str
    svg: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _config(**extra) -> dict:
    return {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "no_prefix": True,
        "width": 760,
        "height": 360,
        "print_values": False,
        "legend_at_bottom": True,
        "truncate_label": -1,
        **extra,
    }


def svg_of(chart) -> str:
    """The chart's SVG with no script element."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    # bandit B405: this only writes out the tree pygal built; no XML is parsed here.
    from xml.etree import ElementTree  # nosec B405

    return ElementTree.tostring(tree, encoding="unicode")


def time_in_hall_chart(result: HallTime) -> Chart:
    """Histogram of time in hall; bars within target in blue, beyond it in red."""
    title = _("Time in hall, target %(minutes)d minutes", minutes=result.target)
    chart = pygal.StackedBar(**_config(x_title=_("Minutes"), y_title=_("Visitors")))
    chart.title = title
    chart.x_labels = [label for label, _count, _within in result.bins]
    chart.add(_("Within target"), [count if within else None for _l, count, within in result.bins])
    chart.add(_("Beyond target"), [None if within else count for _l, count, within in result.bins])
    return Chart("time_in_hall", title, svg_of(chart))


def _nice_top(value: float, steps: int) -> float:
    """The smallest round number of the form k·10^n, k in 1, 2, 2.5, 5, 10, per step."""
    if value <= 0:
        return float(steps)
    raw = value / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(k * magnitude for k in (1, 2, 2.5, 5, 10) if k * magnitude >= raw)
    return step * steps


def arrivals_chart(table: Table) -> Chart:
    """Visitors entering per hour against the counters in use (right axis). Both axes
    share the ten grid lines: the right one counts whole counters per line."""
    title = _("Arrivals by hour and counters in use")
    steps = 10
    top = _nice_top(max((row[1] for row in table.rows), default=0), steps)
    counters_top = steps * max(1, math.ceil(max((row[3] for row in table.rows), default=0) / steps))
    scales = {
        "include_x_axis": True,
        "range": (0, top),
        "y_labels": [top * n / steps for n in range(steps + 1)],
        "secondary_range": (0, counters_top),
        "formatter": lambda value: f"{value:g}",
    }
    # pygal cannot scale axes with no series: with no rows it draws its "no data" notice.
    chart = pygal.Bar(
        **_config(
            x_title=_("Hour"), y_title=_("Visitors entering"), **(scales if table.rows else {})
        )
    )
    chart.title = title
    chart.x_labels = [row[0] for row in table.rows]
    if table.rows:
        chart.add(_("Visitors entering"), [row[1] for row in table.rows])
        chart.add(_("Counters in use"), [row[3] for row in table.rows], secondary=True)
    return Chart("arrivals", title, svg_of(chart))


def waits_chart(table: Table) -> Chart:
    """Median and 90th-percentile wait by service."""
    title = _("Waits by service (minutes)")
    chart = pygal.HorizontalBar(**_config(height=max(240, 60 * len(table.rows))))
    chart.title = title
    rows = table.rows[:-1]
    chart.x_labels = [row[0] for row in rows]
    chart.add(_("Median wait"), [row[5] for row in rows])
    chart.add(_("90th percentile wait"), [row[6] for row in rows])
    return Chart("waits", title, svg_of(chart))


def share_chart(table: Table, target: int) -> Chart:
    """Share of visitors served within target, per day."""
    title = _("Share served within %(minutes)d minutes, per day (%%)", minutes=target)
    chart = pygal.Line(
        **_config(range=(0, 100), x_label_rotation=45, show_minor_x_labels=len(table.rows) <= 31)
    )
    chart.title = title
    chart.x_labels = [row[0][5:] for row in table.rows]
    chart.add(_("Within target (%)"), [row[5] for row in table.rows])
    return Chart("share", title, svg_of(chart))


def report_charts(report) -> list[Chart]:
    return [
        time_in_hall_chart(report.hall_time),
        arrivals_chart(report.table("by_hour")),
        waits_chart(report.table("waits")),
        share_chart(report.table("by_day"), report.hall_time.target),
    ]
