"""CLV accuracy against the generator's truth, and speed at 1M customers side by side with ``lifetimes``.

1. Accuracy: on generated samples (seeds 1-3 at 20,000 customers, seed 1 at 50,000) fit
   :func:`core.clv.model.fit_clv` at the end of the data (52-week horizon) with the default
   ``model="auto"`` (chosen on a 26-week holdout) and with each model named, and score the
   forecasts against ``truth_customer_future`` (the 52 weeks after the data end, simulated by
   the generator's own order process, purchase days):

   * total predicted purchases vs the truth, % error over the customers the model sees
     (those with a purchase in the data); goal within ±10%;
   * Spearman rank correlation of predicted vs true future purchases per customer (aim ≥ 0.6);
   * ROC AUC of ``p_alive`` for ``active_at_end`` (goal ≥ 0.8).

2. Speed at ``--big-customers`` (default 1,000,000): summary (:func:`rfm_summary`), fit
   (BG/NBD + Gamma-Gamma) and scoring (:func:`customer_value`), seconds each and in total,
   best of ``--repeat``.  The same summary is written to Parquet and ``lifetimes`` 0.11.3
   (``BetaGeoFitter`` + ``GammaGammaFitter``, then expected purchases, p_alive and expected
   order value) is timed on it with ``--lifetimes-python`` (default ``/tmp/ltvenv/bin/python``:
   a separate venv, ``pip install lifetimes==0.11.3 pyarrow``, kept out of the app's venv; the
   ``bench-clv`` extra names it).  Both fits' parameters are printed to show they agree.  Then
   the whole default pipeline, ``fit_clv(model="auto")`` (summaries at the calibration cutoff
   and the data end, the three models compared on a 100,000-customer sample, the winner fitted
   on everyone, scoring), is timed once.

    .venv/bin/python benchmarks/bench_clv.py [--seeds 1,2,3] [--customers 20000] [--big-customers 1000000] [--json]

Databases are generated on first use as ``/tmp/clvb_s<seed>.duckdb`` (20k),
``/tmp/clvb_50k_s1.duckdb`` and ``/tmp/clvb_1m.duckdb``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scipy.stats import spearmanr  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from core.clv.bgnbd import BetaGeoModel  # noqa: E402
from core.clv.gamma_gamma import GammaGammaModel  # noqa: E402
from core.clv.model import fit_clv  # noqa: E402
from core.clv.summary import rfm_summary  # noqa: E402
from core.clv.value import customer_value  # noqa: E402
from core.generator import generate_database  # noqa: E402

LIFETIMES_SCRIPT = r"""
import json, sys, time
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
s = pd.read_parquet(sys.argv[1])
t0 = time.perf_counter()
bg = BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["T"])
t1 = time.perf_counter()
rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
gg = GammaGammaFitter(penalizer_coef=0.0).fit(rep["frequency"], rep["monetary_value"])
t2 = time.perf_counter()
orders = bg.conditional_expected_number_of_purchases_up_to_time(52, s["frequency"], s["recency"], s["T"])
alive = bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
value = gg.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
t3 = time.perf_counter()
print(json.dumps({"bgnbd_fit_s": t1 - t0, "gamma_gamma_fit_s": t2 - t1, "scoring_s": t3 - t2, "total_s": t3 - t0,
                  "params": {k: float(v) for k, v in bg.params_.items()},
                  "spend_params": {k: float(v) for k, v in gg.params_.items()},
                  "expected_orders": float(orders.sum()), "mean_p_alive": float(alive.mean())}))
