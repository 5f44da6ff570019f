#!/usr/bin/python3
"""scikit-learn's trees on lathe's own split (a textualize JSON Lines
file), so they see the same training and test rows as lathe: a random
forest and HistGradientBoosting, with scikit-learn's defaults and balanced
class weights, on a table's raw columns (text columns as category codes).

    baseline_trees.py DATA.csv SPLIT.jsonl SEED COLUMN...

Prints 'RESULT model=... macro_f1=...' for each, on the test rows.
"""
import csv
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import f1_score

data_path, split_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = sys.argv[4:]
with open(data_path, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
split, label = {}, {}
with open(split_path, encoding="utf-8") as f:
    for line in f:
        s = json.loads(line)
        split[s["row"]] = s["split"]
        label[s["row"]] = s["label"]

feats = []
for c in columns:
    values = [r[c] for r in rows]
    try:
        feats.append(np.array([float(v) for v in values]))
    except ValueError:
        cats = sorted(set(values))
        feats.append(np.array([cats.index(v) for v in values], dtype=float))
X = np.stack(feats, 1)
ids = [i + 1 for i in range(len(rows))]
classes = sorted({label[i] for i in ids if i in label and label[i] is not None})
y = np.array([classes.index(label[i]) if label.get(i) in classes else -1 for i in ids])
part = np.array([split.get(i, "none") for i in ids])
tr, te = (part == "train") & (y >= 0), (part == "test") & (y >= 0)
models = {
    "random_forest": RandomForestClassifier(random_state=seed, class_weight="balanced", n_jobs=2),
    "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed, class_weight="balanced"),
}
for name, model in models.items():
    model.fit(X[tr], y[tr])
    f1 = f1_score(y[te], model.predict(X[te]), average="macro", labels=sorted(set(y[te]) | set(model.predict(X[te]))))
    print(f"RESULT model={name} seed={seed} test_rows={te.sum()} macro_f1={f1:.4f}")
