"""Team-mode progress on a real PostgreSQL, beyond the store contract: the admins' learner
overview (per-task accuracy, anonymised, admins only), moving one learner's history between
SQLite and PostgreSQL with `tutor export-progress` / `import-progress`, `tutor migrate`, and
the sign-in page in OIDC mode."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import _clear_settings_cache
from tests.quiz_data import multiple_item, single_item
from tutor.auth import Role, User
from tutor.config import load_settings
from tutor.errors import AccessDeniedError, SignInError

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PW = "a long password"


def _users(*specs: tuple[str, Role]) -> dict[str, User]:
    from tutor.auth.accounts import Accounts

    accounts = Accounts(load_settings(vector_store="memory"))
    out = {}
    for name, role in specs:
        account = accounts.add(name, role, PW)
        out[name] = User(id=account.id, name=name, role=role)
    return out


def _answer(user: User, task: str, results: list[bool]) -> None:
    from tutor.progress import open_progress_store

    store = open_progress_store(load_settings(vector_store="memory"), user)
    item = single_item(id=f"q-{task}", domain=int(task[0]), task=task)
    for n, right in enumerate(results):
        store.record(item, "B" if right else "A", right, now=T0 + timedelta(minutes=n))


def test_the_learner_overview_is_per_task_anonymised_and_for_admins_only(
        database_url: str) -> None:
    from tutor.progress.overview import team_overview

    users = _users(("boss", Role.admin), ("ana", Role.learner), ("ben", Role.learner),
                   ("cy", Role.learner))
    _answer(users["ana"], "3.1", [True, True, True, False])   # 3 of 4
    _answer(users["ben"], "3.1", [True, False])               # 1 of 2
    _answer(users["ben"], "1.1", [False, False, True])        # 1 of 3
    _answer(users["boss"], "3.1", [False] * 5)                # admins are not learners
    settings = load_settings(vector_store="memory")
    for who in (users["ana"], None):
        with pytest.raises(AccessDeniedError, match="learner overview"):
            team_overview(settings, who)
    ov = team_overview(settings, users["boss"])
    assert ov.learners == 2  # cy has answered nothing; boss is an admin
    by_task = {t.task: t for t in ov.tasks}
    assert sorted(by_task) == ["1.1", "3.1"]
    assert (by_task["3.1"].learners, by_task["3.1"].attempts) == (2, 6)
    assert by_task["3.1"].accuracy == pytest.approx(4 / 6)
    assert by_task["3.1"].median_accuracy == pytest.approx((3 / 4 + 1 / 2) / 2)
    assert (by_task["1.1"].learners, by_task["1.1"].attempts) == (1, 3)
    # Numbered by overall accuracy: ana (3 of 4) is Learner 1, ben (2 of 5) Learner 2.
    rows = {(r.learner, r.task): (r.attempts, r.accuracy) for r in ov.rows}
    assert rows == {("Learner 1", "3.1"): (4, 0.75), ("Learner 2", "3.1"): (2, 0.5),
                    ("Learner 2", "1.1"): (3, pytest.approx(1 / 3))}
    dumped = ov.model_dump_json()
    assert not any(re.search(rf"\b{name}\b", dumped) for name in users)  # no account name


def _cli(*args: str, **env: str | None) -> Any:
    from tutor.cli import app, load_plugins

    load_plugins()
    _clear_settings_cache()  # each invocation reads its own environment
    return CliRunner().invoke(app, list(args), env=env)


def test_export_and_import_move_a_history_between_sqlite_and_postgres(
        database_url: str, tutor_home: Path, tmp_path: Path) -> None:
    from tutor.progress import SQLiteProgressStore, open_progress_store

    single = SQLiteProgressStore(load_settings(database_url=None).progress_db)
    single.record(single_item(), "A", False, seconds=9.0, now=T0)
    single.record(multiple_item(), ["A", "C"], True, now=T0 + timedelta(hours=1))
    single.record(single_item(), "B", True, now=T0 + timedelta(days=1))
    out = tmp_path / "solo.json"
    done = _cli("export-progress", "--out", str(out), TUTOR_DATABASE_URL=None)
    assert done.exit_code == 0, done.output
    assert len(json.loads(out.read_text())["attempts"]) == 3

    ana = _users(("ana", Role.learner))["ana"]
    as_ana = {"TUTOR_USER": "ana", "TUTOR_PASSWORD": PW, "TUTOR_VECTOR_STORE": "memory"}
    done = _cli("import-progress", str(out), **as_ana)
    assert done.exit_code == 0 and "imported 3 new attempts" in done.output, done.output
    again = _cli("import-progress", str(out), **as_ana)
    assert again.exit_code == 0 and "imported 0 new attempts" in again.output
    team = open_progress_store(load_settings(vector_store="memory"), ana)
    pairs = [(a.item_id, a.answer, a.correct, a.at) for a in team.attempts()]
    assert pairs == [(a.item_id, a.answer, a.correct, a.at) for a in single.attempts()]
    assert team.card("q-test-single") == single.card("q-test-single") is not None

    # ... and back: from PostgreSQL into another single-user home.
    back = tmp_path / "team.json"
    assert _cli("export-progress", "--out", str(back), **as_ana).exit_code == 0
    other = tmp_path / "other-home"
    done = _cli("import-progress", str(back), TUTOR_DATABASE_URL=None, TUTOR_HOME=str(other))
    assert done.exit_code == 0 and "imported 3 new attempts" in done.output, done.output
    restored = SQLiteProgressStore(load_settings(home=other, database_url=None).progress_db)
    assert [(a.item_id, a.answer, a.at) for a in restored.attempts()] == \
        [(a.item_id, a.answer, a.at) for a in single.attempts()]

    broken = tmp_path / "broken.json"
    broken.write_text('{"attempts": "no"}')
    bad = _cli("import-progress", str(broken), **as_ana)
    assert bad.exit_code == 1 and "is not a progress export" in bad.output
    assert len(team.attempts()) == 3  # nothing lost, nothing half-written


def test_tutor_migrate_creates_the_schema_then_has_nothing_to_do(pg_cluster) -> None:
    from tests.team_support import create_database, drop_database
    from tutor.migrate import available

    url = create_database(pg_cluster.url, "t_cli_migrate")
    try:
        first = _cli("migrate", TUTOR_DATABASE_URL=url, TUTOR_VECTOR_STORE="memory")
        assert first.exit_code == 0, first.output
        applied = [line for line in first.output.splitlines() if line.startswith("applied")]
        assert len(applied) == len(available()) and "applied 0001_" in applied[0]
        second = _cli("migrate", TUTOR_DATABASE_URL=url, TUTOR_VECTOR_STORE="memory")
        assert "applied" not in second.output
        assert f"schema at version {len(available())} of {len(available())}" in second.output
    finally:
        drop_database(pg_cluster.url, url)


def test_oidc_mode_signs_in_a_verified_email_only_to_an_enabled_account(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider's side of st.login (Cognito's hosted page) needs the provider; here the app
    is given what Streamlit sets after it (st.user), as AppTest allows."""
    from tests.ui_support import app_factory
    from tutor.auth.accounts import Accounts

    monkeypatch.setenv("TUTOR_AUTH", "oidc")
    monkeypatch.setenv("TUTOR_VECTOR_STORE", "memory")
    _clear_settings_cache()
    accounts = Accounts(load_settings())
    accounts.add("ana@example.com", Role.learner, None)
    accounts.add("cy@example.com", Role.learner, None)
    accounts.disable("cy@example.com")
    with app_factory(monkeypatch) as make:
        unconfigured = make()
        unconfigured.user = {}  # no [auth] section: Streamlit sets no is_logged_in
        unconfigured.run()
        assert not unconfigured.exception and not unconfigured.button
        assert "no [auth] section" in unconfigured.error[0].value
        signed_out = make()
        signed_out.user = {"is_logged_in": False}
        signed_out.run()
        assert [t.value for t in signed_out.title] == ["Sign in to the MLA-C01 tutor"]
        assert [b.label for b in signed_out.button] == ["Sign in"]
        assert not signed_out.text_input and not signed_out.chat_input
        for email, signed_in in (("ana@example.com", True), ("stranger@example.com", False),
                                 ("cy@example.com", False)):
            at = make()
            at.user = {"is_logged_in": True, "email": email}
            at.run()
            assert not at.exception
            assert bool(at.chat_input) is signed_in, email
            if not signed_in:
                assert [t.value for t in at.title] == ["Sign in to the MLA-C01 tutor"]
                assert "no account of that name" in at.warning[0].value
    with pytest.raises(SignInError):  # the library refuses the same way
        accounts.sign_in_verified("stranger@example.com")
