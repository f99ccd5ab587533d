"""Weekly table and the media-mix model on data with a known truth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.errors import OmnimixError
from core.mmm.adstock import geometric_adstock
from core.mmm.metrics import mape, nrmse, r2
from core.mmm.model import MAX_SPEND_MULTIPLE, MediaMixModel
from core.mmm.saturation import hill, saturate
from core.mmm.weekly import WeeklyData, from_db, from_frame, min_weeks

CHANNELS = ("search", "social", "tv")


def synthetic(n: int = 156, seed: int = 0, noise: float = 0.01) -> tuple[WeeklyData, np.ndarray]:
    """Strong-signal weekly data: each channel drives 10-20% of revenue; returns data and true ROAS."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2022-01-03", periods=n, freq="7D")
    spend = rng.lognormal(0.0, 0.5, (n, 3)) * np.array([1000.0, 2000.0, 1500.0])
    spend[rng.random((n, 3)) < 0.15] = 0.0  # dark weeks pin down what zero spend earns
    decay, shape = np.array([0.2, 0.4, 0.6]), np.array([1.0, 1.3, 1.6])
    ad = geometric_adstock(spend, decay)
    contrib = np.array([3000.0, 2500.0, 2000.0]) * hill(ad, ad.mean(axis=0), shape)
    doy = weeks.dayofyear.to_numpy() / 365.25
    base = 10_000 * (1 + 0.05 * np.sin(2 * np.pi * doy) + 0.02 * np.arange(n) / 52)
    y = base + contrib.sum(axis=1) + rng.normal(0, noise * 10_000, n)
    frame = pd.DataFrame({"week": weeks, "revenue": y, **{c: spend[:, j] for j, c in enumerate(CHANNELS)}})
    return WeeklyData(frame, CHANNELS), contrib.sum(axis=0) / spend.sum(axis=0)


@pytest.fixture(scope="module")
def fitted() -> tuple[MediaMixModel, np.ndarray]:
    data, roas = synthetic()
    return MediaMixModel(random_state=3).fit(data), roas


def test_metrics_hand_values():
    y, p = np.array([100.0, 200.0, 300.0]), np.array([110.0, 180.0, 300.0])
    assert mape(y, p) == pytest.approx((0.1 + 0.1 + 0) / 3)
    assert r2(y, p) == pytest.approx(1 - (100 + 400) / 20_000)
    assert nrmse(y, p) == pytest.approx(np.sqrt(500 / 3) / 200)
    # Revenue that does not vary has no R² (scikit-learn's r2_score would say 0 or 1).
    assert np.isnan(r2(np.full(3, 5.0), p)) and np.isnan(r2(y[:1], p[:1])) and np.isnan(r2(y[:0], p[:0]))


def test_model_recovers_roas_on_strong_signal(fitted):
    model, true_roas = fitted
    summary = model.channel_summary_
    # the 90% bands hold the truth; the channels the model calls well measured are within 20%
    assert np.all((summary["roas_low"] <= true_roas) & (true_roas <= summary["roas_high"]))
    well = summary["well_measured"].to_numpy()
    assert well[:2].all()  # search and social: short carry-over, many dark weeks
    np.testing.assert_allclose(summary["roas"].to_numpy()[well], true_roas[well], rtol=0.20)
    # tv's 60% weekly carry-over keeps its effect on through dark weeks, so its level trades
    # off against the intercept: the model must say it is not sure rather than guess
    assert not well[2] and summary["band_width"].iloc[2] > 0.5
    assert max(model.convergence_["rhat"].values()) < 1.15
    assert model.metrics_["holdout"]["mape"] < 0.03
    assert model.metrics_["train"]["r2"] > 0.9
    # the decomposition adds up to the fitted values
    d = model.decomposition_
    np.testing.assert_allclose(d[["baseline", "controls", *CHANNELS]].sum(axis=1), d["predicted"], rtol=1e-9)


def test_same_seed_same_fit():
    data, _ = synthetic(n=110, seed=5)
    a = MediaMixModel(random_state=11, n_samples=80).fit(data)
    b = MediaMixModel(random_state=11, n_samples=80).fit(data)
    pd.testing.assert_frame_equal(a.channel_summary_, b.channel_summary_)
    assert a.metrics_ == b.metrics_


def test_predict_budget_is_the_posterior_mean_steady_state_response(fitted):
    model, _ = fitted
    spend = {"search": 1200.0, "social": 0.0, "tv": 3000.0}
    pred = model.predict_budget(spend, weeks=4)
    j = model.channels_.index("tv")
    d = model.draws_
    settled = 3000.0 / (1 - d.decay[:, j])  # constant spend: adstock = spend / (1 - decay), per draw
    tv = np.mean(d.coef[:, j] * saturate(settled, d.half_saturation[:, j], d.shape[:, j], d.family[:, j]))
    assert pred.media["tv"] == pytest.approx(4 * float(tv))
    assert pred.media["social"] == 0.0
    assert pred.revenue == pytest.approx(4 * model.base_level_ + sum(pred.media.values()))
    assert pred.low < pred.revenue < pred.high
    assert model.predict_budget(spend, weeks=1).revenue * 4 == pytest.approx(pred.revenue)


def test_weekly_response_saturates_instead_of_overflowing(fitted):
    model, _ = fitted
    huge = model.weekly_response(np.full(3, 1e300))
    np.testing.assert_allclose(huge, model.draws_.coef.mean(axis=0))  # full saturation, not NaN
    expected = model.base_level_ + model.draws_.coef.mean(axis=0).sum()
    assert model.predict_budget(np.full(3, 1e300)).revenue == pytest.approx(expected)


