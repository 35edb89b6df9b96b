"""Forms of the jobs pages."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

# A simulated class from the web: big enough for every statistic, small enough to finish
# in minutes (the command line allows more).
MAX_WEB_STUDENTS = 10000
MAX_WEB_ASSIGNMENTS = 10


class SimulateForm(FlaskForm):
    students = IntegerField(
        "Number of students",
        default=60,
        validators=[InputRequired(), NumberRange(1, MAX_WEB_STUDENTS)],
        description=f"1 to {MAX_WEB_STUDENTS:,}",
    )
    assignments = IntegerField(
        "Number of assignments",
        default=1,
        validators=[InputRequired(), NumberRange(1, MAX_WEB_ASSIGNMENTS)],
        description=f"new simulated assignments of ten problems each, 1 to {MAX_WEB_ASSIGNMENTS}",
    )
    seed = IntegerField(
        "Seed",
        default=1,
        validators=[InputRequired(), NumberRange(0, 2**31 - 1)],
        description="the same seed makes the same class",
    )
    confirm = StringField(
        "Type the course code to confirm",
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
