"""Charts as static SVG files drawn by pygal: text stays text, and no script is embedded.

Pages show the files through ``<img>``, so a browser never runs anything in
them even if one did contain a script. pygal escapes the labels that come
from data (department names) because it writes every label through lxml or
ElementTree. ``tests/test_site_build.py`` checks that a name containing
``<script>`` ends up as text.
"""

from __future__ import annotations

import re
import sys

import pygal
from pygal.style import Style

from generator.labels import label

# pygal 3.1 appends a sys.meta_path finder for its map plugins that has no
# find_spec, so Python 3.11 raises ImportWarning on every later import that
# reaches it (an error under the test suite's warning filters). The site uses
# no map plugins, so the finder is removed again.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", "none": "#9e9e9e"}

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#777777",
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    tooltip_font_family=FONT,
    colors=("#3949ab", "#c62828", "#2e7d32", "#f9a825"),
)


# pygal 3.1 always writes an inline <script> with its tooltip configuration, even with js=[]; the
# charts are static, so it is removed. pygal escapes the script's text as XML, so it cannot contain
# "</script>" and the non-greedy match ends at the element's own end tag.
SCRIPT_ELEMENT = re.compile(rb"<script\b[^>]*>.*?</script>", re.DOTALL)


def render(chart, name: str) -> bytes:
    """Return the chart's SVG without scripts; its element id comes from ``name``.

    pygal draws a random UUID for the id of every chart otherwise, so the same
    data would give a different file on every build.
    """
    chart.uuid = name
    svg = SCRIPT_ELEMENT.sub(b"", chart.render())
    if b"<script" in svg:
        raise ValueError(f"chart {name} still contains a script after the tooltip script was removed")
    return svg


def _config(**options) -> dict:
    # js=[] keeps pygal from linking its tooltip script; the SVG is only ever shown through <img>.
    return {"style": STYLE, "js": [], "disable_xml_declaration": False, "width": 720, "height": 360,
            "explicit_size": False, "print_values": False, "show_legend": True, "legend_at_bottom": True,
            "truncate_label": -1, "truncate_legend": -1, **options}


def monthly_letters_chart(title: str, months: list[str], received: list[int]):
    """Letters received per month, as bars."""
    chart = pygal.Bar(**_config(title=title, show_legend=False, range=(0, max([*received, 1]))))
    chart.x_labels = months
    chart.add(label("site.chart.received"), received)
    return chart


def completion_rate_chart(title: str, months: list[str], rates: list[float | None]):
    """Completion rate per month in percent, as a line; months without letters leave a gap."""
    chart = pygal.Line(**_config(title=title, show_legend=False, range=(0, 100), allow_interruptions=True,
                                 value_formatter=lambda value: f"{value:.1f}%"))
    chart.x_labels = months
    chart.add(label("site.chart.completion_rate"),
              [None if value is None else round(100 * value, 1) for value in rates])
    return chart


def lights_chart(title: str, counts: dict[str, int]):
    """Split of the lights as a pie chart, in the light colours."""
    order = ("green", "yellow", "red", "none")
    style = Style(**{**STYLE.to_dict(), "colors": tuple(LIGHT_COLOURS[light] for light in order)})
    chart = pygal.Pie(**{**_config(title=title, inner_radius=0.45), "style": style})
    for light in order:
        chart.add(label(f"light.{light}"), counts.get(light, 0))
    return chart


def ranking_chart(title: str, names: list[str], scores: list[float]):
    """Scores of the ranked departments of one category, best first, as horizontal bars."""
    height = max(200, 60 + 28 * len(names))
    # pygal sizes the label column for Latin glyphs (about 0.6 em each); a Chinese character is a full
    # em, so long department names would lose their first characters without the extra margin.
    longest = max((len(name) for name in names), default=0)
    margin_left = 20 + round(0.4 * STYLE.label_font_size * longest)
    chart = pygal.HorizontalBar(**_config(title=title, height=height, show_legend=False, range=(0, 1),
                                          margin_left=margin_left))
    # HorizontalBar draws the first label at the bottom; reverse so the best is on top.
    chart.x_labels = list(reversed(names))
    chart.add(label("site.chart.score"), list(reversed(scores)))
    return chart
