"""The template form is built from each kind's declared settings alone: every setting of
every kind gets the field its type calls for, and an unchanged form saves an empty config."""

from __future__ import annotations

import pytest
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField

import problems
from grader.instructor.forms import (
    MultiCheckboxField,
    fill_template_form,
    read_template_form,
    template_form_class,
)

FIELD = {
    "int": IntegerField,
    "float": FloatField,
    "choice": SelectField,
    "multi-choice": MultiCheckboxField,
    "int-list": StringField,
    "bool": BooleanField,
}


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_every_setting_gets_the_field_of_its_type_and_defaults_save_nothing(app, slug):
    kind = problems.get(slug)
    with app.test_request_context():
        form = template_form_class(slug)(meta={"csrf": False})
        for s in kind.settings:
            if s.type == "range":
                expected = IntegerField if s.whole else FloatField
                for end in ("lo", "hi"):
                    field = getattr(form, f"cfg_{s.name}_{end}")
                    assert type(field) is expected, (s.name, end)
                assert field.label.text == f"{s.label}: to"
            else:
                field = getattr(form, f"cfg_{s.name}")
                assert type(field) is FIELD[s.type], s.name
                assert field.label.text == s.label
                if s.type == "multi-choice":
                    assert list(field.choices) == list(s.options)
        fill_template_form(form, slug, {}, {}, "T")
        config, _policy = read_template_form(form, slug)
    assert config == {}


def test_a_float_range_keeps_its_fractions_and_a_list_setting_is_a_list(app):
    with app.test_request_context():
        form = template_form_class("param_count")(meta={"csrf": False})
        fill_template_form(form, "param_count", {"widths": [3, 7]}, {}, "T")
        assert form.cfg_widths.data == "3, 7"
        assert read_template_form(form, "param_count")[0] == {"widths": [3, 7]}
        form = template_form_class("gradient_chain")(meta={"csrf": False})
        fill_template_form(form, "gradient_chain", {"w_range": [-0.5, 1.5]}, {}, "T")
        assert (form.cfg_w_range_lo.data, form.cfg_w_range_hi.data) == (-0.5, 1.5)
        assert read_template_form(form, "gradient_chain")[0] == {"w_range": [-0.5, 1.5]}
        # a size whose default is one number stays one number when from = to
        form = template_form_class("mlp_forward")(meta={"csrf": False})
        fill_template_form(form, "mlp_forward", {"inputs": 3, "outputs": [1, 2]}, {}, "T")
        assert read_template_form(form, "mlp_forward")[0] == {"inputs": 3, "outputs": [1, 2]}
