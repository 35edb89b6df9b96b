"""Forms of the course pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..models import ROLES


class CourseForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired(), Length(max=40)], description="e.g. NN-W3"
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])


class EnrolForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name (for a new account)", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=list(ROLES), default="student")
    section = StringField("Section", validators=[Optional(), Length(max=64)])


class RosterForm(FlaskForm):
    file = FileField("Roster CSV", validators=[FileRequired("Choose a CSV file.")])
