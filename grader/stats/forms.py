"""Forms of the statistics pages."""

from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length, Optional


class StudentFilterForm(FlaskForm):
    """The course statistics page's filter of its student list (GET ?q=, no CSRF: it only
    reads). filter.js narrows the list as one types, by the data-filter attributes."""

    class Meta:
        csrf = False

    q = SearchField(
        "Filter students by name or email",
        validators=[Optional(), Length(max=200)],
        render_kw={
            "data-filter": "student-list",
            "data-filter-count": "student-count",
            "autocomplete": "off",
        },
    )
