"""Benchmarks for chainrule against micrograd (and PyTorch used scalar by scalar): ``make bench``.

Every benchmark runs the same work in every library in the same process and reports ratios, so
the numbers compare libraries rather than machines. ``python -m benchmarks --quick`` is a short run.
"""
