#!/usr/bin/env python3
"""Peer of the governance stage finder: the same features built independently from the registry
CSV, segmented by ruptures' exact dynamic programming (`Dynp`, model="l2", jump=1).

Features (docs/methods.md, Governance, Stages): for each year with an arrangement in force, the
mode mix (H, M, N) with zeros replaced multiplicatively (Martín-Fernández et al. 2003:
r_j = delta for a zero part, x_j (1 - z delta) otherwise, z = zero parts) and mapped to its
isometric log-ratio coordinates (Egozcue et al. 2003):
z_i = sqrt(i / (i + 1)) ln(g(x_1..x_i) / x_{i+1}), i = 1..D-1, g the geometric mean.
Optional extras, each column standardised (population sd; a constant column is dropped): goal =
ilr of the goal mix (economic, ecological, integrated), binding = mean bindingness, level = ilr of
the mix of the registry's levels (sorted by name). Years without an arrangement are left out.

Prints JSON: {"years": observed years, "path": [{"k", "cost", "criterion", "breaks"}], "k"}.
Usage: stages_peer.py REGISTRY.csv MIN_SIZE MAX_K [--delta 0.01] [--features goal,binding,level]
       [--criterion bic|lwz]
Used to produce the reference path that crates/cli/tests/governance.rs records.
"""
import argparse
import csv
import json
import math

import numpy as np
import ruptures as rpt

MODES = "HMN"
GOALS = ["economic", "ecological", "integrated"]


def year(text):
    return int(text.split("-")[0])


def replace_zeros(x, delta):
    zeros = (x == 0).sum()
    return np.where(x == 0, delta, x * (1 - zeros * delta))


def ilr(x):
    logs = np.log(x)
    return [math.sqrt(i / (i + 1)) * (logs[:i].mean() - logs[i]) for i in range(1, len(x))]


def main():
    cli = argparse.ArgumentParser()
    cli.add_argument("registry")
    cli.add_argument("min_size", type=int)
    cli.add_argument("max_k", type=int)
    cli.add_argument("--delta", type=float, default=0.01)
    cli.add_argument("--features", default="")
    cli.add_argument("--criterion", default="bic")
    args = cli.parse_args()
    rows = list(csv.DictReader(open(args.registry, encoding="utf-8")))
    arrangements = [
        dict(
            start=year(r["start"]),
            end=year(r["end"]) if r["end"][:1].isdigit() else None,
            ending=r["end"] if not r["end"][:1].isdigit() else "dated",
            binding=int(r["binding"]),
            modes=r["modes"].split(";"),
            goal=r["goal"],
            level=r["level"],
        )
        for r in rows
    ]
    first = min(a["start"] for a in arrangements)
    horizon = max(max(a["end"] if a["end"] is not None else a["start"], a["start"]) for a in arrangements)
    levels = sorted({a["level"] for a in arrangements})

    def last(a):
        # A date; `ongoing` to the horizon; `event` its start year; unknown (`unknown` or
        # empty): the horizon, a bare declaration (binding 0) its start year.
        if a["end"] is not None:
            return a["end"]
        if a["ending"] == "ongoing":
            return horizon
        if a["ending"] == "event":
            return a["start"]
        return a["start"] if a["binding"] == 0 else horizon

    years, modes, extras = [], [], []
    features = [f for f in args.features.split(",") if f]
    for y in range(first, horizon + 1):
        active = [a for a in arrangements if a["start"] <= y <= last(a)]
        if not active:
            continue
        mix = np.zeros(3)
        for a in active:
            for m in a["modes"]:
                mix[MODES.index(m)] += 1 / len(a["modes"]) / len(active)
        years.append(y)
        modes.append(ilr(replace_zeros(mix, args.delta)))
        row = []
        for f in features:
            if f == "goal":
                goals = np.array([sum(a["goal"] == g for a in active) / len(active) for g in GOALS])
                row += ilr(replace_zeros(goals, args.delta))
            elif f == "binding":
                row.append(np.mean([a["binding"] for a in active]))
            elif f == "level":
                shares = np.array([sum(a["level"] == v for a in active) / len(active) for v in levels])
                row += ilr(replace_zeros(shares, args.delta))
        extras.append(row)
    signal = np.array(modes)
    if features:
        extra = np.array(extras)
        sd = extra.std(axis=0)
        keep = sd > 0
        signal = np.hstack([signal, (extra[:, keep] - extra[:, keep].mean(axis=0)) / sd[keep]])
    t, d = signal.shape
    n = t * d
    per_parameter = math.log(n) if args.criterion == "bic" else 0.299 * math.log(n) ** 2.1
    algo = rpt.Dynp(model="l2", min_size=args.min_size, jump=1).fit(signal)
    path = []
    for k in range(1, args.max_k + 1):
        if k * args.min_size > t:
            break
        bkps = algo.predict(n_bkps=k - 1)
        cost = sum(algo.cost.error(s, e) for s, e in zip([0] + bkps[:-1], bkps))
        criterion = n * math.log(max(cost, 1e-9 * n) / n) + (k * d + k - 1) * per_parameter
        path.append(dict(k=k, cost=cost, criterion=criterion, breaks=[years[b] for b in bkps[:-1]]))
    best = min(path, key=lambda p: p["criterion"])["k"]
    print(json.dumps(dict(years=years, path=path, k=best)))


if __name__ == "__main__":
    main()
