"""A PostgreSQL cluster in a folder, run with Debian's initdb and pg_ctl on loopback.

Used by ``make team`` (the cluster lives in ``$TUTOR_HOME/team/postgres``) and by the test
session (a cluster in a temporary folder). The server listens on 127.0.0.1 only, with
password (SCRAM) authentication over TCP; the password is generated once and kept in a
0600 file beside the data. PostgreSQL refuses to run as root, so when this runs as root the
server runs as the ``postgres`` system user, which must be able to reach the folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import time
from pathlib import Path

SEARCH = ["/usr/local/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL program (initdb, pg_ctl, ...) or RuntimeError."""
    for folder in SEARCH:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package")
    return found


class PostgresCluster:
    """One cluster: ``folder/data`` (the cluster), ``folder/password``, ``folder/log``."""

    def __init__(self, folder: Path, port: int, *, user: str = "tutor", database: str = "tutor"):
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.user = user
        self.database = database
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        password = (self.folder / "password").read_text().strip()
        return (f"postgresql://{self.user}:{password}@127.0.0.1:{self.port}/{self.database}")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=120)

    def _own(self) -> None:
        if self._as_root:
            for parent in self.folder.resolve().parents:
                if not parent.stat().st_mode & 0o001:
                    raise RuntimeError(
                        f"{parent} is closed to other users, so the postgres user that runs "
                        "the server (PostgreSQL refuses root) cannot reach "
                        f"{self.folder}; put TUTOR_HOME elsewhere or chmod o+x {parent}")
            pw = pwd.getpwnam("postgres")
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, pw.pw_uid, pw.pw_gid)

    def init(self) -> None:
        """Create the cluster and its database (nothing happens if it exists)."""
        if (self.data / "PG_VERSION").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        password_file = self.folder / "password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(24) + "\n")
            os.chmod(password_file, 0o600)
        self._own()
        done = self._run(pg_tool("initdb"), "-D", str(self.data), "-U", self.user,
                         f"--pwfile={password_file}", "--auth-local=scram-sha-256",
                         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        self.start()
        try:
            self._create_database()
        finally:
            self.stop()

    def _create_database(self) -> None:
        env = {**os.environ, "PGPASSWORD": (self.folder / "password").read_text().strip()}
        done = subprocess.run(
            [pg_tool("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
             self.database], capture_output=True, text=True, env=env, check=False, timeout=60)
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise RuntimeError(f"createdb failed: {done.stderr.strip()}")

    def running(self) -> bool:
        return self._run(pg_tool("pg_ctl"), "status", "-D", str(self.data)).returncode == 0

    def start(self, timeout: float = 60.0) -> None:
        """Start the server on 127.0.0.1:port (its socket in the cluster folder)."""
        if self.running():
            return
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.folder} -c max_connections=100 "
                   "-c fsync=on -c shared_buffers=64MB")
        done = self._run(pg_tool("pg_ctl"), "start", "-D", str(self.data), "-w",
                         "-t", str(int(timeout)), "-l", str(self.folder / "log"), "-o", options)
        if done.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-2000:] \
                if (self.folder / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {log}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run([pg_tool("pg_isready"), "-h", "127.0.0.1", "-p",
                                    str(self.port)], capture_output=True, check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.3)
        raise RuntimeError("PostgreSQL did not become ready in time")

    def stop(self) -> None:
        if self.running():
            self._run(pg_tool("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w")
