#!/usr/bin/env python3
"""Turns the raw samples of bench/run, bench/instructions and bench/memory
into JSON and a printed table, and draws the plot (bench/run --plot).

The shell scripts do the measuring; this file only does arithmetic and
formatting, so every figure can be traced back to a line in a log.

  report.py e2e          --samples TSV --out JSON ...   (bench/run)
  report.py instructions --samples TSV --out JSON ...   (bench/instructions)
  report.py memory       --samples TSV --out JSON ...   (bench/memory)
  report.py plot --results JSON [--instructions JSON] --png FILE
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# metric -> (label, unit, which way is better)
METRICS = {
    "tcp_rtt_p50_us": ("TCP ping-pong RTT, median", "us", "lower"),
    "tcp_rtt_p99_us": ("TCP ping-pong RTT, p99", "us", "lower"),
    "udp_rtt_p50_us": ("UDP ping-pong RTT, median", "us", "lower"),
    "udp_rtt_p99_us": ("UDP ping-pong RTT, p99", "us", "lower"),
    "udpc_rtt_p50_us": ("connected-UDP ping-pong RTT (send/recv), median",
                        "us", "lower"),
    "udpc_rtt_p99_us": ("connected-UDP ping-pong RTT (send/recv), p99", "us",
                        "lower"),
    "tcp_bw_gbps": ("TCP bulk throughput", "Gbit/s", "higher"),
    "conn_rate_per_s": ("connect/accept/close rate", "conn/s", "higher"),
    "redis_set_rps": ("redis-benchmark SET", "req/s", "higher"),
    "redis_get_rps": ("redis-benchmark GET", "req/s", "higher"),
}

# The budget, as ratios to native (value / native).
BUDGET = {
    "lxwsk": {
        "tcp_rtt_p50_us": ("<=", 1.015),
        "udp_rtt_p50_us": ("<=", 1.015),
        "tcp_rtt_p99_us": ("<=", 1.05),
        "udp_rtt_p99_us": ("<=", 1.05),
        "tcp_bw_gbps": (">=", 0.98),
        "conn_rate_per_s": (">=", 0.95),
    },
    "lxwsk-trace": {
        "tcp_rtt_p50_us": ("<=", 2.0),
        "udp_rtt_p50_us": ("<=", 2.0),
    },
}

INSTR_BUDGET = 60  # added user-space instructions per send and per recv


def host_info():
    info = {
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "machine": platform.machine(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        info["git"] = head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 10:
        return "%.2f" % v
    return "%.3f" % v


def print_table(headers, rows, out=sys.stdout):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(headers, widths)))
    print(line, file=out)
    print("-" * len(line), file=out)
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))), file=out)


def check(op, value, limit):
    if value is None:
        return None
    return value <= limit if op == "<=" else value >= limit


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# bench/run
# ---------------------------------------------------------------------------
def cmd_e2e(a):
    configs = a.configs.split(",")
    samples = {}   # metric -> cfg -> {round: value}
    failures = {}  # cfg -> {bench: reason}
    with open(a.samples) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            rnd, bench, cfg, metric, value = parts
            if metric == "FAILED":
                failures.setdefault(cfg, {})[bench] = value
                continue
            samples.setdefault(metric, {}).setdefault(cfg, {})[int(rnd)] = float(value)

    metrics = {}
    for metric in [m for m in METRICS if m in samples] + \
            sorted(m for m in samples if m not in METRICS):
        label, unit, better = METRICS.get(metric, (metric, "", "lower"))
        per_cfg = {}
        native = samples[metric].get("native", {})
        native_med = statistics.median(native.values()) if native else None
        for cfg in configs:
            vals = samples[metric].get(cfg)
            if not vals:
                per_cfg[cfg] = None
                continue
            med = statistics.median(vals.values())
            entry = {
                "median": med,
                "samples": [vals[r] for r in sorted(vals)],
                "ratio": (med / native_med) if native_med else None,
            }
            # Same-round ratios: each compares two runs minutes apart at most.
            paired = [vals[r] / native[r] for r in sorted(vals)
                      if r in native and native[r]]
            if paired:
                entry["round_ratios"] = paired
                entry["round_ratio_median"] = statistics.median(paired)
            b = BUDGET.get(cfg, {}).get(metric)
            if b:
                entry["budget"] = "%s %g" % b
                entry["budget_met"] = check(b[0], entry["ratio"], b[1])
            per_cfg[cfg] = entry
        metrics[metric] = {"label": label, "unit": unit, "better": better,
                           "configs": per_cfg}

    doc = {
        "tool": "bench/run",
        "command": a.command,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mode": a.mode,
        "rounds": a.rounds,
        "netns": a.netns == "1",
        "elapsed_s": float(a.elapsed),
        "params": a.params,
        "host": host_info(),
        "configs": configs,
        "notes": json.loads(a.notes) if a.notes else [],
        "not_applicable": failures,
        "ratio_definition": "median over rounds of the configuration / median over rounds of native",
        "metrics": metrics,
    }
    write_json(a.out, doc)
    print_e2e(doc)


def print_e2e(doc, out=sys.stdout):
    configs = doc["configs"]
    headers = ["metric", "unit"] + configs
    rows = []
    for name, m in doc["metrics"].items():
        row = [name, m["unit"]]
        for cfg in configs:
            e = m["configs"].get(cfg)
            if e is None:
                row.append("n/a")
            elif cfg == "native":
                row.append(fmt(e["median"]))
            else:
                mark = ""
                if "budget_met" in e:
                    mark = "" if e["budget_met"] else "!"
                row.append("%s (%.3f%s)" % (fmt(e["median"]), e["ratio"], mark))
        rows.append(row)
    print("", file=out)
    print("Medians over %d round(s) (%s run, %.0f s); (ratio to native)%s" % (
        doc["rounds"], doc["mode"], doc["elapsed_s"],
        "; ! = misses the budget" if any(
            "budget_met" in (e or {}) for m in doc["metrics"].values()
            for e in m["configs"].values()) else ""), file=out)
    print_table(headers, rows, out)
    for cfg, fails in doc.get("not_applicable", {}).items():
        for bench, reason in fails.items():
            print("n/a: %s under %s: %s" % (bench, cfg, reason), file=out)
    for n in doc.get("notes", []):
        print("note: " + n, file=out)


# ---------------------------------------------------------------------------
# bench/instructions
# ---------------------------------------------------------------------------
def cmd_instructions(a):
    # TSV: kind cfg proto sockets threads n phase total
    runs = {}
    meta = json.loads(a.meta) if a.meta else {}
    with open(a.samples) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 8:
                continue
            kind, cfg, proto, sockets, threads, n, phase, total = p
            key = (kind, cfg, proto, int(sockets), int(threads), phase)
            runs.setdefault(key, {})[int(n)] = int(total)

    def per_call(key):
        d = runs.get(key)
        if not d or len(d) < 2:
            return None
        n1, n2 = sorted(d)[:2]
        calls = (n2 - n1) * key[4]  # every thread makes n calls per phase
        return (d[n2] - d[n1]) / calls

    configs = sorted({k[1] for k in runs}, key=lambda c: (c != "native", c))
    base = {}
    for cfg in configs:
        for proto in ("tcp", "udp", "udp-addr", "tcp-addr"):
            for phase in ("send", "recv"):
                v = per_call(("base", cfg, proto, 0, 1, phase))
                if v is not None:
                    base.setdefault(cfg, {}).setdefault(proto, {})[phase] = v
    added = {}
    for cfg in configs:
        if cfg == "native":
            continue
        for proto, phases in base.get(cfg, {}).items():
            for phase, v in phases.items():
                nat = base.get("native", {}).get(proto, {}).get(phase)
                if nat is not None:
                    added.setdefault(cfg, {}).setdefault(proto, {})[phase] = v - nat

    # Per connection (bench/e2e/connrate): client and server process totals.
    conn = {}
    for cfg in configs:
        for side in ("client", "server"):
            v = per_call(("conn", cfg, "tcp", 0, 1, side))
            if v is not None:
                conn.setdefault(cfg, {})[side] = v
    conn_added = {}
    for cfg, sides in conn.items():
        if cfg == "native":
            continue
        for side, v in sides.items():
            nat = conn.get("native", {}).get(side)
            if nat is not None:
                conn_added.setdefault(cfg, {})[side] = v - nat

    def sweep(kind, field):
        out = []
        keys = sorted({(k[2], k[3], k[4]) for k in runs if k[0] == kind})
        for proto, sockets, threads in keys:
            row = {"proto": proto, "sockets": sockets, "threads": threads}
            for phase in ("send", "recv"):
                lx = per_call((kind, "lxwsk", proto, sockets, threads, phase))
                nat = per_call((kind, "native", proto, sockets, threads, phase))
                row["lxwsk_" + phase] = lx
                row["native_" + phase] = nat
                row["added_" + phase] = (lx - nat) if lx is not None and nat is not None else None
            out.append(row)
        return out

    doc = {
        "tool": "bench/instructions",
        "command": a.command,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": host_info(),
        "elapsed_s": float(a.elapsed),
        "method": (
            "valgrind --tool=callgrind on bench/e2e/sendrecv: N one-byte send() "
            "then N one-byte recv(), callgrind counters zeroed before and dumped "
            "after each phase (client requests); per call = (Ir(N2) - Ir(N1)) / "
            "(N2 - N1) for each phase, which cancels start-up and everything "
            "constant; added = configuration minus native. User-space "
            "instructions only (valgrind does not see the kernel)."),
        "counts": meta.get("counts"),
        "budget_added_per_call": INSTR_BUDGET,
        "per_call": base,
        "added_vs_native": added,
        "sweep_sockets": sweep("sockets", "sockets"),
        "sweep_threads": sweep("threads", "threads"),
        "conn_counts": meta.get("conn_counts"),
        "method_conn": (
            "bench/e2e/connrate, client (socket, connect, read() == 0, close) "
            "and server (accept, close) both under callgrind in the same "
            "configuration; per connection = (Ir(C2) - Ir(C1)) / (C2 - C1) of "
            "each process's total; added = configuration minus native."),
        "per_connection": conn,
        "conn_added_vs_native": conn_added,
        "notes": meta.get("notes", []),
    }
    write_json(a.out, doc)
    print_instructions(doc)


def print_instructions(doc, out=sys.stdout):
    rows = []
    for cfg, protos in doc["per_call"].items():
        for proto in ("tcp", "udp", "udp-addr", "tcp-addr"):
            ph = protos.get(proto)
            if not ph:
                continue
            add = doc["added_vs_native"].get(cfg, {}).get(proto, {})
            rows.append([cfg, proto,
                         "%.1f" % ph["send"], "%.1f" % ph["recv"],
                         "-" if cfg == "native" else "%+.1f" % add.get("send", float("nan")),
                         "-" if cfg == "native" else "%+.1f" % add.get("recv", float("nan"))])
    if rows:
        print("", file=out)
        print("User-space instructions per call (callgrind, N=%s; added = minus native; budget %d)"
              % ("/".join(str(c) for c in doc["counts"] or []), doc["budget_added_per_call"]),
              file=out)
        print_table(["config", "proto", "send", "recv", "added send", "added recv"], rows, out)
    if doc.get("per_connection"):
        print("", file=out)
        print("User-space instructions per TCP connection (callgrind, connrate, C=%s; added = minus native)"
              % "/".join(str(c) for c in doc.get("conn_counts") or []), file=out)
        rows = []
        for cfg, sides in doc["per_connection"].items():
            add = doc["conn_added_vs_native"].get(cfg, {})
            rows.append([cfg,
                         "%.1f" % sides.get("client", float("nan")),
                         "%.1f" % sides.get("server", float("nan")),
                         "-" if cfg == "native" else "%+.1f" % add.get("client", float("nan")),
                         "-" if cfg == "native" else "%+.1f" % add.get("server", float("nan"))])
        print_table(["config", "client", "server", "added client", "added server"], rows, out)
    for title, key, col in (("Scaling with open sockets (lxwsk minus native)", "sweep_sockets", "sockets"),
                            ("Scaling with threads (lxwsk minus native)", "sweep_threads", "threads")):
        if not doc.get(key):
            continue
        print("", file=out)
        print(title, file=out)
        rows = [[r["proto"], str(r[col]),
                 "%.1f" % r["lxwsk_send"] if r["lxwsk_send"] is not None else "n/a",
                 "%.1f" % r["lxwsk_recv"] if r["lxwsk_recv"] is not None else "n/a",
                 "%+.1f" % r["added_send"] if r["added_send"] is not None else "n/a",
                 "%+.1f" % r["added_recv"] if r["added_recv"] is not None else "n/a"]
                for r in doc[key]]
        print_table(["proto", col, "lxwsk send", "lxwsk recv", "added send", "added recv"], rows, out)
    for n in doc.get("notes", []):
        print("note: " + n, file=out)


# ---------------------------------------------------------------------------
# bench/memory
# ---------------------------------------------------------------------------
def cmd_memory(a):
    # TSV: kind cfg round key value
    data = {}
    meta = json.loads(a.meta) if a.meta else {}
    with open(a.samples) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 5:
                continue
            kind, cfg, rnd, key, value = p
            data.setdefault(kind, {}).setdefault(cfg, {}).setdefault(key, []).append(float(value))
    idle = {}
    for cfg, d in data.get("idle", {}).items():
        idle[cfg] = {"vmhwm_kib": statistics.median(d["vmhwm_kib"]),
                     "samples": d["vmhwm_kib"]}
        for k in ("rssanon_kib", "rssfile_kib"):
            if k in d:
                idle[cfg][k] = statistics.median(d[k])
    for cfg, e in idle.items():
        if "native" in idle:
            e["added_kib"] = e["vmhwm_kib"] - idle["native"]["vmhwm_kib"]
    sockets = {}
    n = meta.get("sockets")
    for kind in ("sockets_udp", "sockets_tcp"):
        for cfg, d in data.get(kind, {}).items():
            growth = [after - before for before, after in
                      zip(d["rss_before_kib"], d["rss_after_kib"])]
            sockets.setdefault(kind, {})[cfg] = {
                "rss_growth_kib": statistics.median(growth), "samples_kib": growth}
        nat = sockets.get(kind, {}).get("native")
        for cfg, e in sockets.get(kind, {}).items():
            if nat is not None and n:
                e["added_bytes_per_socket"] = (e["rss_growth_kib"] - nat["rss_growth_kib"]) * 1024 / n
    doc = {
        "tool": "bench/memory",
        "command": a.command,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": host_info(),
        "method": (
            "idle: bench/e2e/memprobe idle (sleeps 100 ms, no sockets), VmHWM "
            "from /proc/self/status, median over rounds, minus native. Per "
            "socket: memprobe sockets N opens N sockets after a first one; "
            "VmRSS growth across them, preloaded minus native, divided by N."),
        "budget": {"idle_added_kib": 1024, "bytes_per_socket": 512},
        "sockets": n,
        "idle": idle,
        "per_socket": sockets,
        "notes": meta.get("notes", []),
    }
    write_json(a.out, doc)
    print_memory(doc)


def print_memory(doc, out=sys.stdout):
    print("", file=out)
    print("Peak RSS of an idle program (VmHWM, KiB; budget: native + 1024)", file=out)
    rows = [[cfg, "%.0f" % e["vmhwm_kib"],
             "-" if cfg == "native" else "%+.0f" % e.get("added_kib", float("nan")),
             "%.0f" % e.get("rssanon_kib", float("nan")),
             "%.0f" % e.get("rssfile_kib", float("nan"))]
            for cfg, e in sorted(doc["idle"].items(), key=lambda kv: kv[0] != "native")]
    print_table(["config", "VmHWM KiB", "added KiB", "RssAnon KiB", "RssFile KiB"], rows, out)
    for kind, d in doc["per_socket"].items():
        print("", file=out)
        print("RSS growth over %d %s sockets (budget: 512 bytes per socket)"
              % (doc["sockets"], kind.split("_")[1].upper()), file=out)
        rows = [[cfg, "%.0f" % e["rss_growth_kib"],
                 "-" if cfg == "native" else "%.0f" % e.get("added_bytes_per_socket", float("nan"))]
                for cfg, e in sorted(d.items(), key=lambda kv: kv[0] != "native")]
        print_table(["config", "growth KiB", "added bytes/socket"], rows, out)


# ---------------------------------------------------------------------------
# plot
# ---------------------------------------------------------------------------
def cmd_plot(a):
    with open(a.results) as f:
        res = json.load(f)
    instr = None
    if a.instructions and os.path.exists(a.instructions):
        with open(a.instructions) as f:
            instr = json.load(f)
    lat_metrics = [m for m in ("tcp_rtt_p50_us", "tcp_rtt_p99_us",
                               "udp_rtt_p50_us", "udp_rtt_p99_us")
                   if m in res["metrics"]]
    if not lat_metrics:
        sys.exit("report.py plot: no latency figures in " + a.results)
    titles = {"tcp_rtt_p50_us": "TCP median", "tcp_rtt_p99_us": "TCP p99",
              "udp_rtt_p50_us": "UDP median", "udp_rtt_p99_us": "UDP p99"}
    with tempfile.TemporaryDirectory(prefix="lxwsk-plot.") as tmp:
        draw(a, res, instr, lat_metrics, titles, tmp)
    print("plot: " + a.png)


def draw(a, res, instr, lat_metrics, titles, tmp):
    lat_dat = os.path.join(tmp, "latency.dat")
    with open(lat_dat, "w") as f:
        f.write("# config " + " ".join(lat_metrics) + "\n")
        for cfg in res["configs"]:
            vals = []
            for m in lat_metrics:
                e = res["metrics"][m]["configs"].get(cfg)
                vals.append("%.4f" % e["ratio"] if e and e.get("ratio") else "NaN")
            f.write('"%s" %s\n' % (cfg, " ".join(vals)))
    ncfg = len(res["configs"])
    lat_plot = "plot " + ", ".join(
        ['"%s" using %d:xtic(1) title "%s"' % (lat_dat if i == 0 else "", i + 2, titles[m])
         for i, m in enumerate(lat_metrics)]) + \
        ', 1.015 with lines lw 2 dt 2 lc rgb "#cc0000" title "budget median 1.015"' \
        ', 1.05 with lines lw 2 dt 3 lc rgb "#884400" title "budget p99 1.05"'
    # Left: the latency ratios twice, at full scale (tracing and
    # socket_wrapper's active mode reach several times native) and zoomed
    # around 1, where the budget lines are. Right: instructions per call.
    width = 1400 if instr else 750
    lw = 0.5 if instr else 1.0
    script = [
        'set terminal pngcairo size %d,860 font "sans,10"' % width,
        'set output "%s"' % a.png,
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set grid ytics",
        "set key outside top center horizontal",
        "set xtics nomirror",
        "set xrange [-0.6:%g]" % (ncfg - 0.4),
        "set multiplot",
        "set size %g,0.5" % lw,
        "set origin 0,0.5",
        'set title "Loopback ping-pong round trip vs native (%s run, %d round%s; sockperf, 14 bytes)"'
        % (res["mode"], res["rounds"], "" if res["rounds"] == 1 else "s"),
        'set ylabel "ratio to native"',
        "set yrange [0:*]",
        lat_plot,
        "set origin 0,0",
        'set title "The same, zoomed in around 1 (bars above 1.3 are cut off)"',
        "set yrange [0.8:1.3]",
        "set ytics 0.05",
        "unset key",
        lat_plot,
        "set ytics autofreq",
        "set key outside top center horizontal",
    ]
    if instr:
        ins_dat = os.path.join(tmp, "instructions.dat")
        cols = [("tcp", "send"), ("tcp", "recv"), ("udp", "send"), ("udp", "recv"),
                ("udp-addr", "send"), ("udp-addr", "recv")]
        names = {"tcp": "TCP", "udp": "UDP", "udp-addr": "UDP sendto/recvfrom"}
        rows = []
        for cfg in instr["per_call"]:
            if cfg == "native":
                continue
            add = instr["added_vs_native"].get(cfg, {})
            rows.append('"%s" %s' % (cfg, " ".join(
                "%.2f" % add[p][ph] if p in add and ph in add[p] else "NaN" for p, ph in cols)))
        with open(ins_dat, "w") as f:
            f.write("\n".join(rows) + "\n")
        script += [
            "set size 0.5,1",
            "set origin 0.5,0",
            "set xrange [-0.6:%g]" % (len(rows) - 0.4),
            'set title "Added user-space instructions per call vs native (callgrind, N=%s)"'
            % "/".join(str(c) for c in instr.get("counts") or []),
            'set ylabel "instructions per call"',
            "set yrange [0:*]",
            "plot " + ", ".join(
                ['"%s" using %d:xtic(1) title "%s %s"' % (ins_dat if i == 0 else "", i + 2,
                                                          names[p], ph)
                 for i, (p, ph) in enumerate(cols)]) +
            ', %d with lines lw 2 dt 2 lc rgb "#cc0000" title "budget %d"'
            % (INSTR_BUDGET, INSTR_BUDGET),
        ]
    script.append("unset multiplot")
    gp = os.path.join(tmp, "plot.gp")
    with open(gp, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", gp], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("e2e")
    e.add_argument("--samples", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--configs", required=True)
    e.add_argument("--rounds", type=int, required=True)
    e.add_argument("--mode", default="full")
    e.add_argument("--netns", default="1")
    e.add_argument("--elapsed", default="0")
    e.add_argument("--notes", default="[]")
    e.add_argument("--params", default="")
    e.add_argument("--command", default="")
    i = sub.add_parser("instructions")
    i.add_argument("--samples", required=True)
    i.add_argument("--out", required=True)
    i.add_argument("--meta", default="{}")
    i.add_argument("--elapsed", default="0")
    i.add_argument("--command", default="")
    m = sub.add_parser("memory")
    m.add_argument("--samples", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--meta", default="{}")
    m.add_argument("--command", default="")
    pl = sub.add_parser("plot")
    pl.add_argument("--results", required=True)
    pl.add_argument("--instructions")
    pl.add_argument("--png", required=True)
    s = sub.add_parser("show", help="print the table of an existing JSON file")
    s.add_argument("json")
    a = p.parse_args()
    if a.cmd == "e2e":
        cmd_e2e(a)
    elif a.cmd == "instructions":
        cmd_instructions(a)
    elif a.cmd == "memory":
        cmd_memory(a)
    elif a.cmd == "plot":
        cmd_plot(a)
    elif a.cmd == "show":
        with open(a.json) as f:
            doc = json.load(f)
        {"bench/run": print_e2e, "bench/instructions": print_instructions,
         "bench/memory": print_memory}[doc["tool"]](doc)


if __name__ == "__main__":
    main()
