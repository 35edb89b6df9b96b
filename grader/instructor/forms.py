"""Instructor forms. The problem-template form is built from the kind's declared settings
(``Kind.settings``: name, label, type, help), so a kind needs no form code of its own."""

from __future__ import annotations

import json

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

import problems
from problems.grading import ENTRY_MODES, Policy

from ..models import MODES, SCORE_POLICIES
from ..services import as_sentence
from ..services.inputs import MAX_ID, bad_text_in, too_deep_json

DEFAULT_POLICY = Policy()  # the engine's tolerance defaults: one definition


def pairs(items) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in items]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class JsonField(TextAreaField):
    """A JSON object typed by the instructor (pinned parameters); a clear message if not."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = {}
            return
        # json.loads recurses once per level; "\u0000" decodes to a NUL PostgreSQL refuses
        message = too_deep_json(text, "the JSON")
        if message:
            self.data = None
            raise ValueError(as_sentence(message))
        try:
            self.data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.data = None
            raise ValueError(
                f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        if not isinstance(self.data, dict):
            self.data = None
            raise ValueError('Give a JSON object, e.g. {"W": [[1, -1], [0, 2]], "x": [1, 2]}.')
        message = bad_text_in(self.data)
        if message:
            self.data = None
            raise ValueError(as_sentence(message))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return json.dumps(self.data) if self.data else ""


def _is_pair(setting) -> bool:
    """A range is drawn as two fields, from and to."""
    return setting.type == "range"


def config_fields(setting) -> dict:
    """The form field(s) of one declared setting, by name (``cfg_<name>``, or ``_lo``/``_hi``
    for a range), built from its type alone."""
    name, label, help_ = f"cfg_{setting.name}", setting.label, setting.help
    t = setting.type
    if t == "range":
        field_type = IntegerField if setting.whole else FloatField
        return {
            f"{name}_lo": field_type(f"{label}: from", [InputRequired()], description=help_),
            f"{name}_hi": field_type(f"{label}: to", [InputRequired()]),
        }
    if t == "multi-choice":
        return {name: MultiCheckboxField(label, choices=list(setting.options), description=help_)}
    if t == "choice":
        return {name: SelectField(label, choices=list(setting.options), description=help_)}
    if t == "int-list":
        return {
            name: StringField(
                label, description=help_ or "Whole numbers separated by commas, e.g. 2, 4, 8."
            )
        }
    if t == "matrix":
        return {
            name: JsonField(label, description=help_ or "Rows of numbers, e.g. [[1, 2], [3, 4]].")
        }
    if t == "bool":
        return {name: BooleanField(label, description=help_)}
    if t == "float":
        required = Optional() if setting.optional else InputRequired()
        return {name: FloatField(label, [required], description=help_)}
    return {name: IntegerField(label, [InputRequired()], description=help_)}


def template_form_class(kind: str) -> type[FlaskForm]:
    """A FlaskForm with a title, this kind's config fields, pinned parameters and policy."""
    attrs: dict = {
        "title": StringField("Title", validators=[DataRequired(), Length(max=200)]),
        "fixed": JsonField(
            "Pinned parameters (JSON, optional)",
            description="Fixes parameters for every student, e.g. the lecture's problem A: "
            '{"W": [[1, 3], [-2, 4]], "x": [2, -1], "b": [1, 0]}',
        ),
        "tolerance": RadioField(
            "Tolerance",
            choices=pairs(
                [
                    ("rtol_atol", "relative / absolute"),
                    ("sigfigs", "significant figures"),
                    ("decimals", "decimal places"),
                ]
            ),
            default="rtol_atol",
        ),
        "rtol": FloatField(
            "Relative tolerance",
            default=DEFAULT_POLICY.rtol,
            validators=[Optional(), NumberRange(min=0, max=1)],
        ),
        "atol": FloatField(
            "Absolute tolerance",
            default=DEFAULT_POLICY.atol,
            validators=[Optional(), NumberRange(min=0, max=1e6)],
        ),
        "sigfigs": IntegerField(
            "Significant figures", default=3, validators=[Optional(), NumberRange(min=1, max=15)]
        ),
        "decimals_policy": IntegerField(
            "Decimal places", default=2, validators=[Optional(), NumberRange(min=0, max=12)]
        ),
        "entry": SelectField("Students may enter", choices=list(ENTRY_MODES), default="numbers"),
        "partial_credit": SelectField(
            "Partial credit",
            choices=pairs(
                [
                    ("entries", "fraction of correct entries"),
                    ("answers", "per answer, all or nothing"),
                    ("none", "whole problem, all or nothing"),
                ]
            ),
            default="entries",
        ),
    }
    for setting in problems.get(kind).settings:
        attrs.update(config_fields(setting))
    attrs["kind_slug"] = kind
    return type(f"TemplateForm_{kind}", (FlaskForm,), attrs)


def fill_template_form(form, kind: str, config: dict, policy: dict, title: str) -> None:
    """Put a template's values into its form (for editing)."""
    cfg = problems.get(kind).configure({k: v for k, v in config.items()})
    form.title.data = title
    form.fixed.data = config.get("fixed") or {}
    for setting in problems.get(kind).settings:
        value, name = cfg[setting.name], f"cfg_{setting.name}"
        if _is_pair(setting):
            lo, hi = value if isinstance(value, list | tuple) else (value, value)
            getattr(form, f"{name}_lo").data = lo
            getattr(form, f"{name}_hi").data = hi
        elif setting.type == "int-list":
            getattr(form, name).data = ", ".join(str(v) for v in value)
        else:
            getattr(form, name).data = value
    if policy.get("decimals") is not None:
        form.tolerance.data, form.decimals_policy.data = "decimals", policy["decimals"]
    elif policy.get("sigfigs") is not None:
        form.tolerance.data, form.sigfigs.data = "sigfigs", policy["sigfigs"]
    else:
        form.tolerance.data = "rtol_atol"
        form.rtol.data = policy.get("rtol", DEFAULT_POLICY.rtol)
        form.atol.data = policy.get("atol", DEFAULT_POLICY.atol)
    form.entry.data = policy.get("entry", "numbers")
    pc = policy.get("partial_credit", "entries")
    form.partial_credit.data = {True: "entries", False: "none"}.get(pc, pc)


