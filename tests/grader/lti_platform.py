"""A small LTI 1.3 platform (an LMS stand-in) built on ``lti1p3platform``, an LTI
implementation independent of the tool's ``pylti1p3``, served over HTTP on 127.0.0.1 in a
thread: OIDC auth endpoint, signed id_tokens (its own RSA key, its JWKS published), the
OAuth2 token endpoint (checks the tool's signed client assertion), AGS line items and
scores (recorded), NRPS memberships and the deep-linking return endpoint.

``down`` makes every endpoint answer 503 (an LMS that is down)."""

from __future__ import annotations

import html
import re
import threading
import typing as t
from urllib.parse import urlencode

from flask import Flask, jsonify, request
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
)
from werkzeug.serving import make_server

ISSUER = "https://lms.example.edu"
CLIENT_ID = "grader-client-1"
DEPLOYMENT_ID = "deployment-1"
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
TA = ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]
ADMIN = ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]


def new_key() -> tuple[str, str]:
    jwk = JWK.generate(kty="RSA", size=2048)
    return (
        jwk.export_to_pem(private_key=True, password=None).decode(),
        jwk.export_to_pem().decode(),
    )


class FlaskRequest(Request):
    def build_metadata(self, req):
        return {
            "method": req.method,
            "form_data": dict(req.form),
            "get_data": dict(req.args),
            "headers": dict(req.headers),
            "content_type": req.content_type,
            "path": req.path,
            "json": req.get_json(silent=True),
        }


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs):
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


