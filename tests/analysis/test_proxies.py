"""Proxy screening: planted proxies are flagged, independent features are not, and the measures are right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association

from uitlegbaar.analysis.proxies import abs_pearson, correlation_ratio, cramers_v_table, screen_proxies

ROWS = 5_000
TABLE = np.array([[20, 5, 5], [4, 16, 10]])


@pytest.fixture
def screened() -> dict[tuple[str, str], tuple[str, float, bool]]:
    rng = np.random.default_rng(42)
    origin = rng.choice(["a", "b", "c", "d"], ROWS)
    code = pd.factorize(origin, sort=True)[0]
    # 40 postcodes, 10 per origin; 90% of rows live in a postcode of their own origin, 10% anywhere.
    own = code * 10 + rng.integers(0, 10, ROWS)
    postcode = np.where(rng.random(ROWS) < 0.9, own, rng.integers(0, 40, ROWS))
    features = pd.DataFrame(
        {
            "postcode": [f"PC{p:02d}" for p in postcode],
            "score": code + rng.normal(0, 0.1, ROWS),
            "noise_cat": rng.choice([f"k{i}" for i in range(30)], ROWS),
            "noise_num": rng.normal(0, 1, ROWS),
            "noise_bool": rng.random(ROWS) < 0.5,
        }
    )
    sensitive = {"herkomst": origin, "leeftijd": rng.normal(45, 12, ROWS)}
    return {(r.feature, r.attribute): (r.measure, r.strength, r.flagged) for r in screen_proxies(features, sensitive)}


def test_planted_proxies_are_flagged(screened: dict[tuple[str, str], tuple[str, float, bool]]) -> None:
    measure, strength, flagged = screened["postcode", "herkomst"]
    assert measure == "cramers_v" and flagged and strength > 0.7
    measure, strength, flagged = screened["score", "herkomst"]
    assert measure == "correlation_ratio" and flagged and strength > 0.95


def test_independent_features_are_not_flagged(screened: dict[tuple[str, str], tuple[str, float, bool]]) -> None:
    for feature in ("noise_cat", "noise_num", "noise_bool"):
        for attribute in ("herkomst", "leeftijd"):
            _, strength, flagged = screened[feature, attribute]
            assert not flagged and strength < 0.1, (feature, attribute, strength)
    assert screened["noise_num", "leeftijd"][0] == "pearson"
    assert screened["noise_cat", "leeftijd"][0] == "cramers_v_binned"
    assert screened["noise_bool", "herkomst"][0] == "cramers_v"


def test_results_are_sorted_and_in_unit_range(screened: dict[tuple[str, str], tuple[str, float, bool]]) -> None:
    strengths = [s for _, s, _ in screened.values()]
    assert strengths == sorted(strengths, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in strengths)


def test_cramers_v_without_correction_matches_scipy() -> None:
    assert cramers_v_table(TABLE, bias_correction=False) == pytest.approx(association(TABLE, method="cramer"))


def test_bias_corrected_cramers_v_matches_bergsma_formula() -> None:
    n = TABLE.sum()
    chi2 = chi2_contingency(TABLE, correction=False)[0]
    r, k = TABLE.shape
    phi2 = max(0.0, chi2 / n - (r - 1) * (k - 1) / (n - 1))
    r_tilde, k_tilde = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    expected = np.sqrt(phi2 / min(r_tilde - 1, k_tilde - 1))
    assert cramers_v_table(TABLE) == pytest.approx(expected)
    assert cramers_v_table(TABLE) < cramers_v_table(TABLE, bias_correction=False)
    assert cramers_v_table(np.array([[10, 10], [10, 10]])) == 0.0


def test_correlation_ratio_and_pearson_by_hand() -> None:
    codes = np.array([0, 0, 0, 1, 1, 1])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # Means 2 and 5 around 3.5: between 2·3·1.5² = 13.5, total 17.5.
    assert correlation_ratio(codes, values) == pytest.approx(np.sqrt(13.5 / 17.5))
    assert abs_pearson(values, -2 * values + 1) == pytest.approx(1.0)
    assert abs_pearson(values, np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])) == pytest.approx(
        abs(np.corrcoef(values, [1, 0, 1, 0, 1, 0])[0, 1])
    )
    assert abs_pearson(values, np.ones(6)) == 0.0


def test_screen_known_table_and_missing_values() -> None:
    rows = [(i, j) for i in range(2) for j in range(3) for _ in range(TABLE[i, j])]
    features = pd.DataFrame({"f": [f"f{j}" for _, j in rows] + [None]})
    sensitive = {"s": [f"s{i}" for i, _ in rows] + ["s0"]}
    [result] = screen_proxies(features, sensitive, threshold=0.2)
    assert result.rows == len(rows)
    assert result.strength == pytest.approx(cramers_v_table(TABLE))
    assert result.flagged == (result.strength >= 0.2)
    with pytest.raises(ValueError, match="sensitive attribute 's'"):
        screen_proxies(features, {"s": ["x"]})
