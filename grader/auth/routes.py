"""Login, logout and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from ..services import as_sentence
from ..services.accounts import (
    DEVICE_COOKIE,
    AccountError,
    authenticate,
    change_password,
    end_sessions,
    set_device_cookie,
)
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) may be the page after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("courses.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        # The client's address: behind proxies, set TRUSTED_PROXIES so that ProxyFix reads it.
        user, refused = authenticate(
            form.email.data,
            form.password.data,
            request.remote_addr,
            request.cookies.get(DEVICE_COOKIE),
        )
        if user is not None:
            login_user(user, remember=form.remember.data)
            response = redirect(_safe_next(request.args.get("next")))
            set_device_cookie(response, user)
            return response
        flash(refused.message, "error")
        status = refused.status
        if refused.retry_after:
            headers["Retry-After"] = str(refused.retry_after)
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    # Ends every session of the user, on every device: a copied session or remember
    # cookie must not outlive the logout, and a cookie cannot be told from its copy.
    end_sessions(current_user)
    logout_user()
    flash("You are logged out (on every device).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except AccountError as exc:
            form.current.errors.append(as_sentence(str(exc)))
            status = 400
        else:
            # The new password ended every session; this one goes on under the new id.
            remembered = (
                current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            )
            login_user(current_user._get_current_object(), remember=remembered)
            flash("Your password is changed; other devices are logged out.", "info")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/account.html", form=form), status
