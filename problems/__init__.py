"""The exercise engine: every exercise of the lecture notes, generated, solved, explained
and graded. Imports only numpy and the standard library.

Public contract
---------------
``KINDS``: dict slug → kind object. ``get(slug)`` returns one, or raises
:class:`UnknownKind` (a ``LookupError``) naming the valid slugs.

Every kind has:

- ``settings`` — the declared config keys (``problems.settings.Setting``); ``defaults``
  and ``config_schema()`` (JSON Schema) derive from them.
- ``generate(seed, config=None) -> Variant`` — deterministic for (seed, config) on any
  machine (``np.random.default_rng(seed)``). ``Variant`` has ``kind``, ``seed``, ``config``,
  ``params`` and ``answers``, plain JSON-serializable Python. Parameters are drawn already
  rounded and are shown exactly (``base.fmt``), so the key, in full double precision, is
  computed from exactly the numbers the student reads. Every key is finite.
  ``config`` tunes sizes, value ranges (within ±1e6), decimals, allowed activations, α,
  loss …; its ``"fixed"`` mapping pins any parameter (the lecture's exact problem A). A
  pinned array sets the sizes it implies (a pinned W alone sets m and n); pinned numbers
  lie within ±1e6 and have at most 6 significant digits (they are shown as given). A
  config that cannot give a valid variant raises :class:`ConfigError`, whose ``errors``
  lists every (setting, message) at once, each message in the setting's label's words
  (``setting`` is a setting name, ``"fixed"``, ``"policy"`` or None).
- ``givens(params)`` (LaTeX lines), ``activation_lines(params)``, ``plot(params)`` (a
  ``Plot`` or None) and ``facets(params)`` (statistics facet → value): how it is shown.
- ``solve(params) -> dict`` — the answer key; ``generate(...).answers == solve(params)``.
- ``prompt(params) -> str`` — the question in plain text with its numbers.
- ``answer_fields(params) -> list[dict]`` — per answer: ``name``, ``shape`` (``[]``,
  ``[m]``, ``[m, n]``), ``label``, ``symbol``, ``type`` (``number``, ``boolean``,
  ``choice`` with ``options``, ``shape``).
- ``solution(params) -> list[Step]`` — the worked solution with the variant's numbers;
  a ``Step`` has ``title``, ``text`` (plain text) and ``latex``, and ``answers``: the final
  answers as its text shows them (numbers exact when short, else to 4 decimals and at
  least 4 significant figures), which typed back score 1 under the kind's default policy.
- ``grade(params, submission, policy=None) -> Grade`` — ``submission`` maps answer names
  to numbers, lists, nested lists or strings per entry (``"3/4"``, ``"-1.5e-2"``,
  ``"[0, 5, 4]"``). ``Grade`` has ``score`` in [0, 1], ``results`` (per answer and per
  entry), ``format_errors`` (nothing graded, no attempt used), ``misconceptions`` (tags) and
  ``feedback`` (sentences). ``policy`` is a :class:`problems.grading.Policy` mapping:
  ``rtol``/``atol`` (default 1e-3 / 5e-4), ``sigfigs``, ``decimals``, ``entry``
  (numbers / arithmetic / functions), ``partial_credit`` (entries / answers / none),
  ``weights``. ``describe_policy(policy)`` puts the rule in words.
- ``misconception_name(tag, kind)`` — a tag as staff read it ("Activation not applied"),
  from the shared table ``MISCONCEPTIONS`` or the kind's ``misconception_names``.

How to add a kind
-----------------
1. Write one module with a :class:`Kind` subclass: ``slug``, ``title``, ``param_names``.
2. ``settings``: a tuple of :class:`problems.settings.Setting` (name, label, type, bounds,
   default, help). They are the config: defaults, validation, the instructor's form, the YAML
   check and the JSON schema all come from them. Rules between settings: ``validate_config``.
3. ``make_params``, ``solve``, ``prompt``, ``answer_fields``, ``solution`` (steps with
   ``answers``), optionally ``check_params`` (pinned values) and ``slips`` (misconceptions).
4. Display: ``given_symbols`` (param → LaTeX symbol shown as MathML), ``named_activations``,
   ``plot(params)`` → :class:`problems.base.Plot`, ``facet_labels`` + ``facets(params)``.
5. Add an instance to ``KINDS`` below. Nothing in ``grader/`` or ``templates/`` changes
   (tests/grader/test_eleventh_kind.py proves it; tests/problems/test_contract.py checks it).

Kinds: activation, activation_derivative, dense_forward, dense_backward, mlp_forward,
softmax_cross_entropy, shape_check, param_count, gradient_chain, activation_choice.
Activations (PyTorch's definitions; at a kink the z ≤ 0 branch): relu, leaky_relu, elu,
sigmoid, tanh, swish, gelu, gelu_tanh.
"""

from __future__ import annotations

from .activation import ActivationDerivativeKind, ActivationKind
from .activations import ACTIVATIONS
from .base import ConfigError, Grade, Kind, Step, UnknownKind, Variant
from .chain import GradientChainKind
from .choice import ActivationChoiceKind
from .dense import DenseBackwardKind, DenseForwardKind
from .grading import Policy
from .misconceptions import MISCONCEPTIONS, misconception_name
from .mlp import MlpForwardKind
from .shapes import ParamCountKind, ShapeCheckKind
from .softmax import SoftmaxCrossEntropyKind
from .values import finite_number

KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        ActivationKind(),
        ActivationDerivativeKind(),
        DenseForwardKind(),
        DenseBackwardKind(),
        MlpForwardKind(),
        SoftmaxCrossEntropyKind(),
        ShapeCheckKind(),
        ParamCountKind(),
        GradientChainKind(),
        ActivationChoiceKind(),
    )
}


def get(slug: str) -> Kind:
    """The kind named ``slug``; UnknownKind (a LookupError) naming the valid slugs."""
    try:
        return KINDS[slug]
    except (KeyError, TypeError):
        raise UnknownKind(f"unknown kind {slug!r}; valid kinds: {', '.join(KINDS)}") from None


__all__ = [
    "ACTIVATIONS",
    "KINDS",
    "MISCONCEPTIONS",
    "ConfigError",
    "Grade",
    "Kind",
    "Policy",
    "Step",
    "UnknownKind",
    "Variant",
    "finite_number",
    "get",
    "misconception_name",
]
