"""gigaplan.uncertainty: distributions, chunked sampling, rank correlation, percentiles and the
Sobol'/Morris code path, on toy models with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gigaplan import uncertainty as unc
from gigaplan.uncertainty import distributions


# ---------------------------------------------------------------------------- distributions

def test_pert_matches_its_beta_definition_and_mean():
    # PERT(0, 2, 10): alpha = 1 + 4 (2 - 0) / 10 = 1.8, beta = 1 + 4 (10 - 2) / 10 = 4.2,
    # mean = (0 + 4 * 2 + 10) / 6 = 3.0
    u = np.linspace(0.01, 0.99, 99)
    expected = 10.0 * stats.beta(1.8, 4.2).ppf(u)
    assert np.allclose(unc.ppf(u, 0.0, 2.0, 10.0, "pert"), expected, rtol=1e-9)
    assert unc.mean(0.0, 2.0, 10.0) == pytest.approx(3.0)
    x = unc.ppf(stats.qmc.LatinHypercube(1, seed=1).random(20000)[:, 0], 0.0, 2.0, 10.0)
    assert x.mean() == pytest.approx(3.0, abs=0.01)


def test_triangular_and_uniform_closed_forms():
    # triangular(0, 1, 4): F(1) = (1 - 0)^2 / ((4 - 0)(1 - 0)) = 0.25, so ppf(0.25) = 1;
    # ppf(1 - 0.75 * 0.25) = 4 - sqrt(0.1875 * 4 * 3) = 2.5
    assert unc.ppf(0.25, 0.0, 1.0, 4.0, "triangular") == pytest.approx(1.0)
    assert unc.ppf(1 - 0.1875, 0.0, 1.0, 4.0, "triangular") == pytest.approx(2.5)
    assert np.allclose(unc.ppf([0.0, 0.5, 1.0], 2.0, 3.0, 6.0, "uniform"), [2.0, 4.0, 6.0])
    assert unc.mean(0.0, 1.0, 4.0, "triangular") == pytest.approx(5.0 / 3.0)


def test_a_point_range_is_that_point_and_bad_arguments_are_refused():
    assert np.all(unc.ppf([0.1, 0.9], 7.0, 7.0, 7.0) == 7.0)
    with pytest.raises(ValueError, match="mode"):
        unc.ppf(0.5, 0.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="distribution"):
        unc.ppf(0.5, 0.0, 0.5, 1.0, "lognormal")


@given(st.floats(-1e6, 1e6), st.floats(0, 1), st.floats(1e-3, 1e6),
       st.sampled_from(distributions.DISTRIBUTIONS))
def test_every_distribution_stays_in_its_range_and_is_monotone(low, where, width, kind):
    mode, high = low + where * width, low + width
    x = unc.ppf(np.linspace(0, 1, 101), low, mode, high, kind)
    assert np.all(x >= low - 1e-9 * width) and np.all(x <= high + 1e-9 * width)
    assert np.all(np.diff(x) >= -1e-9 * width)


# ---------------------------------------------------------------------------- sampling

def test_chunks_cover_the_samples_in_fixed_sizes():
    assert unc.chunks(1201, 500) == [(0, 0, 500), (1, 500, 500), (2, 1000, 201)]
    with pytest.raises(ValueError):
        unc.chunks(0)


@pytest.mark.parametrize("method", unc.METHODS)
def test_a_chunk_depends_only_on_seed_and_index(method):
    a = unc.unit_samples(4, 3, 1500, 500, seed=7, method=method)
    b = unc.unit_samples(4, 3, 1500, 500, seed=7, method=method)
    c = unc.unit_samples(4, 3, 1500, 500, seed=8, method=method)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (500, 4) and np.all((a > 0) & (a < 1))


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_input():
    u = unc.unit_samples(3, 0, 0, 200, seed=1, method="lhs")
    for k in range(3):
        assert sorted(np.floor(u[:, k] * 200).astype(int)) == list(range(200))


def test_sobol_chunks_are_one_sequence_fast_forwarded():
    whole = unc.unit_samples(2, 0, 0, 1024, seed=3, method="sobol")
    second = unc.unit_samples(2, 1, 512, 512, seed=3, method="sobol")
    assert np.array_equal(whole[512:], second)


def test_iman_conover_imposes_rank_correlation_and_keeps_each_marginal():
    u = unc.unit_samples(3, 0, 0, 2000, seed=5, method="lhs")
    v = unc.correlate(u, [(0, 2, 0.7)])
    rho = stats.spearmanr(v[:, 0], v[:, 2]).statistic
    assert rho == pytest.approx(0.7, abs=0.03)
    assert stats.spearmanr(v[:, 0], v[:, 1]).statistic == pytest.approx(0.0, abs=0.06)
    for k in range(3):  # the same values, reordered
        assert np.array_equal(np.sort(u[:, k]), np.sort(v[:, k]))
    with pytest.raises(ValueError, match="positive definite"):
        unc.correlate(u, [(0, 1, 0.95), (1, 2, 0.95), (0, 2, -0.95)])


# ---------------------------------------------------------------------------- statistics

def test_describe_gives_numpy_percentiles_of_the_finite_values():
    x = np.array([5.0, 1.0, np.nan, 3.0, 2.0, 4.0])
    # percentiles of 1..5 with linear interpolation: P10 = 1 + 0.1 * 4 = 1.4, P90 = 4.6
    assert unc.describe(x) == {"p10": 1.4, "p50": 3.0, "p90": 4.6, "mean": 3.0, "n": 5}
    assert unc.describe([np.nan])["p50"] is None


@settings(max_examples=60)
@given(st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=50))
def test_percentiles_are_ordered(values):
    d = unc.describe(values)
    assert d["p10"] <= d["p50"] <= d["p90"]


# ---------------------------------------------------------------------------- sensitivity

def _ishigami(x: np.ndarray) -> dict:
    """Ishigami & Homma (1990) on [-pi, pi]^3, a = 7, b = 0.1, from unit points."""
    z = -math.pi + 2.0 * math.pi * x
    y = np.sin(z[:, 0]) + 7.0 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])
    return {"y": y}


def test_sobol_indices_of_ishigami_match_the_analytic_ones():
    # Analytic (Sobol' & Levitan 1999; a = 7, b = 0.1): V = a^2/8 + b pi^4/5 + b^2 pi^8/18
    # + 1/2 = 13.8446; S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    table = unc.indices(_ishigami, ["x1", "x2", "x3"], "sobol", n=4096, seed=11)
    got = table.set_index("input")
    assert np.allclose(got.loc[["x1", "x2", "x3"], "S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    assert np.allclose(got.loc[["x1", "x2", "x3"], "ST"], [0.5576, 0.4424, 0.2437], atol=0.03)
    assert list(table["input"]) == ["x1", "x2", "x3"]  # ranked by ST
    assert list(table["rank"]) == [1, 2, 3]


def test_sobol_indices_of_a_linear_model_are_its_variance_shares():
    # y = 1 x1 + 2 x2 + 3 x3 with x uniform: variance shares 1 : 4 : 9 of 14
    c = np.array([1.0, 2.0, 3.0])
    table = unc.indices(lambda x: {"y": x @ c}, ["a", "b", "c"], "sobol", n=2048, seed=2)
    got = table.set_index("input").loc[["a", "b", "c"]]
    share = c**2 / (c**2).sum()
    assert np.allclose(got["S1"], share, atol=0.02)
    assert np.allclose(got["ST"], share, atol=0.02)


def test_morris_ranks_the_linear_model_by_its_slopes():
    c = np.array([1.0, 2.0, 3.0, 0.0])
    table = unc.indices(lambda x: {"y": x @ c}, list("abcd"), "morris", n=20, seed=2)
    assert list(table["input"]) == ["c", "b", "a", "d"]
    # elementary effects of a linear model are exactly its slopes
    assert np.allclose(table.set_index("input").loc[list("abcd"), "mu_star"], c)


def test_constant_and_undefined_outputs_are_skipped_with_a_reason():
    def model(x):
        return {"flat": np.ones(len(x)), "gap": np.where(x[:, 0] > 0.5, np.nan, 1.0),
                "y": x[:, 0]}
    table = unc.indices(model, ["a", "b"], "sobol", n=64, seed=1)
    assert set(table["output"]) == {"y"}
    assert table.attrs["skipped"]["flat"].startswith("constant")
    assert "not finite" in table.attrs["skipped"]["gap"]


def test_sensitivity_refuses_unknown_methods_and_too_few_inputs():
    with pytest.raises(ValueError, match="method"):
        unc.design("fast", ["a", "b"], 8, 0)
    with pytest.raises(ValueError, match="at least 2"):
        unc.design("sobol", ["a"], 8, 0)
