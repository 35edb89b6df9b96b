"""What every kind shares, in one import (``from problems.base import X``). Each part has
its own module:

- :mod:`problems.values`: ConfigError, UnknownKind, Variant, Step, Grade, Slip, Plot;
- :mod:`problems.formatting`: numbers, LaTeX and text as people read them, answer fields;
- :mod:`problems.config`: bounds, sizes, α, drawing rounded values, parameters as arrays;
- :mod:`problems.settings`: a kind's settings declared as typed data;
- :mod:`problems.kind`: the Kind base class (configure, generate, policy, grade);
- :mod:`problems.pipeline`: the grading pipeline Kind.grade runs.
"""

from __future__ import annotations

from .config import MAX_VALUE, as_numbers, check_alpha, check_range, check_size, draw
from .formatting import (
    SHOWN_SIGNIFICANT,
    act_label,
    answer_field,
    entry_symbol,
    fmt,
    latex_mat,
    latex_num,
    latex_row,
    latex_vec,
    numeric_plain,
    paren,
    plain,
    shown_exactly,
    text_mat,
    text_symbol,
    text_vec,
)
from .kind import Kind
from .values import ConfigError, Grade, Plot, Slip, Step, UnknownKind, Variant

__all__ = [
    "MAX_VALUE",
    "SHOWN_SIGNIFICANT",
    "ConfigError",
    "Grade",
    "Kind",
    "Plot",
    "Slip",
    "Step",
    "UnknownKind",
    "Variant",
    "act_label",
    "answer_field",
    "as_numbers",
    "check_alpha",
    "check_range",
    "check_size",
    "draw",
    "entry_symbol",
    "fmt",
    "latex_mat",
    "latex_num",
    "latex_row",
    "latex_vec",
    "numeric_plain",
    "paren",
    "plain",
    "shown_exactly",
    "text_mat",
    "text_symbol",
    "text_vec",
]
