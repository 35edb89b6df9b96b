"""The lecture's worked example and homework A, B, C, with answers computed by hand."""

import pytest

import problems

dense = problems.get("dense_forward")


def pinned(W, x, b, activation="relu"):
    return dense.generate(0, {"fixed": {"W": W, "x": x, "b": b, "activation": activation}})


def test_worked_example_gives_y_0_5_4():
    v = pinned([[1, -1], [0, 2], [3, 1]], [1, 2], [0, 1, -1])
    assert v.answers == {"z": [-1.0, 5.0, 4.0], "y": [0.0, 5.0, 4.0]}
    steps = dense.solution(v.params)
    titles = [s.title for s in steps]
    assert titles[:5] == [
        "Recall the rule",
        "Check the shapes",
        "Multiply Wx",
        "Add the bias b",
        "Apply f entry by entry",
    ]
    # Step 3 shows each product sum as the lecture writes it: (1)(1) + (-1)(2) = -1
    assert "(1)(1) + (-1)(2)" in steps[2].latex
    assert "(3)(1) + (1)(2)" in steps[2].latex
    assert "Wx = [-1, 4, 5]" in steps[2].text
    assert "[-1, 4, 5] + [0, 1, -1] = [-1, 5, 4]" in steps[3].text
    assert "W is 3×2 (outputs × inputs)" in steps[1].text
    assert "y = [0, 5, 4]" in steps[-1].text


@pytest.mark.parametrize(
    ("W", "x", "b", "z", "y"),
    [
        # A: Wx = [2·1 + (−1)·3, 2·(−2) + (−1)·4] = [−1, −8]; + b = [0, −8]; ReLU → [0, 0]
        ([[1, 3], [-2, 4]], [2, -1], [1, 0], [0, -8], [0, 0]),
        # B: Wx = [2 − 0 + 0, 1 + 0 − 4] = [2, −3]; + b = [2, −2]; ReLU → [2, 0]
        ([[2, -1, 0], [1, 3, -2]], [1, 0, 2], [0, 1], [2, -2], [2, 0]),
        # C: Wx = [0 + 8, −3 − 4, −1 + 4] = [8, −7, 3]; + b = [9, −9, 3]; ReLU → [9, 0, 3]
        ([[0, 2], [3, -1], [1, 1]], [-1, 4], [1, -2, 0], [9, -9, 3], [9, 0, 3]),
    ],
    ids=["A", "B", "C"],
)
def test_homework(W, x, b, z, y):
    v = pinned(W, x, b)
    assert v.answers == {"z": [float(t) for t in z], "y": [float(t) for t in y]}
    assert dense.grade(v.params, {"z": z, "y": y}).score == 1.0


def test_xW_is_not_defined_for_the_worked_example():
    kind = problems.get("shape_check")
    params = {"a_shape": [1, 2], "b_shape": [3, 2], "product": "x·W (x a row)"}
    assert kind.solve(params) == {"valid": False, "shape": []}
    wx = {"a_shape": [3, 2], "b_shape": [2, 1], "product": "W·x (x a column)"}
    assert kind.solve(wx) == {"valid": True, "shape": [3, 1]}
    assert kind.grade(params, {"valid": "false", "shape": "none"}).score == 1.0
    assert kind.grade(wx, {"valid": "yes", "shape": "3x1"}).score == 1.0


def test_keras_model_has_109386_parameters():
    # 784·128 + 128 + 128·64 + 64 + 64·10 + 10 = 100480 + 8256 + 650 = 109386
    kind = problems.get("param_count")
    assert kind.solve({"layers": [784, 128, 64, 10]}) == {"count": 109386}


