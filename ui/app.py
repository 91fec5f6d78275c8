"""Entry point: ``streamlit run ui/app.py``. Sets up the page and the navigation between pages.

Each page is a script under ui/views/ that renders library results; the shared objects come
from ui/resources.py and each browser session's own state from ui/state.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run ui/app.py` puts ui/ (not the repository) on the path; the package is normally
# installed, but a plain checkout should run too.
_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ui import auth, state  # noqa: E402
from ui.errors import show  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"

# A shipped file, served by the app itself: a Material or emoji icon makes the browser fetch the
# favicon from an outside font host on every page load.
st.set_page_config(page_title="MLA-C01 Tutor", page_icon=str(Path(__file__).parent / "assets" /
                                                             "icon.png"), layout="wide")

LEARNER_PAGES = [
    st.Page(VIEWS / "chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page(VIEWS / "practice.py", title="Practice", icon=":material/quiz:"),
    st.Page(VIEWS / "mock_exam.py", title="Mock exam", icon=":material/timer:"),
    st.Page(VIEWS / "flashcards.py", title="Flashcards", icon=":material/style:"),
    st.Page(VIEWS / "progress.py", title="Progress", icon=":material/monitoring:"),
]
ADMIN_PAGES = [
    st.Page(VIEWS / "library.py", title="Library", icon=":material/library_books:"),
    st.Page(VIEWS / "settings.py", title="Settings", icon=":material/settings:"),
]
# Team mode: sign in first; a learner's navigation holds no admin page, so Streamlit answers
# an admin page's URL with "page not found" (and the pages and library check again).
_user = auth.gate()
pages = LEARNER_PAGES + (ADMIN_PAGES if _user is None or _user.is_admin else [])
if _user is not None and _user.is_admin:
    pages.append(st.Page(VIEWS / "learners.py", title="Learners", icon=":material/group:"))
page = st.navigation(pages)
with st.sidebar:
    st.caption("Study tutor for the AWS Certified Machine Learning Engineer – Associate exam. "
               "Runs offline.")
    if _user is not None:
        auth.sign_out_button(_user)
for kind, message in state.take_flashes():
    show(kind, message)
_problem = None
try:
    from ui import resources

    _settings = resources.settings()
    resources.warm_up(_settings)  # begun at process start by `python -m ui`; else from here
    _problem = resources.index_problem(_settings)
except Exception:  # noqa: BLE001 - settings errors are reported by the pages themselves
    _problem = None
if _problem and page.title not in ("Library", "Settings"):
    # Touching a damaged vector store in this process could crash the server; send the
    # learner to the Library page, which rebuilds without reading the old index.
    show("error", _problem)
    st.page_link(VIEWS / "library.py", label="Open the Library to rebuild the index",
                 icon=":material/build:")
    st.stop()
page.run()
# Messages left by this run (e.g. the progress store's notices) when the page did not rerun.
for kind, message in state.take_flashes():
    show(kind, message)
