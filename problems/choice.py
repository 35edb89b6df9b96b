"""Kind ``activation_choice``: the lecture's practical selection criteria as questions."""

from __future__ import annotations

from . import settings as S
from .base import ConfigError, Kind, Slip, Step, answer_field

OPTIONS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "elu": "ELU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "swish": "Swish",
    "gelu": "GELU",
    "softmax": "softmax",
    "linear": "linear (no activation)",
}

# scenario → (question, right choice, reason, {wrong choice: (tag, sentence)})
SCENARIOS: dict[str, tuple[str, str, str, dict[str, tuple[str, str]]]] = {
    "binary_output": (
        "The output layer of a binary classifier (one unit) must give the probability of "
        "the positive class. Which activation?",
        "sigmoid",
        "sigmoid maps any z into (0, 1), a probability; with binary cross-entropy its "
        "gradient is simply y − t.",
        {
            "relu": (
                "unbounded_output",
                "ReLU is unbounded above: its output is not a probability.",
            ),
            "softmax": ("softmax_single_unit", "softmax over a single unit is always 1."),
            "tanh": ("tanh_not_probability", "tanh gives values in (−1, 1), not a probability."),
        },
    ),
    "multiclass_output": (
        "The output layer of a classifier over 10 classes (like the lecture's Keras model) "
        "must give a probability for each class, summing to 1. Which activation?",
        "softmax",
        "softmax exponentiates and normalises: the outputs are positive and sum to 1.",
        {
            "sigmoid": (
                "sigmoid_for_multiclass",
                "sigmoid treats each class alone: the 10 outputs need not sum to 1.",
            ),
            "relu": ("unbounded_output", "ReLU is unbounded and need not sum to 1."),
        },
    ),
    "deep_hidden": (
        "The hidden layers of a deep network: you want fast computation, sparse activations "
        "and no vanishing gradient for positive inputs. Which activation?",
        "relu",
        "ReLU's slope is exactly 1 for z > 0 and it costs one comparison.",
        {
            "sigmoid": (
                "saturating_hidden",
                "sigmoid saturates (slope at most 0.25): gradients vanish in deep stacks.",
            ),
            "tanh": (
                "saturating_hidden",
                "tanh saturates for large |z|: gradients vanish in deep stacks.",
            ),
        },
    ),
    "dead_neurons": (
        "Hidden layers where many ReLU units have died (stuck at 0): negative inputs must keep "
        "a small gradient, at ReLU's speed. Which activation?",
        "leaky_relu",
        "leaky ReLU lets a small slope α through for z ≤ 0, so no unit's gradient is exactly 0.",
        {"relu": ("dead_relu", "ReLU's slope is 0 for z ≤ 0: that is what kills the units.")},
    ),
    "zero_centred": (
        "A hidden layer whose outputs must be zero-centred and bounded in (−1, 1), like the "
        "hidden layer of the lecture's XOR net. Which activation?",
        "tanh",
        "tanh is symmetric around 0 with range (−1, 1).",
        {"sigmoid": ("not_zero_centred", "sigmoid's outputs lie in (0, 1): not zero-centred.")},
    ),
    "transformer": (
        "The feed-forward layers of a transformer such as BERT or GPT: a smooth gate that "
        "passes an input according to how likely it is under a Gaussian. Which activation?",
        "gelu",
        "GELU is z·Φ(z): each input is weighted by the Gaussian probability of being below it.",
        {},
    ),
    "self_gated": (
        "A smooth, non-monotonic, self-gated activation z·σ(z), found by automated search "
        "and used in EfficientNet. Which activation?",
        "swish",
        "Swish is z·σ(z): the input gates itself through a sigmoid.",
        {"sigmoid": ("gate_without_input", "σ(z) is only the gate; Swish multiplies it by z.")},
    ),
    "smooth_negative": (
        "Hidden layers where negative inputs should give negative outputs that saturate "
        "smoothly at −α, pulling mean activations towards zero. Which activation?",
        "elu",
        "ELU is α(eᶻ − 1) for z ≤ 0: smooth, negative, saturating at −α.",
        {
            "leaky_relu": (
                "unbounded_negative",
                "leaky ReLU's negative side is linear; it never saturates.",
            )
        },
    ),
    "regression_output": (
        "The output of a regression that predicts an unbounded real number (say, a "
        "temperature change, which may be negative). Which activation?",
        "linear",
        "An unbounded target needs an unbounded output: no activation at all.",
        {
            "relu": ("clipped_regression", "ReLU can never output a negative prediction."),
            "sigmoid": ("bounded_regression", "sigmoid squeezes the prediction into (0, 1)."),
        },
    ),
}


class ActivationChoiceKind(Kind):
    slug = "activation_choice"
    title = "Choosing an activation"
    param_names = ("scenario", "options")
    settings = (
        S.Setting(
            "scenarios", "Scenarios", "multi-choice", list(SCENARIOS), options=tuple(SCENARIOS)
        ),
        S.Setting("n_options", "Options shown", "int", 4, lo=2, hi=len(OPTIONS)),
    )

    def make_params(self, rng, cfg):
        scenario = cfg["scenarios"][int(rng.integers(len(cfg["scenarios"])))]
        right = SCENARIOS[scenario][1]
        tempting = [w for w in SCENARIOS[scenario][3] if w != right]
        others = [o for o in OPTIONS if o != right and o not in tempting]
        rng.shuffle(others)
        pool = (tempting + others)[: cfg["n_options"] - 1]
        options = [right, *pool]
        rng.shuffle(options)
        return {"scenario": scenario, "options": options}

    def check_params(self, params):
        sc = params.get("scenario")
        if sc not in SCENARIOS:
            raise ConfigError(f"scenario must be one of: {', '.join(SCENARIOS)}")
        opts = params.get("options")
        if (
            not isinstance(opts, list)
            or any(o not in OPTIONS for o in opts)
            or SCENARIOS[sc][1] not in opts
        ):
            raise ConfigError("options must list activations, including the right one")
        return params

    def solve(self, params):
        return {"choice": SCENARIOS[params["scenario"]][1]}

    def prompt(self, params):
        listed = "; ".join(OPTIONS[o] for o in params["options"])
        return f"{SCENARIOS[params['scenario']][0]} Options: {listed}."

    def answer_fields(self, params):
        return [
            answer_field(
                "choice", [], "Your choice", "choice", type="choice", options=params["options"]
            )
        ]

    def solution(self, params):
        question, right, reason, _ = SCENARIOS[params["scenario"]]
        return [
            Step("The requirement", question, ""),
            # the answer as the form's option reads (its name with spaces)
            Step(f"Choose {OPTIONS[right]}", reason, "", {"choice": right.replace("_", " ")}),
        ]

    def slips(self, params, key):
        return [
            Slip("choice", tag, wrong, sentence)
            for wrong, (tag, sentence) in SCENARIOS[params["scenario"]][3].items()
        ]
