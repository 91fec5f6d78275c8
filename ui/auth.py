"""Sign-in for team mode, and who is signed in for this browser session.

Single-user mode (no TUTOR_DATABASE_URL) shows no sign-in and ``current_user`` is None: the
one local user may do everything. In team mode every script run checks the session token
against the database, so a session that expired or whose account was disabled ends at the
next click, on whichever app process serves it. A learner whose process is lost signs in
again on another and finds everything, since nothing but the token lives in the process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from tutor import prompts

if TYPE_CHECKING:
    from tutor.auth import User
    from tutor.auth.accounts import Accounts
    from tutor.config import Settings

TOKEN = "auth.token"
USER = "auth.user"
NOTICE = "auth.notice"


def client_address() -> str:
    """The learner's address, for sign-in throttling: the one our nginx puts in X-Real-IP,
    else the peer address (app processes listen only where nginx reaches them)."""
    forwarded = st.context.headers.get("X-Real-Ip")
    return forwarded or st.context.ip_address or "unknown"


def current_user() -> User | None:
    """The user of this session as checked at the start of this run (None in single-user
    mode). Pages and resources read it; only ``require_sign_in`` sets it."""
    return st.session_state.get(USER)


def gate() -> User | None:
    """Run first by the app: None in single-user mode, else the signed-in user (the sign-in
    page stops the run until there is one). Settings that do not load are left to the pages
    to report, unless team mode is asked for, where nothing may show before sign-in."""
    from tutor.errors import ConfigError
    from ui import resources

    try:
        settings = resources.settings()
    except ConfigError as exc:
        if resources.team_requested():
            st.error(str(exc))
            st.stop()
        return None
    return require_sign_in(settings)


def _accounts(settings: Settings) -> Accounts:
    from tutor.auth.accounts import Accounts

    return Accounts(settings)


def require_sign_in(settings: Settings) -> User | None:
    """Return the signed-in user, or draw the sign-in page and stop the run."""
    if not settings.team:
        st.session_state.pop(USER, None)
        return None
    accounts = _accounts(settings)
    user = accounts.user(st.session_state.get(TOKEN))
    if user is None and st.session_state.get(TOKEN):
        st.session_state.pop(TOKEN, None)
        st.session_state[NOTICE] = prompts.SESSION_EXPIRED
    if user is None and settings.auth == "oidc" and oidc_signed_in():
        user = _sign_in_oidc(accounts)
    if user is not None:
        st.session_state[USER] = user
        return user
    st.session_state.pop(USER, None)
    _sign_in_page(settings, accounts)
    st.stop()
    return None  # not reached: st.stop ends the run


def oidc_signed_in() -> bool | None:
    """Whether the OIDC provider has signed this browser in; None when st.login is not
    configured (no [auth] section in .streamlit/secrets.toml), where Streamlit's st.user has
    no is_logged_in at all."""
    state = st.user.get("is_logged_in")
    return None if state is None else bool(state)


def _sign_in_oidc(accounts: Accounts) -> User | None:
    """The provider has verified the e-mail address; a session for the account of that name."""
    from tutor.errors import SignInError

    email = str(st.user.get("email") or "")
    try:
        signed = accounts.sign_in_verified(email)
    except SignInError as exc:
        st.session_state[NOTICE] = str(exc)
        return None
    st.session_state[TOKEN] = signed.token
    return signed.user


def _sign_in_page(settings: Settings, accounts: Accounts) -> None:
    from tutor.errors import SignInError

    st.title(prompts.TEAM_SIGNIN_TITLE)
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(notice)
    if settings.auth == "oidc":
        if oidc_signed_in() is None:
            st.error(prompts.OIDC_NOT_CONFIGURED)
        else:
            st.button("Sign in", type="primary", key="auth.oidc", on_click=st.login)
        return
    with st.form("auth.form"):
        name = st.text_input("Account", key="auth.name")
        password = st.text_input("Password", type="password", key="auth.password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        signed = accounts.sign_in(name.strip(), password, client_address())
    except SignInError as exc:
        st.error(str(exc))
        return
    st.session_state[TOKEN] = signed.token
    st.session_state[USER] = signed.user
    st.rerun()


def sign_out_button(user: User) -> None:
    """The sidebar's account line and sign-out button."""
    from ui import resources

    st.caption(f"Signed in as **{user.name}** ({user.role.value})")
    if st.button("Sign out", key="auth.signout"):
        settings = resources.settings()
        token = st.session_state.pop(TOKEN, None)
        if token:
            _accounts(settings).sign_out(token)
        st.session_state.clear()
        if settings.auth == "oidc" and oidc_signed_in():
            st.logout()
        st.rerun()


def admin_only(settings: Settings, action: str) -> bool:
    """Whether this session may do the admin ``action``; if not, says so on the page.
    The navigation already hides admin pages from learners: this is the second lock."""
    from tutor.auth import require_admin
    from tutor.errors import AccessDeniedError

    try:
        require_admin(settings, current_user(), action)
    except AccessDeniedError as exc:
        st.error(str(exc))
        return False
    return True
