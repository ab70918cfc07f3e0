"""nn.data.digits, split and one_hot: the 8×8 digits scikit-learn ships, held-out splits, one-hot rows."""

from __future__ import annotations

import pytest

import nn


def test_digits_are_the_1797_images_scikit_learn_ships_scaled_to_0_1():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = nn.data.digits()
    reference = datasets.load_digits()
    assert len(X) == len(y) == 1797 and all(len(image) == 64 for image in X)
    assert [[pixel * 16 for pixel in image] for image in X] == reference.data.tolist()
    assert y == reference.target.tolist()
    assert min(min(image) for image in X) == 0.0 and max(max(image) for image in X) == 1.0


def test_split_holds_out_a_fraction_every_sample_once():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    X_train, y_train, X_test, y_test = nn.data.split(X, y, test_fraction=0.3, seed=1)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(y_train + y_test) == y and all(
        x == [float(t)] for x, t in zip(X_train + X_test, y_train + y_test)
    )
    assert nn.data.split(X, y, test_fraction=0.3, seed=1) == (X_train, y_train, X_test, y_test)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        nn.data.split(X, y, test_fraction=1.0)


def test_one_hot_rows_and_refusals():
    assert nn.data.one_hot([2, 0], 3) == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got 3"):
        nn.data.one_hot([3], 3)
    with pytest.raises(ValueError, match=r"got True"):
        nn.data.one_hot([True], 3)
