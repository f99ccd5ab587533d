"""Presentation mode (``?present=1``) through Streamlit's AppTest, on the small generated sample.

In presentation mode every page leaves out the shared filter widgets and every download button,
states the filters in one line, leads with at least one key message and links Previous / Next
through the story; normal mode keeps its filters and downloads. The browser side (CSS: larger
type, hidden expanders) is in tests/test_browser_presentation.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Subheader, Tab

from dashboard import key_messages as key_messages_module
from dashboard import presentation
from dashboard.components import kpi_message
from dashboard.navigation import PAGES, PageSpec
from tests import chart_specs
from tests.apptest_pages import open_app_page

PRESENT = {"present": "1"}
FILTER_LABELS = {"Order dates", "Sales channels"}


def blocks(node) -> list:  # noqa: ANN001
    """Every layout block under ``node`` (AppTest's tree), depth first."""
    found = []
    for child in getattr(node, "children", {}).values():
        if child.type in {"vertical", "horizontal", "column", "container", "expandable", "tab"} or hasattr(
                child, "children"):
            found.append(child)
            found.extend(blocks(child))
    return found


def key_messages(at: AppTest) -> list[str]:
    """The text of every key message on the page."""
    return [
        "\n".join(str(m.value) for m in block.markdown)
        for block in blocks(at.main)
        if (getattr(block, "key", None) or "").startswith(presentation.KEY_MESSAGE_PREFIX)
    ]


def sections(at: AppTest) -> dict[str, list[str]]:
    """Each subheader or section tab of the page, in order, with the key messages drawn between it and the next one."""
    found: dict[str, list[str]] = {}
    current: list[str] = []

    def walk(node) -> None:  # noqa: ANN001 - an AppTest node
        nonlocal current
        if isinstance(node, Subheader):
            current = found.setdefault(str(node.value), [])
            return
        if isinstance(node, Tab):  # a section (dashboard.components.sections): its messages, then its subheaders
            if not getattr(node, "children", None):
                return  # a closed section: it did not run
            label, before = str(node.label), len(found)
            current = found.setdefault(label, [])
            for index in sorted(node.children):
                walk(node.children[index])
            if not found[label] and len(found) > before + 1:
                del found[label]  # a section made of subsections: each of those leads with its own message
            return
        if (getattr(node, "key", None) or "").startswith(presentation.KEY_MESSAGE_PREFIX):
            current.append("\n".join(str(m.value) for m in node.markdown))
            return
        children = getattr(node, "children", None) or {}
        for index in sorted(children):
            walk(children[index])

    walk(at.main)
    return found


def widget_labels(at: AppTest) -> set[str]:
    return {w.label for w in [*at.sidebar.date_input, *at.sidebar.multiselect, *at.sidebar.button]}


def link_labels(at: AppTest) -> list[str]:
    return [e.proto.label for e in at.get("page_link")]


def test_neighbours_follow_the_story():
    first, second, last = presentation.STORY[0], presentation.STORY[1], presentation.STORY[-1]
    assert presentation.neighbours(first) == (None, second)
    assert presentation.neighbours(second) == (first, presentation.STORY[2])
    assert presentation.neighbours(last) == (presentation.STORY[-2], None)
    assert presentation.neighbours("pages/data.py") == (None, None)
    # every story page exists, once, and every page but Data is in the story
    assert sorted(presentation.STORY) == sorted(p.file for p in PAGES if p.file != "pages/data.py")


def test_kpi_message_reads_revenue_and_orders():
    records = [
        {"metric": "revenue", "value": 1200.0, "previous": 1000.0, "change": 200.0, "change_pct": 20.0, "hidden": False},
        {"metric": "orders", "value": 90.0, "previous": 100.0, "change": -10.0, "change_pct": -10.0, "hidden": False},
    ]
    message = kpi_message(records)
    assert message.startswith("Revenue was ")
    assert "up 20.0% on the previous period" in message
    assert "orders down 10.0%" in message
    assert kpi_message([{**r, "hidden": True} for r in records]) == ""


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_in_presentation_mode(sample_env, spec: PageSpec):
    at = open_app_page(spec.file, PRESENT)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == spec.title
    assert not widget_labels(at) & (FILTER_LABELS | {"Reset filters"})
    assert not at.get("download_button"), [b.proto.label for b in at.get("download_button")]
    assert not [text for text in shown_words(at) if "download" in text.lower()]  # no caption about a download
    assert at.sidebar.toggle[0].label == "Presentation mode" and at.sidebar.toggle[0].value is True
    assert at.query_params["present"] == "1"
    labels = link_labels(at)
    before, after = presentation.neighbours(spec.file)
    titles = {p.file: p.title for p in PAGES}
    if spec.file not in presentation.STORY:
        assert any(label.startswith("Start the story") for label in labels)
        return
    if before is not None:
        assert f"Previous: {titles[before]}" in labels
    if after is not None:
        assert f"Next: {titles[after]}" in labels
    else:
        assert any(label.startswith("Back to the start") for label in labels)
    assert key_messages(at), "no key message on the page"
    if spec.uses_filters:
        assert any("**Period:**" in str(c.value) and "**Channels:**" in str(c.value) for c in at.caption)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_normal_mode_keeps_filters_and_downloads(sample_env, spec: PageSpec):
    at = open_app_page(spec.file)
    assert not at.exception
    assert at.sidebar.toggle[0].value is False
    assert "present" not in at.query_params
    assert not key_messages(at)
    assert not [label for label in link_labels(at) if label.startswith(("Next:", "Previous:"))]
    # tables behind a closed components.details expander (keys "*_details") run, with their CSV, once opened
    for key in [k for k in at.session_state.keys() if k.endswith("_details") and not at.session_state[k]]:
        at.session_state[key] = True
    at.run()
    assert at.get("download_button")
    if spec.uses_filters:
        assert FILTER_LABELS <= widget_labels(at)


def test_overview_leads_every_section_with_a_key_message(sample_env):
    at = open_app_page("pages/overview.py", PRESENT)
    labels = [t.label for t in at.tabs]
    assert labels == ["Sales over time", "Channel share", "Cross-channel behaviour"]
    messages = key_messages(at)
    assert len(messages) == 2, messages  # the KPIs', then the open section's
    assert messages[0].startswith("Revenue was ")
    assert messages[1].startswith("Revenue peaked in the week starting ")
    for label in labels[1:]:
        other = open_app_page("pages/overview.py", {**PRESENT, "overview_section": label})
        found = sections(other)
        assert len(found[label]) == 1, found  # one message, the channel overlap shares this section's


def test_key_messages_from_page_figures():
    profiles = pd.DataFrame({"name": ["Loyal", "Bargain", "Small"], "customer_share": [0.5, 0.3, None],
                             "revenue_share": [0.7, 0.2, None]})
    assert key_messages_module.segments(profiles) == (
        "The largest of 3 segments, Loyal, is 50% of customers and brings 70% of revenue.")
    assert key_messages_module.segments(profiles.assign(customer_share=None)) == ""

    campaigns = pd.DataFrame({"name": ["Tiny test", "Big A", "Big B", "Mid"], "spend": [10.0, 5000.0, 4000.0, 3000.0],
                              "roas": [90.0, 3.0, 4.5, 2.0], "orders": [3, 400, 500, 100]})
    message = key_messages_module.campaigns(campaigns)
    assert "Big B" in message and "Tiny test" not in message  # a tiny campaign does not lead on its ratio

    groups = pd.DataFrame({"channels_used": ["1", "2", "3+"], "customers": [600, 300, 100],
                           "customer_share": [0.6, 0.3, 0.1], "revenue_per_customer": [100.0, 300.0, 500.0]})
    message = key_messages_module.overview_channels(groups)
    assert message.startswith("40% of buyers bought in more than one sales channel")
    assert "€350 each, against €100" in message  # (300·300 + 100·500) / 400 = 350
    assert key_messages_module.overview_channels(groups.assign(customers=[600, 0, 0])).startswith("Every buyer")

    metrics = {"holdout": {"mape": 0.071, "weeks": 12}}
    assert key_messages_module.budget(metrics).startswith("On 12 weeks it did not see")
    assert key_messages_module.budget({}) == ""


def test_segments_leave_the_k_diagnostics_to_normal_mode(sample_env):
    presenting = open_app_page("pages/segments.py", PRESENT)
    assert "Choosing k" not in [t.label for t in presenting.tabs]
    normal = open_app_page("pages/segments.py")
    assert "Choosing k" in [t.label for t in normal.tabs]


def test_segments_lead_each_section_with_a_key_message(sample_env):
    at = open_app_page("pages/segments.py", PRESENT)
    messages = key_messages(at)
    assert len(messages) == 1 and messages[0].startswith("The largest of 6 segments, ")
    details = sections(open_app_page("pages/segments.py", {**PRESENT, "segments_section": "Inside one segment"}))
    assert len(details["Inside one segment"]) == 1
    rfm = sections(open_app_page("pages/segments.py", {**PRESENT, "segments_section": "RFM lens"}))
    assert len(rfm["RFM lens"]) == 1 and rfm["RFM lens"][0].endswith("the most of any RFM group.")


def test_key_messages_for_campaigns_attribution_and_value():
    leads = pd.DataFrame({"segment": [1, 2, 3], "name": ["Loyal", "Bargain", "Quiet"],
                          "lead_with": ["", "price offer, seasonal", "new arrivals"], "reason": ["-", "-", "-"]})
    assert key_messages_module.content_leads(leads) == (
        "Bargain: lead with price offer, seasonal (1 more segment with a theme of their own below).")
    assert key_messages_module.content_leads(leads.assign(lead_with="")).startswith("No segment stands out")

    seo = pd.DataFrame({"landing_page": ["/sale", "/"], "sessions": [900, 500], "sessions_change": [12.4, -3.0]})
    assert key_messages_module.seo(seo, by="landing_page", by_label="Landing page") == (
        "Landing page “/sale” brings the most organic search sessions: 900, +12% on the previous period.")

    errors = {"last_click": 0.08, "shapley": 0.021, "linear": float("nan")}
    labels = {"last_click": "Last click", "shapley": "Shapley", "linear": "Linear"}
    assert key_messages_module.attribution_truth(errors, labels).startswith("Closest to the true incremental orders: "
                                                                             "Shapley, 2.1 percentage points")

    value = pd.DataFrame({"channel": ["email", "search", "social"], "clv_to_cac": [5.2, 2.0, None]})
    assert key_messages_module.clv_cac(value).startswith("Customers from email are worth 5.20× what they cost")
    assert "of 2 channels" in key_messages_module.clv_cac(value)

    rfm = pd.DataFrame({"rfm_group": ["Loyal", "Champions"], "customer_share": [0.2, 0.18],
                        "revenue_share": [0.18, 0.46]})
    assert key_messages_module.rfm(rfm) == ("Champions are 18% of customers and bring 46% of revenue, "
                                            "the most of any RFM group.")


DOWNLOAD_WORDS = ("download", "export")


def shown_words(at: AppTest) -> list[str]:
    """Captions, Markdown and notices of the page (what the audience reads)."""
    return [str(e.value) for e in [*at.caption, *at.markdown, *at.info, *at.success, *at.warning]]


@pytest.mark.parametrize(("page", "query"), [
    ("pages/recommendations.py", {}),
    ("pages/recommendations.py", {"recs_section": "Evaluation"}),
], ids=["recs-preview", "recs-evaluation"])
def test_every_section_leads_with_a_key_message(sample_env, page: str, query: dict[str, str]):
    at = open_app_page(page, {**PRESENT, **query})
    assert not at.exception and not at.error, [e.value for e in at.error]
    found = sections(at)
    assert len(found) >= 2, found
    assert not [title for title, messages in found.items() if not messages], found
    assert not [text for text in shown_words(at) if any(w in text.lower() for w in DOWNLOAD_WORDS)]
    normal = open_app_page(page, query)
    assert set(sections(normal)) >= set(found)  # the same sections, without their key messages
    assert not [m for messages in sections(normal).values() for m in messages]


BUDGET_SECTIONS = ["What if", "Model quality", "What drives revenue", "How sure", "Optimiser", "Plan the next weeks"]


def test_budget_in_presentation_mode_keeps_the_what_if_and_drops_the_plumbing(sample_env):
    at = open_app_page("pages/budget.py", PRESENT)
    assert [t.label for t in at.tabs] == BUDGET_SECTIONS
    found = sections(at)
    what_if = found["What if"]
    assert len(what_if) == 2, what_if  # the what-if's and its response curves'; the other sections did not run
    assert not [label for label in BUDGET_SECTIONS[1:] if found.get(label)]
    assert what_if[0].startswith("At today's budgets, revenue over 4 weeks is predicted at ")
    assert what_if[1].startswith("At today's spend, one more €1 a week earns most in ")  # the response curves
    # the story's controls stay; the data choice, lift-test switch and saving go
    assert len([s for s in at.main.slider if s.label.endswith("per week)")]) >= 2
    assert not at.main.toggle and not at.get("segmented_control") and not at.main.radio
    assert "Save scenario" not in [b.label for b in at.main.button]
    assert "Saved scenarios" not in found  # nothing saved: the section is left out
    # the default proposal is marked on the response curves at once
    curves = next(proto for kind, spec, proto in chart_specs.charts(at) if "Response curves" in chart_specs.title(kind, spec))
    assert "optimised" in {row["label"] for row in chart_specs.vega_data(curves)}
    # moving a slider rewrites the what-if message
    slider = next(s for s in at.main.slider if s.label.startswith("search ("))
    slider.set_value(0).run()
    moved = sections(at)["What if"][0]
    assert moved.startswith("With these budgets, revenue over 4 weeks is predicted at ") and " on today's budget " in moved


@pytest.mark.parametrize("label", BUDGET_SECTIONS[1:])
def test_budget_sections_each_lead_with_one_key_message(sample_env, label: str):
    at = open_app_page("pages/budget.py", {**PRESENT, "budget_section": label})
    assert not at.exception and not at.error, [e.value for e in at.error]
    found = sections(at)
    assert len(found[label]) == 1, found
    assert not [other for other in BUDGET_SECTIONS if other != label and found.get(other)], found
    assert not [text for text in shown_words(at) if any(w in text.lower() for w in DOWNLOAD_WORDS)]
    assert not [b.label for b in at.main.button if b.label in {"Optimise", "Plan these weeks"}]  # no forms
    expected = {"Optimiser": "Over 4 weeks the proposed split earns ", "Plan the next weeks": "Over the 13 weeks from "}
    assert found[label][0].startswith(expected.get(label, ""))
    normal = open_app_page("pages/budget.py", {"budget_section": label})
    assert not [m for messages in sections(normal).values() for m in messages]


SECTIONED_PAGES = {
    "pages/campaigns.py": ("campaigns_section", ["Campaigns", "Content per customer profile", "Organic search (SEO)"]),
    "pages/customer_value.py": ("clv_section", ["Risk tiers", "Valuable at risk", "Value vs cost", "Model check"]),
    "pages/attribution.py": ("attr_section", ["Credit by channel", "Truth check", "Next to the budget model"]),
}


@pytest.mark.parametrize(("page", "label"), [(page, label) for page, (_, labels) in SECTIONED_PAGES.items()
                                             for label in labels])
def test_each_open_section_leads_with_one_key_message(sample_env, page: str, label: str):
    key, labels = SECTIONED_PAGES[page]
    at = open_app_page(page, {**PRESENT, key: label})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [t.label for t in at.tabs] == labels
    found = sections(at)
    assert len(found[label]) == 1, found
    assert not [other for other in labels if other != label and found.get(other)], found  # closed sections ran nothing


def test_recommendations_in_presentation_mode_keep_the_customer_picker_only(sample_env):
    at = open_app_page("pages/recommendations.py", PRESENT)
    labels = {w.label for w in [*at.main.text_input, *at.main.selectbox, *at.main.multiselect, *at.main.number_input,
                                *at.main.toggle]}
    assert labels == {"Customer id", "Segment for a random customer"}
    found = sections(at)
    customer = next(title for title in found if title.startswith("Customer ") and title != "Customer preview")
    assert found[customer][0].startswith(customer)
    lists = [m.value for m in at.markdown if str(m.value).startswith("1. **")]
    assert len(lists) == 3 and all(v.count("\n   :gray[") == 5 for v in lists)  # 3 models, 5 products each
    evaluation = open_app_page("pages/recommendations.py", {**PRESENT, "recs_section": "Evaluation"})
    assert not [w.label for w in [*evaluation.main.selectbox, *evaluation.main.slider]]
    assert not evaluation.get("segmented_control")
    assert sections(evaluation)["Accuracy per model"][0].endswith("for Most popular.")


def test_budget_and_recommendation_messages_from_figures():
    summary = pd.DataFrame({"channel": ["tv", "email", "search"], "contribution": [300.0, 100.0, 600.0],
                            "roas": [1.5, 2.0, 3.0], "roas_low": [1.2, 0.4, 2.5], "roas_high": [1.8, 7.0, 3.6],
                            "mroas": [0.6, 1.8, 2.4], "well_measured": [True, False, True]})
    assert key_messages_module.budget_drivers(summary, 4000.0, period="2024", currency="GBP") == (
        "Paid media drove 25% of revenue in 2024; search drove the most: £600 at ROAS 3.00×.")
    assert key_messages_module.budget_certainty(summary) == (
        "2 of 3 channels are well measured; read the others as ranges: email's ROAS lies between 0.40 and 7.00.")
    assert key_messages_module.budget_certainty(summary.assign(well_measured=True)).startswith("All 3 channels")
    assert key_messages_module.budget_curves(summary, currency="GBP") == (
        "At today's spend, one more £1 a week earns most in search (£2.40 back) and least in tv (£0.60, less than "
        "it costs).")
    assert key_messages_module.budget_curves(summary, currency="SEK").startswith("At today's spend, one more 1 kr")
    assert key_messages_module.budget_scenarios({"A": 1000.0, "B": 1500.0}, {"A": 400.0, "B": 700.0},
                                                currency="GBP") == (
        "Of 2 saved scenarios, “B” is predicted to bring the most: £1,500 for £700 of spend.")

    labels = {"hybrid": "Hybrid", "popular": "Most popular"}
    metrics = pd.DataFrame({"model": ["hybrid", "popular"], "hit_rate": [0.51, 0.33], "coverage": [0.6, 0.18]})
    assert key_messages_module.recs_accuracy(metrics, k=10, labels=labels, baseline="popular") == (
        "Hybrid does best: its top 10 holds a product the customer really bought next for 51% of customers, "
        "against 33% for Most popular.")
    fair = pd.DataFrame({"group": ["budget", "premium"], "rec_share": [0.2, 0.5], "catalogue_share": [0.4, 0.3],
                         "sales_share": [0.3, None]})
    assert key_messages_module.recs_fairness(fair, model_label="Hybrid", group_label="Price tier") == (
        "Hybrid gives premium (price tier) 50% of its recommendation slots, against 30% of the catalogue.")
    segments = pd.DataFrame({"model": ["hybrid"] * 3, "segment": ["web", "app", "store"], "ndcg": [0.1, 0.3, None],
                             "customers": [400, 300, None]})  # store hidden: fewer than 50 customers
    assert key_messages_module.recs_segments(segments, metric="ndcg", metric_label="NDCG@10", model="hybrid",
                                             labels=labels) == (
        "Hybrid does best for app customers (NDCG@10 30.0%) and least well for web (10.0%).")


def test_no_page_draws_a_stray_string():
    """Streamlit's magic draws any bare string in a page script: only the module docstring may be one."""
    import ast
    from pathlib import Path

    def strays(statements: list, name: str, top: bool) -> list[str]:
        found = []
        for i, stmt in enumerate(statements):
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                if not (top and i == 0):
                    found.append(f"{name}:{stmt.lineno}")
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue  # a function's docstring is not drawn
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    found += strays(inner, name, False)
        return found

    pages = sorted(Path(__file__).resolve().parent.parent.glob("pages/*.py"))
    assert pages
    assert not [s for page in pages for s in strays(ast.parse(page.read_text()).body, page.name, True)]
