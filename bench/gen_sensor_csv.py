#!/usr/bin/python3
"""Writes a deterministic sensor-log CSV for the loading benchmarks.

Shape: timestamp (ISO 8601 with milliseconds and Z), machine_id (500
machines), eight sensor columns printed with 2 to 4 decimals, status text.
About one sensor cell in a thousand is empty and one status in two hundred is
quoted text holding a comma. 1,000,000 rows come to about 97 MB.

Usage: bench/gen_sensor_csv.py ROWS OUT.csv
"""
import sys

import numpy as np

rows, out = int(sys.argv[1]), sys.argv[2]
gen = np.random.default_rng(42)
start = np.datetime64("2024-01-01T00:00:00.000")
stamps = start + np.cumsum(gen.integers(0, 200, rows)).astype("timedelta64[ms]")
columns = {
    "timestamp": np.char.add(np.datetime_as_string(stamps, unit="ms"), "Z"),
    "machine_id": np.char.mod("MCH-%05d", gen.integers(0, 500, rows)),
}
for name, fmt, mean, sd in [("temp_c", "%.3f", 55, 12), ("pressure_kpa", "%.3f", 101.3, 4),
                            ("vibration_mm_s", "%.4f", 2, 1.5), ("current_a", "%.3f", 12, 3),
                            ("voltage_v", "%.2f", 230, 5), ("rpm", "%.2f", 1480, 60),
                            ("humidity_pct", "%.3f", 45, 10), ("flow_lpm", "%.4f", 0, 25)]:
    cells = np.char.mod(fmt, gen.normal(mean, sd, rows))
    cells[gen.random(rows) < 0.001] = ""
    columns[name] = cells
columns["status"] = gen.choice(np.array(["OK", "WARN", "FAULT", "MAINT", '"FAULT, overheat"', '"WARN, low flow"']),
                               rows, p=[0.95, 0.03, 0.01, 0.005, 0.0025, 0.0025])
with open(out, "w", newline="") as f:
    f.write(",".join(columns) + "\n")
    for a in range(0, rows, 100_000):
        chunk = [c[a:a + 100_000] for c in columns.values()]
        f.write("\n".join(",".join(r) for r in zip(*chunk)) + "\n")
