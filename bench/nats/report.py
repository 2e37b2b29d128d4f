#!/usr/bin/env python3
# report.py: the Markdown tables of a bench/nats/run.sh results folder: per case the median
# (min-max) of each figure over its repeats, the JetStream/TCP ratios measured side by side
# (same repeat, run one after the other), and each takeover run's figures.
# Usage: bench/nats/report.py DIR [BUDGET_MS]   (reads DIR/<case>-<repeat>/summary.txt and
# takeover.txt, writes DIR/summary.csv; the rate sweep's cases, <case>@<rate>, are also
# tabled by rate against the p99 budget, 5 ms unless given)
import csv, glob, os, statistics, sys

out = sys.argv[1]
budget_us = float(sys.argv[2] if len(sys.argv) > 2 else 5) * 1000
# Each run's summary.txt (key=value, lull-ticks' summary), in the order the runs ended; the
# union of their keys goes to summary.csv (the JetStream runs have nats_* keys tcp has not).
rows = []
for path in sorted(glob.glob(os.path.join(out, "*-*", "summary.txt")), key=os.path.getmtime):
    name = os.path.basename(os.path.dirname(path))
    case, repeat = name.rsplit("-", 1)
    row = {"case": case, "repeat": repeat}
    row.update(line.strip().split("=", 1) for line in open(path) if "=" in line)
    rows.append(row)
fields = []
for r in rows:
    fields += [k for k in r if k not in fields]
with open(os.path.join(out, "summary.csv"), "w", newline="") as table:
    writer = csv.DictWriter(table, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
cases = []
for r in rows:
    if r["case"] not in cases:
        cases.append(r["case"])


def f(r, k):
    try:
        return float(r.get(k, "") or "nan")
    except ValueError:
        return float("nan")


def cell(values, fmt="%.0f"):
    values = [v for v in values if v == v]
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1:
        return fmt % m
    return (fmt + " (" + fmt + "-" + fmt + ")") % (m, min(values), max(values))


cols = [("events/s", "events_per_s", "%.0f"), ("p50 us", "latency_p50_us", "%.0f"),
        ("p99 us", "latency_p99_us", "%.0f"), ("p99.9 us", "latency_p999_us", "%.0f"),
        ("max us", "latency_max_us", "%.0f"), ("send lag p99 us", "send_lag_p99_us", "%.0f"),
        ("PubAck p99 us", "nats_ack_p99_us", "%.0f"), ("longest publish stall ms", "nats_stall_max_ms", "%.0f"),
        ("lulld run-queue wait ms", "lulld_runqueue_wait_ms", "%.0f")]
print("| case | runs | " + " | ".join(c[0] for c in cols) + " | missing / extra |")
print("|---|---|" + "---|" * len(cols) + "---|")
for c in cases:
    rs = [r for r in rows if r["case"] == c]
    missing = sum(int(f(r, "missing")) for r in rs)
    extra = sum(int(f(r, "extra")) + int(f(r, "duplicate")) for r in rs)
    print(f"| {c} | {len(rs)} | " + " | ".join(cell([f(r, k) for r in rs], fmt) for _, k, fmt in cols)
          + f" | {missing} / {extra} |")

# Ratios within a repeat: each JetStream case against the tcp run of the same repeat (and,
# in the sweep, the same rate).
def partner(c):
    return "tcp" + (c[c.index("@"):] if "@" in c else "")


by = {(r["case"], r["repeat"]): r for r in rows}
ratio_cases = [c for c in cases if not c.startswith("tcp") and not c.startswith("batch")
               and any((c, r["repeat"]) in by and (partner(c), r["repeat"]) in by for r in rows)]
if ratio_cases:
    print()
    print("Side by side (same repeat): the case's figure / tcp's, median (min-max) over repeats")
    print()
    keys = [("p50", "latency_p50_us"), ("p99", "latency_p99_us"), ("p99.9", "latency_p999_us"),
            ("max", "latency_max_us")]
    print("| case / tcp | pairs | " + " | ".join(k[0] for k in keys) + " | p50 difference us |")
    print("|---|---|" + "---|" * len(keys) + "---|")
    for c in ratio_cases:
        pairs = [(by[(c, rep)], by[(partner(c), rep)]) for (cc, rep) in by
                 if cc == c and (partner(c), rep) in by]
        cells = [cell([f(a, k) / f(b, k) for a, b in pairs], "%.2f") for _, k in keys]
        diff = cell([f(a, "latency_p50_us") - f(b, "latency_p50_us") for a, b in pairs], "%.0f")
        print(f"| {c} | {len(pairs)} | " + " | ".join(cells) + f" | {diff} |")

# The rate sweep: p99 per rate, and the highest rate whose median p99 is within the budget
# (and that lost nothing).
swept = sorted({(c.split("@")[0], float(c.split("@")[1])) for c in cases if "@" in c},
               key=lambda x: (x[0], x[1]))
if swept:
    print()
    print(f"Rate sweep: p99 us, median (min-max) over repeats; budget {budget_us:.0f} us")
    print()
    bases = sorted({b for b, _ in swept})
    swept_rates = sorted({r for _, r in swept})
    print("| events/s | " + " | ".join(f"{b} p99 us | {b} events/s" for b in bases) + " |")
    print("|---|" + "---|---|" * len(bases))
    best = {b: None for b in bases}
    for rate in swept_rates:
        line = f"| {rate:.0f} |"
        for b in bases:
            rs = [r for r in rows if r["case"] == f"{b}@{rate:.0f}"]
            line += f" {cell([f(r, 'latency_p99_us') for r in rs])} | {cell([f(r, 'events_per_s') for r in rs])} |"
            p99s = [f(r, "latency_p99_us") for r in rs if f(r, "latency_p99_us") == f(r, "latency_p99_us")]
            lost = sum(int(f(r, "missing")) for r in rs)
            if p99s and statistics.median(p99s) <= budget_us and lost == 0:
                best[b] = rate
        print(line)
    print()
    for b in bases:
        within = f"{best[b]:.0f} events/s" if best[b] else "none of the rates swept"
        print(f"- {b}: highest rate with p99 within {budget_us / 1000:g} ms: {within}")

takeovers = sorted(glob.glob(os.path.join(out, "takeover-*", "takeover.txt")))
if takeovers:
    print()
    print("Takeover (SIGKILL of one of 2 lease instances; survivor's figures)")
    print()
    parsed = []
    for t in takeovers:
        kv = dict(line.strip().split("=", 1) for line in open(t) if "=" in line)
        parsed.append((os.path.basename(os.path.dirname(t)), kv))
    keys = ["moved_partitions", "kill_to_taken_ms", "taken_to_live_ms", "kill_to_first_action_ms",
            "rebuild_ms_max", "rebuild_events", "rebuild_events_per_s", "gc_step_max_us_rebuild",
            "gc_step_max_us_before", "first_action_latency_ms", "duplicates_suppressed"]
    print("| run | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name, kv in parsed:
        print(f"| {name} | " + " | ".join(kv.get(k, "-") for k in keys) + " |")
