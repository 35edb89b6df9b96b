"""Instructor forms. The problem-template form is built per kind from the kind's config
defaults, so every kind's settings are editable without a hand-written form each."""

from __future__ import annotations

import json

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
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
from problems.activations import ACTIVATIONS
from problems.choice import SCENARIOS
from problems.dense import LOSSES
from problems.grading import ENTRY_MODES
from problems.shapes import FORMS

from ..models import MODES, SCORE_POLICIES
from ..services import as_sentence
from ..services.inputs import MAX_ID, bad_text_in, too_deep_json

VOCABULARY = {
    "activations": list(ACTIVATIONS),
    "activations1": list(ACTIVATIONS),
    "activations2": list(ACTIVATIONS),
    "losses": list(LOSSES),
    "forms": list(FORMS),
    "scenarios": list(SCENARIOS),
}
LABELS = {
    "m": "Outputs m",
    "n": "Inputs n",
    "size": "Number of entries",
    "k": "Number of classes",
    "range": "Value range",
    "decimals": "Decimals (0 = whole numbers)",
    "activations": "Activations",
    "alpha": "α (leaky ReLU, ELU; blank = default)",
    "allow_kink": "Allow z = 0 (the kink)",
    "mixed_signs": "Make z show both signs",
    "losses": "Losses",
    "target_range": "Target range",
    "target_decimals": "Target decimals",
    "inputs": "Inputs",
    "hidden": "Hidden units",
    "outputs": "Outputs",
    "input_values": "Input values",
    "activations1": "Hidden activations",
    "activations2": "Output activations",
    "forms": "Products",
    "depth": "Layers (with the input)",
    "widths": "Layer widths to draw from",
    "length": "Units in the chain",
    "w_range": "Weight range",
    "z_range": "z range",
    "scenarios": "Scenarios",
    "n_options": "Options shown",
}


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


def config_field_names(kind: str) -> list[tuple[str, str]]:
    """(config key, form shape) for a kind: 'range', 'size', 'int', 'float?', 'bool',
    'choices', 'ints'."""
    out = []
    for key, default in problems.get(kind).defaults.items():
        if key in VOCABULARY:
            out.append((key, "choices"))
        elif key == "widths":
            out.append((key, "ints"))
        elif isinstance(default, bool):
            out.append((key, "bool"))
        elif default is None:
            out.append((key, "float?"))
        elif isinstance(default, list) and len(default) == 2 and key.endswith(("range", "values")):
            out.append((key, "range"))
        elif isinstance(default, list) and len(default) == 2:
            out.append((key, "size"))
        else:
            out.append((key, "int"))
    return out


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
            "Relative tolerance", default=1e-3, validators=[Optional(), NumberRange(min=0, max=1)]
        ),
        "atol": FloatField(
            "Absolute tolerance", default=5e-4, validators=[Optional(), NumberRange(min=0, max=1e6)]
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
    for key, shape in config_field_names(kind):
        label = LABELS.get(key, key)
        name = f"cfg_{key}"
        if shape == "choices":
            attrs[name] = MultiCheckboxField(label, choices=VOCABULARY[key])
        elif shape == "ints":
            attrs[name] = StringField(label, description="Whole numbers separated by commas")
        elif shape == "bool":
            attrs[name] = BooleanField(label)
        elif shape == "float?":
            attrs[name] = FloatField(label, validators=[Optional()])
        elif shape in ("range", "size"):
            field_type = FloatField if shape == "range" else IntegerField
            attrs[name + "_lo"] = field_type(f"{label}: from", validators=[InputRequired()])
            attrs[name + "_hi"] = field_type(f"{label}: to", validators=[InputRequired()])
        else:
            attrs[name] = IntegerField(label, validators=[InputRequired()])
    attrs["kind_slug"] = kind
    return type(f"TemplateForm_{kind}", (FlaskForm,), attrs)


def fill_template_form(form, kind: str, config: dict, policy: dict, title: str) -> None:
    """Put a template's values into its form (for editing)."""
    cfg = problems.get(kind).configure({k: v for k, v in config.items()})
    form.title.data = title
    form.fixed.data = config.get("fixed") or {}
    for key, shape in config_field_names(kind):
        value = cfg[key]
        if shape in ("range", "size"):
            lo, hi = (value, value) if isinstance(value, int) else value
            getattr(form, f"cfg_{key}_lo").data = lo
            getattr(form, f"cfg_{key}_hi").data = hi
        elif shape == "ints":
            getattr(form, f"cfg_{key}").data = ", ".join(str(v) for v in value)
        else:
            getattr(form, f"cfg_{key}").data = value
    if policy.get("decimals") is not None:
        form.tolerance.data, form.decimals_policy.data = "decimals", policy["decimals"]
    elif policy.get("sigfigs") is not None:
        form.tolerance.data, form.sigfigs.data = "sigfigs", policy["sigfigs"]
    else:
        form.tolerance.data = "rtol_atol"
        form.rtol.data = policy.get("rtol", 1e-3)
        form.atol.data = policy.get("atol", 5e-4)
    form.entry.data = policy.get("entry", "numbers")
    pc = policy.get("partial_credit", "entries")
    form.partial_credit.data = {True: "entries", False: "none"}.get(pc, pc)


def read_template_form(form, kind: str) -> tuple[dict, dict]:
    """(config, policy) from a validated form; ValueError naming the field when a value is off."""
    config: dict = {}
    for key, shape in config_field_names(kind):
        if shape in ("range", "size"):
            config[key] = [getattr(form, f"cfg_{key}_lo").data, getattr(form, f"cfg_{key}_hi").data]
        elif shape == "ints":
            text = getattr(form, f"cfg_{key}").data or ""
            try:
                config[key] = [int(v) for v in text.replace(" ", "").split(",") if v]
            except ValueError:
                raise ValueError(
                    f"cfg_{key}", "Give whole numbers separated by commas, e.g. 2, 4, 8."
                ) from None
        else:
            config[key] = getattr(form, f"cfg_{key}").data
    if form.fixed.data:
        config["fixed"] = form.fixed.data
    defaults = problems.get(kind).defaults
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
        policy["rtol"] = form.rtol.data if form.rtol.data is not None else 1e-3
        policy["atol"] = form.atol.data if form.atol.data is not None else 5e-4
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
    score = FloatField(
        "Score (fraction of the points, 0 to 1; blank removes the override)",
        validators=[Optional(), NumberRange(min=0, max=1)],
    )
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])


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
