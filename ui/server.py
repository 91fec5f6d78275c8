"""One app process of team mode: the Streamlit app and its JSON API (ui/api.py) in one ASGI
application, served by uvicorn::

    uvicorn ui.server:app --host 127.0.0.1 --port 8601

``streamlit run ui/app.py`` still serves the app alone (single-user mode). ``make team`` runs
two of these behind nginx.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.concurrency import run_in_threadpool

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ui.api import routes  # noqa: E402

log = logging.getLogger("tutor.server")


def warm() -> None:
    """Load the embedding model and open the serving generation (in team mode that builds
    its BM25 index in memory) before the first learner waits for them."""
    from tutor.errors import TutorError
    from ui import resources

    try:
        settings = resources.settings()
        resources.warm_up(settings)
        snapshot = resources.tutor(settings).retriever.snapshot
        log.warning("serving generation %s (%d passages)", snapshot.generation,
                    len(snapshot.chunks))
    except TutorError as exc:  # nothing indexed yet, or a server down: the pages say so
        log.warning("started without an index: %s", exc)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    await run_in_threadpool(warm)
    yield


app = st.App(str(_ROOT / "ui" / "app.py"), routes=routes, lifespan=lifespan)
