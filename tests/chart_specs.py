"""What AppTest sees of a page's charts: plotly figures and Vega-Lite (Altair) specs, read the same way.

AppTest does not draw charts; it keeps each chart's JSON spec (and, for Vega-Lite, its data as
Arrow), which is what these helpers read: titles, and every text that writes an amount
(plotly hovertemplates, Vega axis label expressions and tooltip texts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def charts(at) -> list[tuple[str, dict, object]]:  # noqa: ANN001 - streamlit.testing.v1.AppTest
    """``(kind, spec, proto)`` of every chart on the page in page order; kind is "plotly" or "vega"."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        name = proto.DESCRIPTOR.name if proto is not None and hasattr(proto, "DESCRIPTOR") else ""
        if name == "PlotlyChart" and proto.spec:
            found.append(("plotly", json.loads(proto.spec), proto))
        elif name in ("VegaLiteChart", "ArrowVegaLiteChart"):
            found.append(("vega", json.loads(proto.spec), proto))
    return found


def title(kind: str, spec: dict) -> str:
    """The chart's title: plotly's title text (with its ``<br><sup>`` subtitle) or Vega's title and subtitle."""
    if kind == "plotly":
        return spec["layout"]["title"]["text"]
    head = spec.get("title", "")
    if isinstance(head, str):
        return head
    subtitle = head.get("subtitle") or []
    return "<br>".join([head["text"], *([subtitle] if isinstance(subtitle, str) else subtitle)])


def titles(at) -> list[str]:  # noqa: ANN001
    """Every chart's title in page order."""
    return [title(kind, spec) for kind, spec, _ in charts(at)]


def vega_data(proto: object) -> list[dict]:
    """The rows of a Vega-Lite chart's data sets, as dicts (AppTest keeps them as Arrow IPC bytes)."""
    rows: list[dict] = []
    sources = [proto.data] if proto.data.data else []
    sources += [d.data for d in proto.datasets]
    for source in sources:
        rows.extend(pa.ipc.open_stream(source.data).read_all().to_pylist())
    return rows


def _vega_money(spec: dict, proto: object) -> Iterator[str]:
    def walk(node: object) -> Iterator[tuple[str, object]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key, value
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    tooltip_fields = set()
    for key, value in walk(spec):
        if key == "labelExpr":
            yield value
        elif key == "tooltip":
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get("type") == "nominal":
                    tooltip_fields.add(item["field"])
    for row in vega_data(proto):
        for field in tooltip_fields & set(row):
            yield str(row[field])


def money_texts(at) -> list[str]:  # noqa: ANN001
    """Texts of the page's charts that write values: plotly hovertemplates, Vega axis labels and tooltip texts."""
    found: list[str] = []
    for kind, spec, proto in charts(at):
        if kind == "plotly":
            found.extend(t["hovertemplate"] for t in spec["data"] if t.get("hovertemplate"))
        else:
            found.extend(_vega_money(spec, proto))
    return found
