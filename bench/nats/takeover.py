#!/usr/bin/env python3
# takeover.py: the figures of one takeover run of bench/nats/run.sh, as key=value lines:
#   moved_partitions        the partitions the survivor took after the kill (its log:
#                           "partition N: taken at seq S, rebuilding")
#   kill_to_taken_ms        kill -> the first of those takes (lease expiry + the next round)
#   taken_to_live_ms        the first take -> the last "partition N rebuilt in X ms; live"
#   rebuild_ms_max          the largest X of those log lines
#   kill_to_first_action_ms kill -> the first action of a moved partition that reached NATS
#                           (tap.py's receive time; per partition the first after its take)
#   first_action_latency_ms that action's now - ts (ts: the event's scheduled send time)
#   rebuild_events          lull_partition_rebuild_events_total, after the run less before the kill
#   rebuild_events_per_s    rebuild_events / (last live - first take)
#   gc_step_max_us_rebuild  the largest lull_gc_step_max_seconds (any kind; metrics.window 1s,
#                           scraped every 0.5 s) from the first take to 1 s after the last live
#   gc_step_max_us_before   the same over the 5 s before the kill
#   duplicates_suppressed   lull_actions_duplicate_suppressed_total of the survivor: repeats
#                           of events after the dead instance's last position, dropped by the
#                           server (Nats-Msg-Id)
# Usage: takeover.py DIR
import datetime, os, re, sys

d = sys.argv[1]
kill_ns = int(open(os.path.join(d, "kill.txt")).read().split("=")[1])


def log_ns(line):
    stamp = line.split(" ", 1)[0]
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(t.timestamp()) * 10**9 + t.microsecond * 1000


taken, live, rebuild_ms = {}, {}, {}
for line in open(os.path.join(d, "lulld-a.log")):
    m = re.search(r"partition (\d+): taken at seq (\d+)", line)
    if m and log_ns(line) > kill_ns:
        taken.setdefault(int(m.group(1)), log_ns(line))
    m = re.search(r"partition (\d+) rebuilt in (\d+) ms; live", line)
    if m and log_ns(line) > kill_ns:
        live[int(m.group(1))] = log_ns(line)
        rebuild_ms[int(m.group(1))] = int(m.group(2))
if not taken:
    print("error=the survivor took no partition after the kill")
    sys.exit(1)

first = {}
tap = os.path.join(d, "actions-tap.txt")
for line in open(tap) if os.path.exists(tap) else []:
    try:
        recv, part, ts = (int(x) for x in line.split())
    except ValueError:
        continue
    if part in taken and recv > taken[part] and part not in first:
        first[part] = (recv, ts)


def metric(path, name):
    total = 0.0
    for line in open(path) if os.path.exists(path) else []:
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.split()[-1])
    return total


rebuild_events = metric(os.path.join(d, "metrics-final.txt"), "lull_partition_rebuild_events_total") - \
    metric(os.path.join(d, "metrics-before-kill.txt"), "lull_partition_rebuild_events_total")
t0, t1 = min(taken.values()), max(live.values()) if live else None

scrapes, current = [], None
for line in open(os.path.join(d, "survivor-metrics.txt")):
    if line.startswith("# scrape_ns"):
        current = [int(line.split()[2]), 0.0, "-"]
        scrapes.append(current)
    elif line.startswith("lull_gc_step_max_seconds") and current is not None:
        value = float(line.split()[-1])
        if value > current[1]:
            current[1], current[2] = value, line.split('"')[1]

print("moved_partitions=" + ",".join(str(p) for p in sorted(taken)))
print(f"kill_to_taken_ms={(t0 - kill_ns) / 1e6:.0f}")
if t1:
    print(f"taken_to_live_ms={(t1 - t0) / 1e6:.0f}")
    print(f"rebuild_ms_max={max(rebuild_ms.values())}")
if first:
    recv, ts = min(first.values())
    print(f"kill_to_first_action_ms={(recv - kill_ns) / 1e6:.0f}")
    print(f"first_action_latency_ms={(recv - ts) / 1e6:.0f}")
    print(f"partitions_with_an_action={len(first)}/{len(taken)}")
print(f"rebuild_events={rebuild_events:.0f}")
print(f"duplicates_suppressed={metric(os.path.join(d, 'metrics-final.txt'), 'lull_actions_duplicate_suppressed_total'):.0f}")
if t1 and t1 > t0:
    print(f"rebuild_events_per_s={rebuild_events / ((t1 - t0) / 1e9):.0f}")
during = [(v, k) for t, v, k in scrapes if t0 <= t <= (t1 or t0) + 10**9]
before = [(v, k) for t, v, k in scrapes if kill_ns - 5 * 10**9 <= t <= kill_ns]
if during:
    v, k = max(during)
    print(f"gc_step_max_us_rebuild={v * 1e6:.0f} ({k})")
if before:
    v, k = max(before)
    print(f"gc_step_max_us_before={v * 1e6:.0f} ({k})")
