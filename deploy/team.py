"""``make team``: a complete team deployment on one machine, all on loopback.

    python -m deploy.team up      # PostgreSQL, Chroma server, two app processes, nginx
    python -m deploy.team status  # what runs, and where
    python -m deploy.team down    # stop everything it started

Everything lives under ``$TUTOR_HOME/team``: the PostgreSQL cluster (``postgres/``, made
with initdb, run with pg_ctl), the Chroma server's data (``chroma/``), nginx's
configuration and logs (``nginx/``), each process's log, ``state.json`` (process ids and
ports) and ``admin-password`` (the first admin's, 0600). The first run creates the schema
(``tutor migrate``), the admin account ``admin`` and indexes the shipped notes.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deploy.nginx import write_config
from deploy.postgres import PostgresCluster

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADMIN = "admin"


@dataclass
class Ports:
    postgres: int = int(os.environ.get("TEAM_PG_PORT", "55432"))
    chroma: int = int(os.environ.get("TEAM_CHROMA_PORT", "58000"))
    apps: list[int] = field(default_factory=lambda: [
        int(p) for p in os.environ.get("TEAM_APP_PORTS", "58501,58502").split(",")])
    nginx: int = int(os.environ.get("TEAM_PORT", "8080"))


@dataclass
class Team:
    """One deployment under ``home``."""

    home: Path
    ports: Ports = field(default_factory=Ports)
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.home / "team"

    @property
    def cluster(self) -> PostgresCluster:
        return PostgresCluster(self.folder / "postgres", self.ports.postgres)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    def cookie_secret(self) -> str:
        """One secret for every app process, so a browser that fails over to another process
        keeps valid XSRF (and, with OIDC, sign-in) cookies."""
        path = self.folder / "cookie-secret"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            os.chmod(path, 0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """The environment of every tutor process of this deployment."""
        return {**os.environ, "TUTOR_HOME": str(self.home),
                "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret(),
                "TUTOR_DATABASE_URL": self.cluster.url,
                "TUTOR_CHROMA_URL": f"http://127.0.0.1:{self.ports.chroma}",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False"}

    def save(self) -> None:
        data = {"ports": asdict(self.ports), "pids": self.pids}
        (self.folder / "state.json").write_text(json.dumps(data, indent=1))

    @classmethod
    def load(cls, home: Path) -> Team:
        team = cls(home)
        path = team.folder / "state.json"
        if path.exists():
            data = json.loads(path.read_text())
            team.ports = Ports(**data["ports"])
            team.pids = {k: int(v) for k, v in data["pids"].items()}
        return team

    def tutor(self, *args: str, stdin: str | None = None, user: bool = False) -> str:
        env = self.env()
        if user:
            env["TUTOR_USER"] = ADMIN
            env["TUTOR_PASSWORD"] = (self.folder / "admin-password").read_text().strip()
        done = subprocess.run([str(BIN / "tutor"), *args], env=env, input=stdin,
                              capture_output=True, text=True, check=False, cwd=REPO)
        if done.returncode != 0:
            raise RuntimeError(f"tutor {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def spawn(self, name: str, command: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        proc = subprocess.Popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                cwd=REPO, start_new_session=True)
        self.pids[name] = proc.pid
        self.save()

    def app_command(self, port: int) -> list[str]:
        return [str(BIN / "uvicorn"), "ui.server:app", "--host", "127.0.0.1", "--port",
                str(port), "--log-level", "warning", "--no-access-log",
                "--timeout-graceful-shutdown", "5"]

    # ---- up ------------------------------------------------------------------------------

    def up(self, ingest: Path | None = REPO / "corpus" / "notes") -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        cluster = self.cluster
        cluster.init()
        cluster.start()
        print(f"postgres   127.0.0.1:{self.ports.postgres}  ({cluster.data})")
        print(self.tutor("migrate").strip().splitlines()[-1])
        self._admin()
        if not self.running("chroma"):
            self.spawn("chroma", [str(BIN / "chroma"), "run", "--path", str(self.folder /
                                  "chroma"), "--host", "127.0.0.1", "--port",
                                  str(self.ports.chroma)])
        wait_http(f"http://127.0.0.1:{self.ports.chroma}/api/v2/heartbeat", "chroma")
        print(f"chroma     127.0.0.1:{self.ports.chroma}")
        if ingest is not None:
            self.tutor("ingest", "--if-empty", "--quiet", str(ingest), user=True)
        for n in range(1, len(self.ports.apps) + 1):
            self.start_app(n)
        for port in self.ports.apps:
            wait_http(f"http://127.0.0.1:{port}/api/v1/health", f"app on {port}", 300)
            print(f"app        127.0.0.1:{port}")
        self._nginx()
        print(f"\nTeam mode is up at {self.url} (sign in as '{ADMIN}'; the password is in "
              f"{self.folder / 'admin-password'}). Stop it with `make team-down`.")

    def start_app(self, n: int) -> None:
        """Start app process ``n`` (1-based) unless it runs."""
        if not self.running(f"app{n}"):
            self.spawn(f"app{n}", self.app_command(self.ports.apps[n - 1]))

    def _admin(self) -> None:
        """The first admin (the CLI lets the first admin in without signing in)."""
        path = self.folder / "admin-password"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(12) + "\n")
            os.chmod(path, 0o600)
        try:
            self.tutor("users", "add", ADMIN, "--role", "admin", "--password-stdin",
                       stdin=path.read_text(), user=True)
        except RuntimeError as exc:
            if "already exists" not in str(exc):
                raise

    def _nginx(self) -> None:
        conf = write_config(self.folder / "nginx", self.ports.nginx, self.ports.apps)
        if self.running("nginx"):
            subprocess.run(["nginx", "-c", str(conf), "-p", str(conf.parent), "-s", "reload"],
                           check=True)
            return
        subprocess.run(["nginx", "-c", str(conf), "-p", str(conf.parent)], check=True)
        pid = int((conf.parent / "nginx.pid").read_text())
        self.pids["nginx"] = pid
        self.save()
        wait_http(f"{self.url}/api/v1/health", "nginx")
        print(f"nginx      {self.url}  -> apps {', '.join(map(str, self.ports.apps))}")

    # ---- down ----------------------------------------------------------------------------

    def running(self, name: str) -> bool:
        """Whether the process recorded as ``name`` still runs and is still that program:
        after a reboot its old id may belong to anything, which must not be signalled."""
        pid = self.pids.get(name)
        if not alive(pid):
            return False
        program = "uvicorn" if name.startswith("app") else name
        try:
            return program in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False

    def stop(self, name: str) -> None:
        pid = self.pids.get(name)
        mine = self.running(name)
        self.pids.pop(name, None)
        if pid is not None and mine:
            if name == "nginx":
                os.kill(pid, signal.SIGQUIT)  # graceful: finish the open requests
            else:
                os.killpg(pid, signal.SIGTERM)  # the process group: uvicorn and its children
            deadline = time.monotonic() + 20
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.save()

    def down(self) -> None:
        for name in ["nginx", *sorted(n for n in self.pids if n.startswith("app")), "chroma"]:
            self.stop(name)
        self.cluster.stop()
        print("team deployment stopped")


def alive(pid: int | None) -> bool:
    """Whether ``pid`` runs (and is not a zombie child of ours)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def wait_http(url: str, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def main(argv: list[str]) -> int:
    home = Path(os.environ.get("TUTOR_HOME") or REPO / ".team-home").resolve()
    team = Team.load(home)
    command = argv[0] if argv else "up"
    if command == "up":
        team.up()
    elif command == "down":
        team.down()
    elif command == "status":
        for name, pid in sorted(team.pids.items()):
            print(f"{name:<8} pid {pid:<8} {'running' if team.running(name) else 'stopped'}")
        print(f"postgres {'running' if team.cluster.running() else 'stopped'}; {team.url}")
    else:
        print("usage: python -m deploy.team up|down|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
