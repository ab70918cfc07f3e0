"""nn.data.digits, split and one_hot: the 8×8 digits scikit-learn ships, held-out splits, one-hot rows."""

from __future__ import annotations

import importlib.util

import pytest

import nn


def test_digits_are_the_1797_images_scikit_learn_ships_scaled_to_0_1():
    if importlib.util.find_spec("sklearn") is None:  # its file is read without importing it (seconds)
        pytest.skip("scikit-learn is not installed")
    X, y = nn.data.digits()
    assert len(X) == len(y) == 1797 and all(len(image) == 64 for image in X)
    assert X[0][:8] == [0.0, 0.0, 5 / 16, 13 / 16, 9 / 16, 1 / 16, 0.0, 0.0]  # load_digits().data[0] / 16
    assert sum(sum(image) for image in X) * 16 == 561_718 and y[:5] == [0, 1, 2, 3, 4]
    assert (y.count(0), y.count(9)) == (178, 180)
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