def test_marginal_roas_matches_finite_difference(fitted):
    model, _ = fitted
    x = model.current_spend_
    h = 1e-3
    numeric = (model.weekly_response(x + h) - model.weekly_response(x - h)) / (2 * h)
    np.testing.assert_allclose(model.marginal_roas(x), numeric, rtol=1e-5)
    # and the response curves' band brackets the mean curve
    curves = model.response_curves()
    assert np.all(curves["revenue_low"] <= curves["revenue"] + 1e-9)
    assert np.all(curves["revenue"] <= curves["revenue_high"] + 1e-9)


def test_response_curves_end_at_the_shared_multiple_or_the_given_maximum(fitted):
    model, _ = fitted
    top = model.response_curves().groupby("channel", sort=False)["spend"].max()
    np.testing.assert_allclose(top.to_numpy(), MAX_SPEND_MULTIPLE * model.current_spend_)
    curves = model.response_curves(max_spend={"search": 5000.0})
    top = curves.groupby("channel")["spend"].max()
    assert top["search"] == 5000.0 and top["tv"] == pytest.approx(MAX_SPEND_MULTIPLE * model.current_spend_[2])
    end = curves[curves["channel"] == "search"].iloc[-1]
    assert end["revenue"] == pytest.approx(model.weekly_response(np.array([5000.0, 0.0, 0.0]))[0])


def test_predict_budget_rejects_unknown_channel_and_negative_spend(fitted):
    model, _ = fitted
    with pytest.raises(OmnimixError, match="Unknown channel 'radio'"):
        model.predict_budget({"radio": 10.0})
    with pytest.raises(OmnimixError, match="at least 0 EUR"):
        model.predict_budget({"tv": -1.0})


# ---- weekly table ------------------------------------------------------------------------------
def wide(n: int = 80) -> pd.DataFrame:
    data, _ = synthetic(n=n)
    return data.frame.rename(columns={"week": "date", "revenue": "sales"})


def load(df: pd.DataFrame, **kw) -> WeeklyData:
    return from_frame(df, date="date", target="sales", channels=list(CHANNELS), **kw)


def test_from_frame_sorts_weeks_and_parses_formatted_numbers():
    df = wide().iloc[::-1].reset_index(drop=True)
    df["search"] = [f"{v:,.2f}" for v in df["search"]]  # "1,234.50" as spreadsheets export it
    data = load(df)
    assert data.weeks.is_monotonic_increasing
    assert data.spend[:, 0] == pytest.approx(np.round(wide()["search"].to_numpy(), 2))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="tv"), "Column 'tv' is not in the CSV"),
        (lambda d: d.head(min_weeks(3) - 1), f"Only {min_weeks(3) - 1} weeks"),
        (lambda d: d.assign(social=d["social"].where(d.index != 4, -5.0)), "Column 'social', row 5: negative spend"),
        (lambda d: d.drop(index=10), "week 2022-03-07 is followed by 2022-03-21 (row 11), 14 days later"),
        (
            lambda d: d.assign(sales=d["sales"].astype(object).where(d.index != 2, "n/a")),
            "Column 'sales', row 3: 'n/a' is not a number",
        ),
        (
            lambda d: d.assign(date=d["date"].astype(str).where(d.index != 0, "soon")),
            "Column 'date', row 1: 'soon' is not a date",
        ),
        (lambda d: d.assign(tv=0.0), "Channel 'tv' has no spend"),
    ],
    ids=["missing", "too-few-weeks", "negative", "gap", "non-numeric", "bad-date", "all-zero"],
)
def test_weekly_table_errors_name_column_and_row(change, message):
    with pytest.raises(OmnimixError) as err:
        load(change(wide()))
    assert message in str(err.value)


def test_commas_are_thousands_separators_only():
    df = wide()
    df["search"] = df["search"].map(lambda v: f"€ {v:,.2f}").astype(object)
    df.loc[0, "search"] = "1,355,000.5"
    assert load(df).spend[0, 0] == 1_355_000.5
    df.loc[3, "search"] = " 1355,44 "  # a decimal comma: reported, never read as 135544
    with pytest.raises(OmnimixError, match=r"Column 'search', row 4: ' 1355,44 ' is not a number \(write decimals"):
        load(df)
    df.loc[3, "search"] = "12,34,567"
    with pytest.raises(OmnimixError, match="row 4: '12,34,567' is not a number"):
        load(df)


def test_empty_cell_is_reported_as_empty():
    df = wide()
    df.loc[6, "tv"] = np.nan
    with pytest.raises(OmnimixError, match="Column 'tv', row 7 is empty"):
        load(df)


def test_duplicate_week_is_reported():
    df = wide()
    df.loc[5, "date"] = df.loc[4, "date"]
    with pytest.raises(OmnimixError, match="appears twice"):
        load(df)


def test_from_db_weekly_revenue_matches_orders(small_db: Path):
    with duckdb.connect(str(small_db), read_only=True) as con:
        data = from_db(con)
        total = con.execute("SELECT sum(quantity * unit_price) FROM order_items").fetchone()[0]
        spend = con.execute("SELECT sum(spend) FROM marketing_spend").fetchone()[0]
    assert set(data.channels) == {"search", "social", "display", "email", "affiliate", "tv"}
    assert len(data) == 156 and data.weeks[0] == pd.Timestamp("2023-01-02")
    assert data.revenue.sum() == pytest.approx(total)
    assert data.spend.sum() == pytest.approx(spend)
