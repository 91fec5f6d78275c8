"""One app process of team mode: the Streamlit app and its JSON API (ui/api.py) in one ASGI
application, served by uvicorn::

    uvicorn ui.server:app --host 127.0.0.1 --port 8601

``streamlit run ui/app.py`` still serves the app alone (single-user mode). ``make team`` runs
two of these behind nginx.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ui.api import routes  # noqa: E402

app = st.App(str(_ROOT / "ui" / "app.py"), routes=routes)
