#!/usr/bin/python3
"""scikit-learn's classical models on lathe's own split (a textualize JSON
Lines file), so they see the same training and test rows as lathe:
logistic regression (numbers standardized, text one-hot), a random forest
and HistGradientBoosting (text as category codes), with scikit-learn's
defaults and balanced class weights, on a table's raw columns.

    baseline_sklearn.py DATA.csv SPLIT.jsonl SEED COLUMN...

Prints 'RESULT model=... seed=... macro_f1=...' for each, on the test rows.
"""
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lathe_split import load

data_path, split_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = sys.argv[4:]
rows, classes, y, part = load(data_path, split_path)

codes, onehot = [], []
for c in columns:
    values = [r[c] for r in rows]
    try:
        x = np.array([float(v) for v in values])
        codes.append(x)
        onehot.append(x[:, None])
    except ValueError:
        cats = sorted(set(values))
        index = np.array([cats.index(v) for v in values])
        codes.append(index.astype(float))
        onehot.append(np.eye(len(cats))[index])
X = np.stack(codes, 1)
X_linear = np.concatenate(onehot, 1)
tr, te = (part == "train") & (y >= 0), (part == "test") & (y >= 0)
models = {
    "logistic_regression": (make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced",
                                                                                 max_iter=2000)), X_linear),
    "random_forest": (RandomForestClassifier(random_state=seed, class_weight="balanced", n_jobs=2), X),
    "hist_gradient_boosting": (HistGradientBoostingClassifier(random_state=seed, class_weight="balanced"), X),
}
for name, (model, features) in models.items():
    model.fit(features[tr], y[tr])
    predicted = model.predict(features[te])
    f1 = f1_score(y[te], predicted, average="macro", labels=sorted(set(y[te]) | set(predicted)))
    print(f"RESULT model={name} seed={seed} test_rows={te.sum()} macro_f1={f1:.4f}")
