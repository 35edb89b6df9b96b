"""Misconception tags in words. A slip's ``sentence`` tells one student about one variant
("You added the bias but did not apply ReLU"); staff pages that count a tag over many
variants (statistics, a regrade, a student's record) name it with the short phrase below
instead, never with the stored tag (``no_activation``). One table, as ``ACTIVATIONS`` is
one table: several kinds share a tag and mean the same slip by it.

A kind may add or change names through ``Kind.misconception_names``; a tag that neither
names is written out from its words ("some_new_slip" → "Some new slip"), so a stored tag
never reaches a page raw."""

from __future__ import annotations

MISCONCEPTIONS: dict[str, str] = {
    # values of layers and activations
    "no_activation": "Activation not applied",
    "no_bias": "Bias left out",
    "no_bias_no_activation": "Gave Wx: no bias, no activation",
    "bias_after_activation": "Bias added after the activation",
    "no_hidden_activation": "Hidden layer's activation skipped",
    "transposed_weights": "Used Wᵀ instead of W",
    "wrong_activation": "Applied another activation",
    "wrong_alpha": "Used another α",
    "sigmoid_sign": "Sign of the exponent in σ flipped",
    "derivative_not_value": "Gave the derivative instead of the value",
    # derivatives and the chain rule
    "value_not_derivative": "Gave the value instead of the derivative",
    "missing_product_rule": "Product rule left out",
    "sigmoid_derivative_of_z": "σ′ computed from z instead of σ(z)",
    "tanh_derivative_squared": "Used tanh² z as tanh′",
    "tanh_derivative_unsquared": "Used 1 − tanh z as tanh′",
    "missing_activation_derivative": "Left out f′(z) in the chain rule",
    "transposed_gradient": "Gradient transposed (W instead of Wᵀ)",
    "gradient_sign": "Sign of the error flipped",
    "loss_not_averaged": "Loss summed instead of averaged",
    "mse_missing_factor_2": "Dropped the 2 of the squared error's derivative",
    "forgot_derivatives": "Multiplied the weights only (no slopes)",
    "forgot_weights": "Multiplied the slopes only (no weights)",
    "sum_not_product": "Added the chain rule's factors instead of multiplying",
    # softmax and cross-entropy
    "gave_logits": "Gave the logits instead of the probabilities",
    "softmax_without_exp": "Softmax without the exponential",
    "gradient_missing_onehot": "Gave p instead of p − onehot",
    "log10_not_ln": "Used log₁₀ instead of ln",
    "log2_not_ln": "Used log₂ instead of ln",
    "loss_sign": "Loss with the wrong sign",
    # shapes and parameter counts
    "inner_dimension_rule": "Inner dimensions not compared",
    "inner_outer_confused": "Inner and outer dimensions confused",
    "shape_swapped": "Rows and columns of the result swapped",
    "counted_units": "Counted units instead of parameters",
    "forgot_biases": "Counted the weights only (no biases)",
    "biases_on_inputs": "Gave the input layer biases",
    # choosing an activation
    "bounded_regression": "Bounded output for a regression",
    "clipped_regression": "Non-negative output for a regression",
    "dead_relu": "Chose ReLU against dead units",
    "gate_without_input": "Took σ(z) for Swish",
    "not_zero_centred": "Chose an activation that is not zero-centred",
    "saturating_hidden": "Chose a saturating activation for deep layers",
    "sigmoid_for_multiclass": "Chose sigmoid for one-of-many classes",
    "softmax_single_unit": "Chose softmax for a single unit",
    "tanh_not_probability": "Took tanh's output for a probability",
    "unbounded_negative": "Took leaky ReLU for a saturating activation",
    "unbounded_output": "Chose an unbounded output for a probability",
    "kink_convention": "Other value at the kink (z = 0)",
}


def misconception_name(tag: str, kind=None) -> str:
    """``tag`` as staff read it: the kind's own name for it, else the table's, else its
    words with the underscores taken out."""
    names = getattr(kind, "misconception_names", None) or {}
    if tag in names:
        return names[tag]
    if tag in MISCONCEPTIONS:
        return MISCONCEPTIONS[tag]
    words = str(tag).replace("_", " ").strip()
    return words[:1].upper() + words[1:]
