"""`make team-down` signals only what `make team` started: a recorded process id that now
belongs to another program (after a reboot, say) is forgotten, not killed."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from deploy.team import Team, alive


def test_stop_signals_only_the_recorded_program(tmp_path: Path) -> None:
    team = Team(tmp_path / "home")
    team.folder.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        # This test process stands in for an unrelated program that inherited an app's id.
        team.pids = {"app1": os.getpid(), "sleep": sleeper.pid}
        # On a loaded machine /proc may show the child's command line a moment after Popen
        # returns; wait for it (bounded) before asking.
        deadline = time.monotonic() + 10
        while not team.running("sleep") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not team.running("app1") and team.running("sleep")
        team.stop("app1")
        assert alive(os.getpid()) and "app1" not in team.pids
        team.stop("sleep")
        assert sleeper.wait(timeout=30) != 0 and "sleep" not in team.pids
        assert Team.load(team.home).pids == {}
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