def test_xor_net_forward_pass_by_hand():
    # x = [1, 0]; W1 = [[1, 1], [1, 1]], b1 = [0, -1] → z1 = [1, 0], h = [tanh 1, 0]
    # W2 = [[2, -2]], b2 = [0] → z2 = 2·tanh(1) = 1.5231883119115293, y = σ(z2)
    kind = problems.get("mlp_forward")
    params = {
        "x": [1, 0],
        "W1": [[1, 1], [1, 1]],
        "b1": [0, -1],
        "activation1": "tanh",
        "alpha1": None,
        "W2": [[2, -2]],
        "b2": [0],
        "activation2": "sigmoid",
        "alpha2": None,
    }
    key = kind.solve(params)
    assert key["h"] == pytest.approx([0.7615941559557649, 0.0], abs=1e-15)
    assert key["y"] == pytest.approx([1 / (1 + 2.718281828459045**-1.5231883119115293)], rel=1e-12)
    assert key["y"][0] == pytest.approx(0.8210075, abs=1e-7)  # e^-1.5232 = 0.21804


def test_softmax_cross_entropy_by_hand():
    # z = [0, 0, ln 2]: e^z = [1, 1, 2], sum 4 → p = [0.25, 0.25, 0.5]; target 2 → L = ln 2
    kind = problems.get("softmax_cross_entropy")
    key = kind.solve({"z": [0, 0, 0.6931471805599453], "target": 2})
    assert key["p"] == pytest.approx([0.25, 0.25, 0.5], abs=1e-15)
    assert key["loss"] == pytest.approx(0.6931471805599453, abs=1e-15)
    assert key["dL_dz"] == pytest.approx([0.25, 0.25, -0.5], abs=1e-15)


def test_dense_backward_mse_by_hand():
    # W = [[1, 0], [0, 1]], x = [1, 2], b = [0, 0], ReLU, t = [0, 0], MSE over m = 2:
    # z = y = [1, 2]; dL/dy = 2(y − t)/2 = [1, 2]; f' = [1, 1] → dL/dz = [1, 2]
    kind = problems.get("dense_backward")
    params = {
        "W": [[1, 0], [0, 1]],
        "x": [1, 2],
        "b": [0, 0],
        "activation": "relu",
        "alpha": None,
        "t": [0, 0],
        "loss": "mse",
    }
    assert kind.solve(params) == {
        "dL_dz": [1.0, 2.0],
        "dL_dW": [[1.0, 2.0], [2.0, 4.0]],
        "dL_db": [1.0, 2.0],
        "dL_dx": [1.0, 2.0],
    }


def test_dense_backward_bce_with_sigmoid_by_hand():
    # z = [0] → y = 0.5; t = [1]; m = 1: dL/dz = y − t = −0.5; x = [2] → dL/dW = [[−1]]; W = [[3]]
    kind = problems.get("dense_backward")
    params = {
        "W": [[3]],
        "x": [2],
        "b": [-6],
        "activation": "sigmoid",
        "alpha": None,
        "t": [1],
        "loss": "bce",
    }
    assert kind.solve(params) == {
        "dL_dz": [-0.5],
        "dL_dW": [[-1.0]],
        "dL_db": [-0.5],
        "dL_dx": [-1.5],
    }


def test_gradient_chain_vanishes_for_sigmoid():
    # three units at z = 0: σ'(0) = 0.25; w = [1, 2, 2] → grad = 1·2·2·0.25³ = 0.0625
    kind = problems.get("gradient_chain")
    params = {"activation": "sigmoid", "alpha": None, "w": [1, 2, 2], "z": [0, 0, 0]}
    assert kind.solve(params) == {"grad": 0.0625}
    # relative tolerance only: 0 is not accepted for a tiny gradient
    tiny = {"activation": "sigmoid", "alpha": None, "w": [0.1, 0.1, 0.1], "z": [0, 0, 0]}
    assert kind.solve(tiny)["grad"] == pytest.approx(1.5625e-5, rel=1e-12)
    assert kind.grade(tiny, {"grad": 0}).score == 0.0
    assert kind.grade(tiny, {"grad": "1.5625e-5"}).score == 1.0
