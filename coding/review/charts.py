"""Horizontal bar charts as inline SVG: the coordinates are computed here, the template only draws them."""

from django.utils.formats import number_format

LABEL_WIDTH = 300  # theme names, left of the bars
BAR_AREA = 420  # the longest bar
VALUE_GAP = 6  # between a bar's end and its value label
VALUE_WIDTH = 70
BAR_HEIGHT = 20
ROW_HEIGHT = 28
INDENT = 14  # per level of sub-themes
LABEL_CHARS = 42  # names longer than this are cut; the full name is in the bar's title and the table
TOP = 6


def bar_chart(items, *, chart_id, title, description, value_label, unit=""):
    """A bar chart of `items`: dicts with label, value, colour and optionally depth.

    Bars are scaled to the largest value. `unit` is "%" for shares, shown with one decimal.
    """
    top = max((item["value"] for item in items), default=0) or 1
    bars = []
    for i, item in enumerate(items):
        y = TOP + i * ROW_HEIGHT
        width = round(BAR_AREA * item["value"] / top, 1)
        label = item["label"]
        bars.append({
            "label": label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…",
            "full_label": label,
            "value": item["value"],
            "display": _display(item["value"], unit),
            "colour": item["colour"],
            "label_x": INDENT * item.get("depth", 0),
            "y": y,
            "width": width,
            "text_y": y + BAR_HEIGHT / 2,
            "value_x": LABEL_WIDTH + width + VALUE_GAP,
        })
    return {
        "id": chart_id, "title": title, "description": description, "value_label": value_label, "bars": bars,
        "width": LABEL_WIDTH + BAR_AREA + VALUE_GAP + VALUE_WIDTH,
        "height": TOP * 2 + max(len(bars), 1) * ROW_HEIGHT,
        "axis_x": LABEL_WIDTH, "bar_height": BAR_HEIGHT,
    }


def _display(value, unit):
    if unit == "%":
        return f"{number_format(value, 1)} %"
    return number_format(value)


def share(part, whole):
    """part as a percentage of whole, to one decimal; 0 when whole is 0."""
    return round(100 * part / whole, 1) if whole else 0.0
