"""Toy data sets and batching: shapes, labels, geometry, seeds."""

import math
import random
import statistics

import pytest

import nn
from nn import data


def test_xor_truth_table_and_labels():
    X, y = data.xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] and y == [0, 1, 1, 0]
    assert data.xor(labels=(-1, 1))[1] == [-1, 1, 1, -1]


@pytest.mark.parametrize("make", [data.make_moons, data.make_circles, data.make_spiral])
def test_two_class_sets_are_balanced_seeded_and_relabelable(make):
    X, y = make(n_samples=51)
    assert len(X) == len(y) == 51 and all(len(x) == 2 for x in X)
    assert sorted(set(y)) == [0, 1] and y.count(0) == 25
    assert make(n_samples=51) == (X, y)
    assert make(n_samples=51, seed=1) != (X, y)
    X2, y2 = make(n_samples=51, labels=(-1, 1))
    assert X2 == X and y2 == [2 * label - 1 for label in y]
    with pytest.raises(ValueError, match="two different"):
        make(labels=(1, 1))


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = data.make_moons(n_samples=40, noise=0.0)
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_spiral_without_noise_lies_on_two_arms_half_a_turn_apart():
    X, y = data.make_spiral(n_samples=60)
    for (a, b), label in zip(X, y):
        radius = math.hypot(a, b)
        assert radius < 5.0
        if radius > 1e-9:  # the angle turns 1.75 times round as the radius grows to 5
            turned = 1.75 * 2 * math.pi * radius / 5 + math.pi * label - math.atan2(a, b)
            assert math.cos(turned) == pytest.approx(1.0)
    noisy, labels = data.make_spiral(n_samples=60, noise=0.2, seed=4)
    assert labels.count(1) == 30 and noisy != data.make_spiral(n_samples=60, noise=0.2, seed=5)[0]
    with pytest.raises(ValueError, match="make_spiral: noise"):
        data.make_spiral(noise=-1)


def test_circles_default_to_scikit_learns_inner_radius():
    X, y = data.make_circles(n_samples=20, noise=0.0)
    assert {round(math.hypot(*x), 12) for x, t in zip(X, y) if t == 1} == {0.8}


def test_without_a_seed_data_and_batches_follow_pythons_global_random():
    X, y = list(range(10)), list(range(10))
    random.seed(7)
    first = (data.make_moons(seed=None), list(data.batches(X, y, 3)))
    random.seed(7)
    assert (data.make_moons(seed=None), list(data.batches(X, y, 3))) == first
    with pytest.raises(ValueError, match="either seed= or rng="):
        list(data.batches(X, y, 3, seed=1, rng=random.Random(1)))


def test_circles_without_noise_have_the_two_radii():
    X, y = data.make_circles(n_samples=40, noise=0.0, factor=0.3)
    radii = {label: {round(math.hypot(*x), 12) for x, t in zip(X, y) if t == label} for label in (0, 1)}
    assert radii == {0: {1.0}, 1: {0.3}}


def test_blobs_cluster_round_their_centres():
    centers = [[0.0, 0.0], [10.0, -5.0], [-6.0, 8.0]]
    X, y = data.make_blobs(n_samples=301, centers=centers, cluster_std=0.5, seed=3)
    assert len(X) == 301 and sorted(set(y)) == [0, 1, 2] and [y.count(k) for k in range(3)] == [101, 100, 100]
    for label, center in enumerate(centers):
        members = [x for x, t in zip(X, y) if t == label]
        for axis in range(2):
            assert statistics.fmean(x[axis] for x in members) == pytest.approx(center[axis], abs=0.2)
            assert statistics.stdev(x[axis] for x in members) == pytest.approx(0.5, rel=0.2)
    X3, y3 = data.make_blobs(n_samples=20, centers=4, n_features=3)
    assert all(len(x) == 3 for x in X3) and sorted(set(y3)) == [0, 1, 2, 3]


def test_batches_cover_every_sample_once():
    X, y = list(range(10)), [f"y{i}" for i in range(10)]
    chunks = list(data.batches(X, y, 4, shuffle=True, seed=1))
    assert [len(bx) for bx, _ in chunks] == [4, 4, 2]
    assert sorted(i for bx, _ in chunks for i in bx) == X
    assert all(t == f"y{i}" for bx, by in chunks for i, t in zip(bx, by))
    assert list(data.batches(X, y, 4, seed=1)) == chunks
    assert [bx for bx, _ in data.batches(X, y, 4, shuffle=False)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="3 inputs but 2 labels"):
        list(data.batches([1, 2, 3], [1, 2], 2))
    with pytest.raises(ValueError, match="batch_size"):
        list(data.batches(X, y, 0))


# --- hostile arguments ---------------------------------------------------------------------------


def test_data_sets_take_numpy_numbers_and_give_plain_floats():
    np = pytest.importorskip("numpy")
    X, y = nn.data.make_blobs(n_samples=np.int64(9), centers=np.int64(3), cluster_std=np.float32(0.5))
    assert len(X) == 9 and set(y) == {0, 1, 2} and all(type(c) is float for point in X for c in point)
    X, _ = nn.data.make_moons(np.int64(10), noise=np.float32(0.1))
    assert len(X) == 10 and all(type(c) is float for point in X for c in point)
    X, _ = nn.data.make_circles(np.int64(10), factor=np.float32(0.5))
    assert all(type(c) is float for point in X for c in point)
    assert [len(b) for b, _ in nn.data.batches(X, X, np.int64(4), shuffle=False)] == [4, 4, 2]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.data.make_moons(10.5), "make_moons: n_samples"),
        (lambda: nn.data.make_moons(10, noise=math.nan), "make_moons: noise"),
        (lambda: nn.data.make_blobs(centers=[]), "make_blobs: centers must list"),
        (lambda: nn.data.make_blobs(centers=2.5), "make_blobs: centers"),
    ],
)
def test_data_set_arguments_get_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