def read_template_form(form, kind: str) -> tuple[dict, dict]:
    """(config, policy) from a validated form; ValueError naming the field when a value is off."""
    config: dict = {}
    kind_obj = problems.get(kind)
    for setting in kind_obj.settings:
        name = f"cfg_{setting.name}"
        if _is_pair(setting):
            lo, hi = getattr(form, f"{name}_lo").data, getattr(form, f"{name}_hi").data
            # a size whose default is one number is stored as one number when from = to
            one = lo == hi and not isinstance(setting.default, list)
            config[setting.name] = lo if one else [lo, hi]
        elif setting.type == "int-list":
            text = getattr(form, name).data or ""
            try:
                config[setting.name] = [int(v) for v in text.replace(" ", "").split(",") if v]
            except ValueError:
                raise ValueError(
                    name, f"{setting.label}: give whole numbers separated by commas, e.g. 2, 4, 8."
                ) from None
        else:
            config[setting.name] = getattr(form, name).data
    if form.fixed.data:
        config["fixed"] = form.fixed.data
    defaults = kind_obj.defaults
    config = {k: v for k, v in config.items() if k == "fixed" or v != defaults.get(k)}
    policy: dict = {"entry": form.entry.data, "partial_credit": form.partial_credit.data}
    if form.tolerance.data == "sigfigs":
        if form.sigfigs.data is None:
            raise ValueError("sigfigs", "Give the number of significant figures.")
        policy["sigfigs"] = form.sigfigs.data
    elif form.tolerance.data == "decimals":
        if form.decimals_policy.data is None:
            raise ValueError("decimals_policy", "Give the number of decimal places.")
        policy["decimals"] = form.decimals_policy.data
    else:
        policy["rtol"] = form.rtol.data if form.rtol.data is not None else DEFAULT_POLICY.rtol
        policy["atol"] = form.atol.data if form.atol.data is not None else DEFAULT_POLICY.atol
    return config, policy


class AssignmentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    mode = SelectField("Mode", choices=list(MODES), default="homework")
    opens_at = DateTimeLocalField("Opens (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    due_at = DateTimeLocalField("Due (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField("Closes (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    late_penalty = DecimalField(
        "Late penalty (fraction lost)",
        default=0,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1)],
    )
    max_attempts = IntegerField(
        "Max attempts per problem (blank: unlimited)",
        validators=[Optional(), NumberRange(min=1, max=10000)],
    )
    retry_penalty = DecimalField(
        "Penalty per retry (fraction)",
        default=0,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1)],
    )
    time_limit_minutes = IntegerField(
        "Time limit in minutes (quizzes)", validators=[Optional(), NumberRange(min=1, max=10000)]
    )
    solution_release = SelectField(
        "Show worked solutions",
        choices=pairs(
            [
                ("after_correct", "after a correct answer"),
                ("after_attempts", "after a correct answer or when attempts run out"),
                ("after_due", "after the due date"),
                ("never", "never"),
            ]
        ),
    )
    score_policy = SelectField(
        "Score that counts", choices=pairs((p, f"{p} attempt") for p in SCORE_POLICIES)
    )

    def validate_closes_at(self, field):
        if field.data and self.due_at.data and field.data < self.due_at.data:
            raise ValidationError("Closing must not be before the due date.")

    def validate_time_limit_minutes(self, field):
        if field.data and self.mode.data != "quiz":
            raise ValidationError("A time limit is for quizzes only.")


class AddProblemForm(FlaskForm):
    template_id = SelectField("Template", coerce=int)
    points = FloatField(
        "Points", default=10, validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )


class PointsForm(FlaskForm):
    points = FloatField("Points", validators=[InputRequired(), NumberRange(min=0, max=10000)])


class ImportForm(FlaskForm):
    file = FileField("Assignment YAML", validators=[FileRequired("Choose a YAML file.")])
    publish = BooleanField("Publish it now (students see it at once)", default=False)


class ExtensionForm(FlaskForm):
    student_id = SelectField("Student", coerce=int)
    due_at = DateTimeLocalField(
        "New due date (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    closes_at = DateTimeLocalField(
        "New closing date (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    excused = BooleanField("Excused (EX in the gradebook)")


class OverrideForm(FlaskForm):
    """A score typed in points, as the gradebook shows them (the route checks the problem's
    maximum and stores the fraction)."""

    points = FloatField(
        "Points (blank removes the override)",
        validators=[Optional(), NumberRange(min=0, message="Points cannot be negative.")],
    )
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])


class TryForm(FlaskForm):
    """The preview's answer form: the variant it grades (seed or student) rides along."""

    seed = HiddenField()
    student_id = HiddenField()


class PreviewForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    seed = IntegerField("Seed", validators=[Optional(), NumberRange(min=0, max=2**62)])
    student_id = SelectField("…or as student", coerce=int, validators=[Optional()])

    def read(self) -> tuple[int, int]:
        """(seed, student id or 0) from the query; a seed or id out of range reads as none,
        so that neither reaches the engine or the database."""
        seed = self.seed.data
        student = self.student_id.data
        return (
            seed if isinstance(seed, int) and 0 <= seed <= 2**62 else 0,
            student if isinstance(student, int) and 0 < student <= MAX_ID else 0,
        )