"""


def ensure_db(path: Path, n: int, seed: int) -> Path:
    if not path.exists():
        generate_database(path, n_customers=n, seed=seed)
    return path


def accuracy(path: Path, *, model: str = "auto") -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        t0 = time.perf_counter()
        result = fit_clv(con, horizon_weeks=52, model=model)
        seconds = time.perf_counter() - t0
        truth = con.execute("SELECT * FROM truth_customer_future").df()
        n_all = len(truth)
    joined = result.customers.merge(truth, on="customer_id", how="left", validate="one_to_one")
    predicted = float(joined["expected_orders"].sum())
    actual = float(joined["future_orders"].sum())
    return {
        "db": str(path), "customers": n_all, "modelled": len(joined), "model": result.model_name, "asked": model,
        "predicted_orders": predicted, "true_orders": actual, "error_pct": (predicted - actual) / actual * 100,
        "true_orders_all_customers": float(truth["future_orders"].sum()),
        "spearman": float(spearmanr(joined["expected_orders"], joined["future_orders"]).statistic),
        "auc_p_alive": float(roc_auc_score(joined["active_at_end"], joined["p_alive"])),
        "predicted_revenue": float((joined["expected_orders"] * joined["expected_order_value"]).sum()),
        "true_revenue": float(joined["future_revenue"].sum()),
        "seconds": seconds,
    }


def speed(path: Path, *, repeat: int, lifetimes_python: str) -> dict:
    best: dict[str, float] = {}
    for _ in range(repeat):
        with duckdb.connect(str(path), read_only=True) as con:
            t0 = time.perf_counter()
            summary = rfm_summary(con)
            t1 = time.perf_counter()
        bg = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
        t2 = time.perf_counter()
        rep = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        gg = GammaGammaModel().fit(rep["frequency"], rep["monetary_value"])
        t3 = time.perf_counter()
        customer_value(summary, bg, gg, horizon_weeks=52, discount_monthly=0.01)
        t4 = time.perf_counter()
        run = {"summary_s": t1 - t0, "bgnbd_fit_s": t2 - t1, "gamma_gamma_fit_s": t3 - t2, "scoring_s": t4 - t3,
               "total_s": t4 - t0}
        if not best or run["total_s"] < best["total_s"]:
            best = run
    out = {"customers": len(summary), "ours": best, "params": dict(bg.params_), "spend_params": dict(gg.params_)}
    parquet = Path("/tmp/clv_bench_summary.parquet")
    summary[["frequency", "recency", "T", "monetary_value"]].to_parquet(parquet)
    try:
        proc = subprocess.run([lifetimes_python, "-c", LIFETIMES_SCRIPT, str(parquet)], capture_output=True,
                              text=True, timeout=3600)
        out["lifetimes"] = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
    except (OSError, subprocess.TimeoutExpired) as exc:
        out["lifetimes"] = {"error": str(exc)}
    with duckdb.connect(str(path), read_only=True) as con:
        t0 = time.perf_counter()
        auto = fit_clv(con, horizon_weeks=52)
        out["auto"] = {"seconds": time.perf_counter() - t0, "model": auto.model_name, "choice": auto.choice}
    lt = out["lifetimes"]
    if "total_s" in lt:
        ours_model = best["bgnbd_fit_s"] + best["gamma_gamma_fit_s"] + best["scoring_s"]
        out["speedup_same_steps"] = lt["total_s"] / ours_model
        out["param_rel_diff"] = {k: abs(out["params"][k] - lt["params"][k]) / abs(lt["params"][k]) for k in lt["params"]}
        out["spend_param_rel_diff"] = {k: abs(out["spend_params"][k] - lt["spend_params"][k]) / abs(lt["spend_params"][k])
                                       for k in lt["spend_params"]}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--big-customers", type=int, default=1_000_000, help="0 skips the speed part")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--lifetimes-python", default="/tmp/ltvenv/bin/python")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict = {"accuracy": []}
    if not args.skip_accuracy:
        dbs = [ensure_db(Path(f"/tmp/clvb_s{s}.duckdb"), args.customers, int(s)) for s in args.seeds.split(",")]
        dbs.append(ensure_db(Path("/tmp/clvb_50k_s1.duckdb"), 50_000, 1))
        for db in dbs:
            for model in ("auto", "BG/NBD", "MBG/NBD", "Pareto/NBD"):
                row = accuracy(db, model=model)
                report["accuracy"].append(row)
                if not args.json:
                    print(f"{db.name:<20} {row['customers']:>7,} customers ({row['modelled']:,} with a purchase), "
                          f"{row['model']:<10} ({model}): predicted {row['predicted_orders']:,.0f} vs true "
                          f"{row['true_orders']:,.0f} purchases in 52 weeks ({row['error_pct']:+.1f}%), "
                          f"Spearman {row['spearman']:.3f}, AUC p_alive {row['auc_p_alive']:.3f}, "
                          f"revenue €{row['predicted_revenue']:,.0f} vs €{row['true_revenue']:,.0f}, "
                          f"{row['seconds']:.1f} s", flush=True)
    if args.big_customers:
        big = ensure_db(Path("/tmp/clvb_1m.duckdb") if args.big_customers == 1_000_000
                        else Path(f"/tmp/clvb_{args.big_customers}.duckdb"), args.big_customers, 1)
        report["speed"] = sp = speed(big, repeat=args.repeat, lifetimes_python=args.lifetimes_python)
        if not args.json:
            o = sp["ours"]
            print(f"\n{sp['customers']:,} customers with a purchase: summary {o['summary_s']:.2f} s, BG/NBD fit "
                  f"{o['bgnbd_fit_s']:.2f} s, Gamma-Gamma fit {o['gamma_gamma_fit_s']:.2f} s, scoring "
                  f"{o['scoring_s']:.2f} s, total {o['total_s']:.2f} s")
            print(f"  default pipeline fit_clv(model='auto'): {sp['auto']['seconds']:.2f} s — {sp['auto']['choice']}")
            print("  ours:      " + ", ".join(f"{k} = {v:.4f}" for k, v in {**sp["params"], **sp["spend_params"]}.items()))
            lt = sp["lifetimes"]
            if "total_s" in lt:
                print(f"  lifetimes: BG/NBD fit {lt['bgnbd_fit_s']:.2f} s, Gamma-Gamma fit {lt['gamma_gamma_fit_s']:.2f} s, "
                      f"scoring {lt['scoring_s']:.2f} s, total {lt['total_s']:.2f} s on the same summary "
                      f"({sp['speedup_same_steps']:.1f}x ours for fit + scoring)")
                print("  lifetimes: " + ", ".join(f"{k} = {v:.4f}" for k, v in {**lt["params"], **lt["spend_params"]}.items()))
                worst = max([*sp["param_rel_diff"].values(), *sp["spend_param_rel_diff"].values()])
                print(f"  largest relative parameter difference: {worst:.2e}")
            else:
                print(f"  lifetimes failed: {lt.get('error')}")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