class LmsPlatform:
    """The platform; ``url`` is its address. ``user``/``context``/``link`` describe the
    next launch; ``scores`` records every score posted, ``members`` is the roster NRPS
    serves; ``lineitems`` what deep linking created."""

    def __init__(self, tool_base: str, tool_jwks: dict):
        self.private_pem, self.public_pem = new_key()
        self.down = False
        self.scores: list[dict] = []
        self.lineitems: dict[str, dict] = {}
        self.members: list[dict] = []
        self.deep_link_items: list[dict] = []
        self.tool_base = tool_base
        self.tool_jwks = tool_jwks
        self.id_token_expiration = 300
        self.sign_with: str | None = None  # another private key: a forged token
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.next: dict[str, t.Any] = {}

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)

    # -------------------------------------------------------------- registration

    def registration(self, launch_url: str | None = None) -> Registration:
        reg = (
            Registration()
            .set_iss(ISSUER)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(self.tool_base + "/lti/login")
            .set_launch_url(launch_url or self.tool_base + "/lti/launch")
            .set_deeplink_launch_url(self.tool_base + "/lti/launch")
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.sign_with or self.private_pem)
        )
        reg.set_tool_key_set(self.tool_jwks)
        return reg

    def conf(self) -> PlatformConf:
        return PlatformConf(registration=self.registration(self.next.get("target")))

    def tool_registration_values(self) -> dict:
        """What an LMS admin types into the tool (flask lti-register)."""
        return {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "deployment_ids": [DEPLOYMENT_ID],
            "auth_login_url": self.url + "/auth",
            "auth_token_url": self.url + "/token",
            "key_set_url": self.url + "/jwks",
        }

    # -------------------------------------------------------------- launches

    def login_url(
        self, sub: str, roles: list[str], context_id: str = "ctx-1", **next_launch
    ) -> str:
        """The tool's OIDC login URL (third-party initiated login) for the next launch."""
        if not next_launch.get("deep_link"):
            next_launch.setdefault("resource_link_id", "rl-home")  # a launch's link is required
        self.next = {"sub": sub, "roles": roles, "context_id": context_id, **next_launch}
        login = Login(None, self.conf())
        login.set_lti_message_hint(hint=f"{context_id}:{sub}")
        if next_launch.get("target"):
            login.set_launch_url(next_launch["target"])
        return login.initiate_login(sub)

    def _make_app(self) -> Flask:
        app = Flask("test-platform")
        platform = self

        @app.before_request
        def maybe_down():
            if platform.down:
                return "the LMS is down", 503
            return None

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": platform._jwks()})

        @app.get("/auth")
        def auth():
            n = platform.next
            launch = Launch(FlaskRequest(request), platform.conf())
            launch.set_user_data(n["sub"], n["roles"], n.get("name"), n.get("email"))
            launch.set_launch_context_claim(
                n["context_id"],
                context_title=n.get("context_title", "Neural networks 101"),
                context_label=n.get("context_label", "NN101"),
            )
            if n.get("resource_link_id"):
                launch.set_resource_link_claim(n["resource_link_id"])
            if n.get("custom"):
                launch.set_custom_parameters_claim(n["custom"])
            launch.set_nrps(platform.url + f"/contexts/{n['context_id']}/memberships")
            lineitem = n.get("lineitem")
            launch.set_ags(
                platform.url + f"/contexts/{n['context_id']}/lineitems",
                platform.url + f"/lineitems/{lineitem}" if lineitem else None,
            )
            if n.get("deep_link"):
                launch.set_dl(platform.url + "/deep-link-return", accept_types={"ltiResourceLink"})
            launch.set_id_token_expiration(platform.id_token_expiration)
            data = launch.lti_launch()
            platform.last_launch = data
            return (
                f'<form method="post" action="{html.escape(data["launch_url"])}" id="f">'
                f'<input type="hidden" name="id_token" value="{html.escape(data["id_token"])}">'
                f'<input type="hidden" name="state" value="{html.escape(data["state"])}">'
                '<button type="submit">Continue</button></form>'
                '<script>document.getElementById("f").submit()</script>'
            )

        @app.post("/token")
        def token():
            conf = platform.conf()
            conf.get_registration()
            try:
                return jsonify(conf.get_access_token(dict(request.form)))
            except Exception as exc:  # a bad client assertion
                return jsonify({"error": "invalid_client", "message": str(exc)}), 401

        class Ags(AssignmentsGradesService):
            def find_lineitems(self, **kw):
                return {"content": list(platform.lineitems.values()), "has_next": False}

            def find_lineitem(self, line_item_id):
                return platform.lineitems[line_item_id]

            def create_lineitem(self, creation_data):
                n = str(len(platform.lineitems) + 1)
                item = {**creation_data, "id": platform.url + f"/lineitems/{n}"}
                platform.lineitems[n] = item
                return item

            def update_lineitem(self, update_data):
                raise NotImplementedError

            def delete_lineitem(self, line_item_id):
                raise NotImplementedError

            def update_score(self, line_item_id, score):
                from lti1p3platform.exceptions import LineItemNotFoundException
                from lti1p3platform.score import UpdateScoreStatus

                if line_item_id not in platform.lineitems:
                    raise LineItemNotFoundException()
                platform.scores.append({"lineitem": line_item_id, **score})
                return UpdateScoreStatus.SUCCESS

            def get_results(self, line_item_id, **kw):
                return {"content": [], "has_next": False}

        @app.route("/contexts/<context_id>/lineitems", methods=["GET", "POST"])
        def lineitems(context_id):
            conf = platform.conf()
            conf.get_registration()
            service = Ags(FlaskRequest(request), conf, request.base_url)
            handler = (
                service.handle_get_lineitems
                if request.method == "GET"
                else service.handle_create_lineitem
            )
            resp = service.handle_resp(handler)
            if request.method == "GET" and resp.code == 200:
                return jsonify(resp.result["content"]), 200
            return jsonify(resp.result), resp.code

        @app.post("/lineitems/<line_item_id>/scores")
        def scores(line_item_id):
            conf = platform.conf()
            conf.get_registration()
            service = Ags(
                FlaskRequest(request),
                conf,
                platform.url + "/lineitems",
                platform.url + f"/lineitems/{line_item_id}",
            )
            resp = service.handle_resp(service.handle_update_score, line_item_id=line_item_id)
            return jsonify({"message": resp.message}), resp.code

        class Nrps(NamesRoleProvisioningService):
            def get_member_data_page(self, **kw):
                return {"content": list(platform.members), "has_next": False}

            def get_context_by_id(self):
                from lti1p3platform.membership import Context

                return Context(id="ctx-1", label="NN101", title="Neural networks 101")

        @app.get("/contexts/<context_id>/memberships")
        def memberships(context_id):
            conf = platform.conf()
            conf.get_registration()
            service = Nrps(FlaskRequest(request), conf, request.base_url)
            resp = service.handle_resp(service.handle_get_members)
            return jsonify(resp.result), resp.code

        @app.post("/deep-link-return")
        def deep_link_return():
            conf = platform.conf()
            conf.get_registration()
            items = conf.validate_deeplinking_resp(dict(request.form))
            for item in items:
                platform.deep_link_items.append(item)
                if item.get("lineItem"):
                    n = str(len(platform.lineitems) + 1)
                    platform.lineitems[n] = {
                        "id": platform.url + f"/lineitems/{n}",
                        **item["lineItem"],
                    }
            return f"placed {len(items)} item(s)"

        return app

    def _jwks(self) -> list[dict]:
        return Registration().set_platform_public_key(self.public_pem).get_jwks()


def form_fields(page: str) -> tuple[str, dict]:
    """The action and hidden fields of the form that posts to another site (the
    auto-submitting form of a launch or a deep-linking answer)."""
    action = html.unescape(re.search(r'<form[^>]*action="(https?://[^"]+)"', page).group(1))
    fields = {}
    for tag in re.findall(r'<input [^>]*type="hidden"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields[html.unescape(name)] = html.unescape(value.group(1) if value else "")
    return action, fields


__all__ = ["LmsPlatform", "form_fields", "urlencode"]
