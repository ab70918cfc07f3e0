"""softmax, log_softmax, argmax and accuracy: against their definitions and against PyTorch."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value

scores_lists = st.lists(st.floats(-1000, 1000), min_size=1, max_size=6)


def _reference_softmax(scores):
    m = max(scores)
    exps = [math.exp(s - m) for s in scores]
    return [e / sum(exps) for e in exps]


@given(scores_lists)
def test_softmax_is_a_probability_distribution_by_its_definition(scores):
    probabilities = nn.softmax([Value(s) for s in scores])
    assert [p.data for p in probabilities] == pytest.approx(_reference_softmax(scores), rel=1e-12, abs=1e-300)
    assert math.fsum(p.data for p in probabilities) == pytest.approx(1.0, rel=1e-12)


@given(scores_lists, st.data())
def test_softmax_gradient_is_p_i_times_kronecker_minus_p_j(scores, data):
    i = data.draw(st.integers(0, len(scores) - 1))
    logits = [Value(s) for s in scores]
    nn.softmax(logits)[i].backward()
    p = _reference_softmax(scores)
    for j, logit in enumerate(logits):
        assert logit.grad == pytest.approx(p[i] * ((i == j) - p[j]), abs=1e-12)


@given(scores_lists, st.data())
def test_log_softmax_is_z_minus_logsumexp_and_its_gradient(scores, data):
    i = data.draw(st.integers(0, len(scores) - 1))
    logits = [Value(s) for s in scores]
    out = nn.log_softmax(logits)
    m = max(scores)
    normaliser = m + math.log(math.fsum(math.exp(s - m) for s in scores))
    assert [v.data for v in out] == pytest.approx([s - normaliser for s in scores], rel=1e-12, abs=1e-9)
    out[i].backward()
    p = _reference_softmax(scores)
    for j, logit in enumerate(logits):
        assert logit.grad == pytest.approx((i == j) - p[j], abs=1e-12)


def test_stable_at_plus_and_minus_a_thousand():
    logits = [Value(1000.0), Value(-1000.0), Value(0.0)]
    assert [p.data for p in nn.softmax(logits)] == [1.0, 0.0, 0.0]
    assert [v.data for v in nn.log_softmax(logits)] == [0.0, -2000.0, -1000.0]


def test_a_batch_is_worked_row_by_row_and_numbers_are_accepted():
    rows = [[1.0, 2.0], [np.float32(3.0), np.int64(0)]]
    batch = nn.softmax(rows)
    assert [[p.data for p in row] for row in batch] == [
        [p.data for p in nn.softmax(rows[0])],
        [p.data for p in nn.softmax([3.0, 0.0])],
    ]
    assert len(nn.log_softmax(rows)) == 2


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_values_and_gradients_match_torch(function):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = rng.uniform(-30, 30, size=5).tolist()
        upstream = rng.uniform(-1, 1, size=5).tolist()
        logits = [Value(s) for s in scores]
        outputs = getattr(nn, function)(logits)
        sum(u * o for u, o in zip(upstream, outputs)).backward()
        tensor = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
        theirs = getattr(torch, function)(tensor, dim=-1)
        (theirs * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
        assert [o.data for o in outputs] == pytest.approx(theirs.tolist(), rel=1e-12, abs=1e-15)
        assert [v.grad for v in logits] == pytest.approx(tensor.grad.tolist(), rel=1e-9, abs=1e-14)


def test_argmax_follows_torch_on_ties_and_nan():
    torch = pytest.importorskip("torch")
    for row in ([3.0, 1.0, 3.0], [1.0, math.nan, 3.0, math.nan], [-1.0], [0.0, -0.0], [-math.inf, -5.0]):
        assert nn.argmax(row) == torch.argmax(torch.tensor(row)).item(), row


def test_argmax_of_values_numbers_and_batches():
    assert nn.argmax([Value(0.1), Value(0.7), Value(0.2)]) == 1
    assert nn.argmax([np.float64(1.0), np.int64(5)]) == 1
    assert nn.argmax([[1.0, 2.0], [5.0, 0.0]]) == [1, 0]


def test_accuracy_with_one_output_reads_the_sign_or_a_threshold():
    scores = [Value(2.0), Value(-0.5), Value(0.3), Value(-3.0)]
    assert nn.accuracy(scores, [1, -1, -1, -1]) == 0.75  # micrograd's ±1 labels
    assert nn.accuracy(scores, [1, 0, 0, 0]) == 0.75  # 0/1 labels: the same predictions
    probabilities = [0.9, 0.4, 0.6, 0.1]
    assert nn.accuracy(probabilities, [1.0, 0.0, 0.0, 0.0], threshold=0.5) == 0.75
    assert nn.accuracy(probabilities, np.array([1, 0, 1, 0])) == 0.5  # every probability is > 0


def test_accuracy_with_several_outputs_takes_the_argmax():
    outputs = [[Value(0.1), Value(2.0)], [3.0, 1.0], [0.0, 0.5]]
    assert nn.accuracy(outputs, [1, 0, 0]) == pytest.approx(2 / 3)
    assert nn.accuracy(outputs, np.array([1, 0, 1], dtype=np.int64)) == 1.0


def test_accuracy_matches_a_torch_computation():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    theirs = (torch.tensor(logits).argmax(dim=-1) == torch.tensor(labels)).double().mean().item()
    assert nn.accuracy(logits.tolist(), labels) == pytest.approx(theirs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.softmax([]), "softmax: expected a non-empty list"),
        (lambda: nn.log_softmax("abc"), "log_softmax: expected"),
        (lambda: nn.softmax([[1.0], []]), "softmax: expected a non-empty list"),
        (lambda: nn.argmax([1.0, "a"]), "argmax: expected a list of scores or a list of rows"),
        (lambda: nn.accuracy([1.0], [1, 0]), "accuracy: 1 outputs but 2 targets"),
        (lambda: nn.accuracy([], []), "accuracy: no outputs"),
        (lambda: nn.accuracy([0.3], [2]), "accuracy: .*targets must be 1, 0 or -1"),
        (lambda: nn.accuracy([[0.3, 0.1]], [0.5]), "accuracy: .*a target is a class index"),
    ],
)
def test_mistakes_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_arrays_are_rows_and_batches_of_scores():
    row, batch = np.array([1.0, 2.0, 0.5]), np.array([[1.0, 2.0], [3.0, 1.0]])
    assert [p.data for p in nn.softmax(row)] == [p.data for p in nn.softmax([1.0, 2.0, 0.5])]
    assert [[v.data for v in r] for r in nn.log_softmax(batch)] == [
        [v.data for v in nn.log_softmax([1.0, 2.0])],
        [v.data for v in nn.log_softmax([3.0, 1.0])],
    ]
    assert nn.argmax(row) == 1 and nn.argmax(batch) == [1, 0]
    assert nn.accuracy(batch, np.array([1, 1])) == 0.5
    with pytest.raises(ValueError, match="argmax: expected a non-empty list of scores"):
        nn.argmax(np.float64(1.0))


@pytest.mark.parametrize("target", [2, -1, 7])
def test_accuracy_refuses_a_class_index_outside_the_outputs(target):
    with pytest.raises(ValueError, match=rf"accuracy: target {target} is not a class index in \[0, 2\)"):
        nn.accuracy([[1.0, 2.0]], [target])


@pytest.mark.parametrize("threshold", [math.nan, "0.5", None])
def test_accuracy_refuses_a_threshold_that_is_not_a_number(threshold):
    with pytest.raises((TypeError, ValueError), match=r"accuracy: threshold must be a number"):
        nn.accuracy([0.3], [1], threshold=threshold)
