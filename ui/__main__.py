"""`python -m ui [streamlit run options]`: the app, warming up from the moment it starts.

Streamlit runs a page script only when a browser connects, so `streamlit run ui/app.py`
would load the embedding model and open the index for the first visitor. This starts both
in the background first (``ui.resources.warm_up``), then hands over to `streamlit run
ui/app.py` in the same process, whose pages find them loading or loaded.
"""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def main(argv: list[str]) -> None:
    from streamlit.web import cli

    from tutor.errors import ConfigError
    from ui import resources

    with suppress(ConfigError):  # the pages show what is wrong with the settings
        resources.warm_up(resources.settings())
    cli.main(["run", str(APP), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
