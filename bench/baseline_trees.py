#!/usr/bin/python3
"""scikit-learn's trees on lathe's own split (a textualize JSON Lines
file), so they see the same training and test rows as lathe: a random
forest and HistGradientBoosting, with scikit-learn's defaults and balanced
class weights, on a table's raw columns (text columns as category codes).

    baseline_trees.py DATA.csv SPLIT.jsonl SEED COLUMN...

Prints 'RESULT model=... macro_f1=...' for each, on the test rows.
"""
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import f1_score

from lathe_split import load

data_path, split_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = sys.argv[4:]
rows, classes, y, part = load(data_path, split_path)

feats = []
for c in columns:
    values = [r[c] for r in rows]
    try:
        feats.append(np.array([float(v) for v in values]))
    except ValueError:
        cats = sorted(set(values))
        feats.append(np.array([cats.index(v) for v in values], dtype=float))
X = np.stack(feats, 1)
tr, te = (part == "train") & (y >= 0), (part == "test") & (y >= 0)
models = {
    "random_forest": RandomForestClassifier(random_state=seed, class_weight="balanced", n_jobs=2),
    "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed, class_weight="balanced"),
}
for name, model in models.items():
    model.fit(X[tr], y[tr])
    f1 = f1_score(y[te], model.predict(X[te]), average="macro", labels=sorted(set(y[te]) | set(model.predict(X[te]))))
    print(f"RESULT model={name} seed={seed} test_rows={te.sum()} macro_f1={f1:.4f}")
