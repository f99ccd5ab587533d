"""Presentation mode: the dashboard as a story for stakeholders, without the analyst controls.

``?present=1`` in the URL (or the sidebar toggle "Presentation mode") turns it on. Like the
filters (:mod:`dashboard.state`), the flag lives in ``st.session_state`` so it survives page
switches, is read from the URL once per browser session, and is mirrored back to the URL on
every run so a copied link opens in presentation mode.

In presentation mode the sidebar shows no filter widgets (the filters in use are stated in one
line at the top of the page instead), tables come without their CSV downloads, detail in
expanders is hidden, type and charts are larger, each section leads with one key message
(:func:`key_message`) and Previous / Next links walk through the pages in :data:`STORY` order.
Other modules ask :func:`is_presenting` to leave out what a presenter does not want on the
projector (e.g. the report buttons).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.filters import Filters
from dashboard.navigation import PAGES, PageSpec

PARAM = "present"
"""URL query parameter: ``?present=1`` opens the dashboard in presentation mode."""

SHARED_PARAMS = ("start", "end", "channels")
"""URL parameters every page shares (the filters, see :mod:`dashboard.state`); the story links carry them."""

STORY: tuple[str, ...] = (
    "pages/overview.py",
    "pages/segments.py",
    "pages/customer_value.py",
    "pages/recommendations.py",
    "pages/campaigns.py",
    "pages/attribution.py",
    "pages/budget.py",
    "pages/insight.py",
)
"""Page files in the order a demo tells them: what happened, who the customers are, what to do about it."""

KEY_MESSAGE_PREFIX = "omnimix_key_message_"
"""Key of every key-message container (followed by a number): the style and the tests find them by it."""

_KEY = "omnimix_present"  # plain session key, the source of truth after the first run
_TOGGLE = "omnimix_present_toggle"  # the sidebar toggle's widget key
_COUNT = "omnimix_key_messages"  # key messages drawn in this run, for unique container keys

# Larger type (everything in Streamlit is sized in rem), no downloads, no detail behind expanders,
# and the key messages in large print with an accent bar.
_STYLE = f"""
<style>
html {{ font-size: 20px; }}
[data-testid="stDownloadButton"], [data-testid="stExpander"] {{ display: none !important; }}
[class*="st-key-{KEY_MESSAGE_PREFIX}"] {{
  border-left: 0.35rem solid #1f77b4; padding: 0.2rem 0 0.2rem 1rem; margin: 0.2rem 0 0.6rem 0;
}}
[class*="st-key-{KEY_MESSAGE_PREFIX}"] p {{ font-size: 1.6rem; font-weight: 600; line-height: 1.3; }}
</style>
"""


def is_presenting() -> bool:
    """Whether this run draws the dashboard in presentation mode (``False`` outside a Streamlit run)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return False
    if _KEY not in st.session_state:
        st.session_state[_KEY] = st.query_params.get(PARAM) == "1"
    return bool(st.session_state[_KEY])


def _toggled() -> None:
    st.session_state[_KEY] = bool(st.session_state[_TOGGLE])


def setup() -> bool:
    """Draw the sidebar toggle, mirror the mode to the URL and style the page; return whether presenting.

    Call once per run, before the page runs (``dashboard/app.py``).
    """
    presenting = is_presenting()
    st.session_state[_TOGGLE] = presenting  # the toggle follows the mode (it may have come from the URL)
    st.sidebar.toggle("Presentation mode", key=_TOGGLE, on_change=_toggled,
                      help="For demos: no filters or downloads, larger type and charts, one key message per "
                           "section, and Previous / Next through the pages. The link keeps it (?present=1).")
    if presenting:
        if st.query_params.get(PARAM) != "1":
            st.query_params[PARAM] = "1"
        st.html(_STYLE)
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    st.session_state[_COUNT] = 0
    return presenting


def filter_line(filters: Filters | None) -> None:
    """The filters in use, in one line at the top of the page (the filter widgets are not drawn)."""
    if filters is None:
        return
    channels = "all sales channels" if filters.channels is None else ", ".join(filters.channels) or "no channels"
    st.caption(f"**Period:** {filters.start:%Y-%m-%d} – {filters.end:%Y-%m-%d} ({filters.days} days) · "
               f"**Channels:** {channels}")


def key_message(text: str) -> None:
    """The one-sentence reading a section leads with, in large print; nothing outside presentation mode."""
    if not text or not is_presenting():
        return
    number = st.session_state.get(_COUNT, 0)
    st.session_state[_COUNT] = number + 1
    with st.container(key=f"{KEY_MESSAGE_PREFIX}{number}"):
        st.markdown(text[:1].upper() + text[1:])  # a sentence, even when it opens with a channel id


def reading(text: str, draw: Callable[[str], object] = st.caption) -> None:
    """A page's reading of a section: its key message when presenting, else drawn by ``draw`` as before."""
    if is_presenting():
        key_message(text)
    else:
        draw(text)


def download_note(text: str) -> str:
    """A caption's words about a download: ``text``, or nothing in presentation mode (which has no downloads)."""
    return "" if is_presenting() else text


def neighbours(current: str, story: Sequence[str] = STORY) -> tuple[str | None, str | None]:
    """The page files before and after ``current`` in the story (``None`` at either end or off the story)."""
    if current not in story:
        return None, None
    i = story.index(current)
    return (story[i - 1] if i > 0 else None), (story[i + 1] if i + 1 < len(story) else None)


def shared_query() -> dict[str, str]:
    """The URL parameters a story link carries: presentation mode and the shared filters."""
    query = {k: st.query_params[k] for k in SHARED_PARAMS if k in st.query_params}
    return {PARAM: "1", **query}


def story_nav(current: str, *, where: str = "top") -> None:
    """Previous / Next links through :data:`STORY`; they keep presentation mode and the filters in the URL.

    Parameters
    ----------
    current : str
        The current page's file, e.g. ``"pages/segments.py"``.
    where : {"top", "bottom"}
        The row at the top of the page also says where in the story it is.
    """
    specs = {p.file: p for p in PAGES}
    query = shared_query()
    before, after = neighbours(current)
    left, middle, right = st.columns([2, 1, 2], vertical_alignment="center")
    if current not in STORY:
        left.page_link(specs[STORY[0]].path, label=f"Start the story: {specs[STORY[0]].title}",
                       icon=":material/play_arrow:", query_params=query)
        return
    if before is not None:
        left.page_link(specs[before].path, label=f"Previous: {specs[before].title}",
                       icon=":material/arrow_back:", query_params=query)
    if where == "top":
        middle.caption(f"Step {STORY.index(current) + 1} of {len(STORY)}")
    if after is not None:
        with right:
            st.page_link(specs[after].path, label=f"Next: {specs[after].title}", icon=":material/arrow_forward:",
                         icon_position="right", query_params=query, width="stretch")
    else:
        right.page_link(specs[STORY[0]].path, label=f"Back to the start: {specs[STORY[0]].title}",
                        icon=":material/replay:", query_params=query)


def menu_order(pages: Sequence[PageSpec]) -> list[PageSpec]:
    """The pages in story order when presenting (pages off the story last), else as given."""
    if not is_presenting():
        return list(pages)
    rank = {file: i for i, file in enumerate(STORY)}
    return sorted(pages, key=lambda p: rank.get(p.file, len(STORY)))


def page_top(current: str, filters: Filters | None) -> None:
    """What a page starts with in presentation mode: the filters in one line and the story links."""
    filter_line(filters)
    story_nav(current, where="top")
