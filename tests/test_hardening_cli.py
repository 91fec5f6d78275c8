"""Issue 20, the command line in real processes: the fault matrix (every command against
invalid settings, bad paths, a damaged index, a damaged embedding cache and a locked,
read-only or corrupt progress database ends with a message and exit code 1 or 2, never a
traceback; items 7, 8, 9, 15 and 16) and terminal escapes in document text (item 5).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)

TUTOR = str(Path(sys.executable).parent / "tutor")
ESC = "\x1b"
HOSTILE = (f"{ESC}[2J{ESC}]0;PWNED-TITLE\x07{ESC}]52;c;cHduZWQ=\x07\x9b31m\x9d0;x\x07"
           "\u202eTSEUQER\u202c")


# Root ignores file modes; run as root the CLI gets them back by dropping the two capabilities
# that override them, so unreadable, read-only and unwritable cases are real.
AS_USER = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
           if os.geteuid() == 0 and shutil.which("setpriv") else [])


def run(args: list[str], home: Path, stdin: str = "", timeout: float = 600,
        **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    full = {**base, "TUTOR_HOME": str(home), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run([*AS_USER, TUTOR, *args], capture_output=True, text=True, env=full,
                          timeout=timeout, input=stdin, errors="surrogateescape")


def assert_clean_failure(proc: subprocess.CompletedProcess, codes: tuple[int, ...] = (1, 2),
                         says: str = "") -> None:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and 'File "' not in out, out[-3000:]
    assert proc.returncode in codes, (proc.returncode, out[-2000:])
    assert "error:" in proc.stderr, out[-2000:]
    assert says.lower() in out.lower(), (says, out[-2000:])


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a small index, built by the real CLI."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    (docs / "neo.md").write_text("# SageMaker Neo\n\nNeo compiles models for edge devices.\n")
    home = root / "home"
    proc = run(["ingest", str(docs), "-q"], home)
    assert proc.returncode == 0, proc.stderr
    return home


COMMANDS = [["status"], ["search", "neo"], ["ask", "what does neo do?"], ["quiz", "--json"],
            ["progress"], ["ingest", "{docs}"], ["docs", "fetch", "--from", "{docs}"],
            ["eval", "quiz"],
            ["eval", "retrieval", "--dataset", "{dataset}"],
            ["eval", "answers", "--dataset", "{dataset}"],
            ["bench", "--quick", "--only", "query", "--out", "{docs}/bench"]]
INVALID = {
    "TUTOR_K": "lots",
    "TUTOR_LINK_HOSTS": "[not json",
    "TUTOR_CHROMA_URL": "http://[::1",
    "TUTOR_LLM_BASE_URL": "not a url",
}


# Every command meets an invalid variable, and every variable an invalid command, without the
# whole 11 x 4 matrix: each case is a fresh process, and settings are validated in one place
# (tutor/config.py) that every command goes through, so the diagonal covers what can differ.
PAIRS = [(command, sorted(INVALID)[n % len(INVALID)]) for n, command in enumerate(COMMANDS)]


@pytest.mark.parametrize(("command", "variable"), PAIRS,
                         ids=[f"{' '.join(c[:2])}-{v}" for c, v in PAIRS])
def test_every_command_reports_invalid_settings(tmp_path: Path, command: list[str],
                                                variable: str) -> None:
    args = [a.format(docs=tmp_path, dataset=tmp_path / "d.jsonl") for a in command]
    proc = run(args, tmp_path / "home", **{variable: INVALID[variable]})
    assert_clean_failure(proc, (2,), says=variable.removeprefix("TUTOR_").lower())


@pytest.mark.parametrize("case", ["broken-toml", "home-is-a-file", "home-unwritable",
                                  "empty-home-variable"])
def test_bad_homes_and_config_files(tmp_path: Path, case: str) -> None:
    home = tmp_path / "home"
    if case == "broken-toml":
        home.mkdir()
        (home / "config.toml").write_text("k = [unclosed\n")
    elif case == "home-is-a-file":
        home = Path("/dev/null")
    elif case == "home-unwritable":
        home.mkdir(mode=0o500)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nGlue crawlers infer schemas.\n")
    if case == "empty-home-variable":
        # An empty variable counts as unset: the default home, never the current folder.
        proc = subprocess.run([TUTOR, "status", "--json"], capture_output=True, text=True,
                              cwd=tmp_path, timeout=300,
                              env={**os.environ, "TUTOR_HOME": "", "TUTOR_LLM_API_KEY": "",
                                   "HOME": str(tmp_path / "user")})
        assert "Traceback" not in proc.stderr
        assert str(tmp_path / "user") in proc.stdout + proc.stderr
        assert not (tmp_path / "index").exists()
        return
    for args in (["ingest", str(docs)], ["status"], ["progress"]):
        proc = run(args, home)
        if case == "home-unwritable" and args[0] == "status":
            assert proc.returncode == 1 and "Traceback" not in proc.stderr  # nothing indexed
            continue
        if case == "home-unwritable" and args[0] == "progress":
            # Nothing recorded, so the (empty) progress is shown, with why none can be kept.
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
            assert "progress database" in proc.stderr and "cannot be used" in proc.stderr
            continue
        # A home that is not a folder, or a broken config.toml, is an invalid setting (2); a
        # home that cannot be written shows when the ingest writes there (1).
        assert_clean_failure(proc, (1,) if case == "home-unwritable" else (2,),
                             says="home" if case != "broken-toml" else "toml")


def test_bad_paths(tmp_path: Path) -> None:
    home = tmp_path / "home"
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert_clean_failure(run(["ingest", str(loop)], home), (2,), says="loop")
    assert_clean_failure(run(["ingest", str(fifo)], home), (2,), says="not a regular file")
    assert_clean_failure(run(["ingest", "/dev/zero"], home), (2,), says="not a regular file")
    assert_clean_failure(run(["ingest", str(tmp_path / "missing")], home), (2,),
                         says="no such file")
    assert_clean_failure(run(["search", "x", "--task", "9.9"], home), (2,), says="9.9")
    assert_clean_failure(run(["eval", "retrieval", "--dataset", str(tmp_path / "nope.jsonl")],
                             home), (2,))
    assert_clean_failure(run(["eval", "answers", "--dataset", str(tmp_path / "nope.jsonl")],
                             home), (2,), says="not found")
    assert_clean_failure(run(["eval", "compare", str(tmp_path / "a.json"),
                              str(tmp_path / "b.json")], home), (2,), says="not found")


def test_special_files_inside_a_folder_are_reported_without_blocking(tmp_path: Path) -> None:
    """Item 15: a FIFO (or a link to one, or to a device) inside a folder given to `ingest` is
    reported, never opened: reading a FIFO blocks until someone writes to it."""
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("# Ok\n\nKinesis streams keep records.\n")
    os.mkfifo(docs / "pipe.md")
    os.mkfifo(tmp_path / "outside.md")
    (docs / "link-to-pipe.md").symlink_to(tmp_path / "outside.md")
    (docs / "zero.md").symlink_to("/dev/zero")
    proc = run(["ingest", str(docs), "--json"], tmp_path / "home", timeout=120)
    assert proc.returncode == 0, proc.stderr
    files = {f["path"]: f for f in json.loads(proc.stdout)["files"]}
    for name in ("pipe.md", "link-to-pipe.md", "zero.md"):
        assert files[name]["status"] == "unsupported", files
        assert "not a regular file" in files[name]["message"], files
        assert files[name]["chunks"] == 0
    assert files["ok.md"]["status"] == "ok"
    table = run(["ingest", str(docs)], tmp_path / "home", timeout=120)
    assert table.returncode == 0 and "pipe.md" in table.stdout and "Traceback" not in table.stderr


def test_unreadable_files_and_folders_are_reported(tmp_path: Path) -> None:
    import json

    docs = tmp_path / "docs"
    (docs / "locked").mkdir(parents=True)
    (docs / "locked" / "inside.md").write_text("# In\n\nHidden from the walk.\n")
    (docs / "ok.md").write_text("# Ok\n\nKinesis streams keep records.\n")
    (docs / "secret.md").write_text("# Secret\n\nUnreadable file.\n")
    (docs / "secret.md").chmod(0)
    (docs / "locked").chmod(0)
    try:
        proc = run(["ingest", str(docs), "--json"], tmp_path / "home")
    finally:
        (docs / "locked").chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    files = {f["path"]: f for f in json.loads(proc.stdout)["files"]}
    assert files["secret.md"]["status"] == "unreadable", files
    assert files["locked/"]["status"] == "unreadable", files
    assert files["ok.md"]["status"] == "ok"


def test_damaged_index_and_damaged_cache(home: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(home, damaged)
    gen = (damaged / "index" / "CURRENT").read_text().strip()
    for f in (damaged / "index" / "gens" / gen).rglob("*.sqlite3"):
        f.write_bytes(b"garbage" * 100)
    # Chroma, the store of record, is damaged: status says so; search and ask go on answering
    # from the generation's intact matrix copy (the next ingest rebuilds the store).
    assert_clean_failure(run(["status"], damaged), (1,), says="rebuild")
    assert "Neo" in run(["search", "neo"], damaged).stdout
    (damaged / "index" / "gens" / gen / "vectors.npy").write_bytes(b"garbage" * 100)
    for args in (["status"], ["search", "neo"], ["ask", "what does neo do?"]):
        assert_clean_failure(run(args, damaged), (1,), says="rebuild")
    # A damaged embedding cache is moved aside with a warning; the ingest goes on.
    for cache in (damaged / "cache").glob("embeddings-*.sqlite3"):
        cache.write_bytes(b"not a database" * 100)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "neo.md").write_text("# SageMaker Neo\n\nNeo compiles models for edge devices.\n")
    proc = run(["ingest", str(docs), "--rebuild"], damaged)
    assert proc.returncode == 0, proc.stderr
    assert "embedding cache" in (proc.stdout + proc.stderr).lower()
    assert list((damaged / "cache").glob("embeddings-*.corrupt-*"))
    assert run(["status"], damaged).returncode == 0


@pytest.mark.parametrize("fault", ["corrupt", "read-only-file", "read-only-home", "locked"])
def test_progress_database_faults(home: Path, tmp_path: Path, fault: str) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    db = copy / "progress.sqlite3"
    holder = None
    if fault == "corrupt":
        db.write_bytes(b"this is not a database" * 200)
    elif fault == "read-only-file":
        sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
        db.chmod(0o444)
    elif fault == "read-only-home":
        copy.chmod(0o555)
    else:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("CREATE TABLE IF NOT EXISTS hold (x)")
    commands = (["progress"], ["progress", "--json"], ["quiz", "--json", "-n", "1"])
    try:
        if holder is None:  # in order: the first command meets the fault, the others its repair
            procs = [run(args, copy) for args in commands]
        else:  # each waits out the lock's retries (about 20 s): wait side by side
            with ThreadPoolExecutor(len(commands)) as pool:
                procs = list(pool.map(lambda args: run(args, copy), commands))
        for n, proc in enumerate(procs):
            out = proc.stdout + proc.stderr
            assert "Traceback" not in out, out[-3000:]
            if fault == "corrupt":
                assert proc.returncode == 0, out
                if n == 0:  # the first command finds it and says so; the rest use the new one
                    assert "moved" in proc.stderr and "corrupt" in proc.stderr, out
            else:
                assert proc.returncode in (0, 1), out
                if proc.returncode:
                    assert "error:" in proc.stderr and "progress" in proc.stderr.lower(), out
        if fault == "corrupt":
            assert list(copy.glob("progress.sqlite3.corrupt-*"))
    finally:
        copy.chmod(0o755)
        if holder is not None:
            holder.close()


# The commands added after the first matrix: the learner's cards and progress transfer, the team
# commands (single-user mode here) and the docs manifest. None needs an index or a model.
MORE = {"cards": ["cards", "--json", "-n", "1"], "users list": ["users", "list"],
        "export-progress": ["export-progress", "-o", "{tmp}/out.json"],
        "import-progress": ["import-progress", "{tmp}/export.json"],
        "migrate": ["migrate"], "docs list": ["docs", "list", "--task", "1.1"]}
# (exit code, what stdout or stderr says) per fault. A team command in single-user mode misses
# a setting (TUTOR_DATABASE_URL): 2. `docs list` reads no setting and no progress: it runs. A
# home that cannot be written stops what must write there (1); what only reads runs, with a
# warning that answers cannot be kept.
TEAM = (2, "needs team mode")
DOCS = (0, "pages")
EXPECTED = {
    "invalid-setting": {**dict.fromkeys(MORE, (2, "invalid settings")), "docs list": DOCS},
    "corrupt-progress": {"cards": (0, "moved"), "export-progress": (0, "moved"),
                         "import-progress": (0, "moved"), "users list": TEAM, "migrate": TEAM,
                         "docs list": DOCS},
    "read-only-home": {"cards": (0, "cannot be used"), "export-progress": (0, "cannot be used"),
                       "import-progress": (1, "cannot be used"), "users list": TEAM,
                       "migrate": TEAM, "docs list": DOCS},
}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_learner_team_and_docs_commands_under_faults(tmp_path: Path, fault: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "export.json").write_text('{"version": 1}')
    env = {"TUTOR_K": "lots"} if fault == "invalid-setting" else {}
    if fault == "read-only-home":
        home.chmod(0o555)
    try:
        for name, args in MORE.items():
            if fault == "corrupt-progress":
                (home / "progress.sqlite3").write_bytes(b"this is not a database" * 200)
            code, says = EXPECTED[fault][name]
            proc = run([a.format(tmp=tmp_path) for a in args], home, timeout=300, **env)
            out = proc.stdout + proc.stderr
            if code:
                assert_clean_failure(proc, (code,), says=says)
                continue
            assert proc.returncode == 0 and "Traceback" not in out, (name, out[-2000:])
            assert says in out, (name, says, out[-2000:])
            if says != "pages":  # what happened to the progress database is a warning
                assert "warning:" in proc.stderr and says in proc.stderr, (name, proc.stderr)
    finally:
        home.chmod(0o755)


BAD_PATHS = [
    (["cards", "--export", "csv", "{tmp}/missing/x.csv"], "does not exist"),
    (["cards", "--export", "csv", "{tmp}"], "is a folder"),
    (["export-progress", "-o", "{tmp}/missing/x.json"], "no such file"),
    (["export-progress", "-o", "{tmp}"], "is a folder"),
    (["import-progress", "{tmp}/missing.json"], "no such file"),
    (["import-progress", "{tmp}"], "is a folder"),
    (["docs", "list", "--manifest", "{tmp}/missing.yaml"], "does not exist"),
    (["docs", "list", "--manifest", "{tmp}"], "is a folder"),
]


@pytest.mark.parametrize(("args", "says"), BAD_PATHS, ids=[
    "cards-missing-folder", "cards-folder", "export-missing-folder", "export-folder",
    "import-missing", "import-folder", "manifest-missing", "manifest-folder"])
def test_bad_path_arguments_of_learner_and_docs_commands(tmp_path: Path, args: list[str],
                                                         says: str) -> None:
    proc = run([a.format(tmp=tmp_path) for a in args], tmp_path / "home", timeout=300)
    assert_clean_failure(proc, (2,), says=says)

def test_terminal_escapes_in_documents_never_reach_the_terminal(tmp_path: Path) -> None:
    docs = tmp_path / f"docs{ESC}[31m"
    docs.mkdir()
    (docs / f"neo{ESC}]0;FILENAME\x07.md").write_text(
        f"---\ntitle: \"Neo {HOSTILE}\"\nurl: https://docs.aws.amazon.com/x{ESC}[2J\n---\n"
        f"# Neo {HOSTILE}\n\nSageMaker Neo compiles models {HOSTILE} for edge devices.\n"
        f"<!-- {HOSTILE} -->\n")
    (docs / f"bad{ESC}]52;c;eA==\x07.pdf").write_bytes(b"%PDF-")
    home = tmp_path / "home"
    outputs = [run(["ingest", str(docs)], home), run(["search", "Neo compiles models"], home),
               run(["ask", "What does SageMaker Neo compile?"], home), run(["status"], home),
               run(["ingest", str(docs / "missing" / f"x{ESC}[2J")], home)]
    for proc in outputs:
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out
        for bad in (ESC, "\x07", "\x9b", "\x9d", "\u202e"):
            assert bad not in out, (repr(bad), out[-2000:])
    assert "Neo" in outputs[1].stdout and "bad" in outputs[0].stdout
