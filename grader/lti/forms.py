"""Forms of the LTI pages."""

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class RegistrationForm(FlaskForm):
    issuer = StringField(
        "Issuer",
        validators=[DataRequired(), Length(max=255)],
        description="e.g. https://canvas.instructure.com",
    )
    client_id = StringField("Client id", validators=[DataRequired(), Length(max=255)])
    deployment_ids = StringField(
        "Deployment ids",
        validators=[DataRequired(), Length(max=1000)],
        description="One or more, separated by commas.",
    )
    auth_login_url = StringField("OIDC auth URL", validators=[DataRequired(), Length(max=1000)])
    auth_token_url = StringField("Token URL", validators=[DataRequired(), Length(max=1000)])
    key_set_url = StringField("Key set (JWKS) URL", validators=[DataRequired(), Length(max=1000)])


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class DeepLinkForm(FlaskForm):
    launch_id = HiddenField(validators=[DataRequired(), Length(max=100)])
    assignment_id = SelectField("Assignment", coerce=int, validate_choice=True)


class DeepLinkReturnForm(Form):
    """The signed answer posted to the LMS's deep-linking return URL (no CSRF token: it
    goes to the LMS, which checks the JWT's signature)."""

    JWT = HiddenField()
