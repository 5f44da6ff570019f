#!/usr/bin/python3
"""The plain baseline lathe is measured against: multinomial logistic
regression on a table's raw columns (numbers standardized, text one-hot),
with balanced class weights, trained by full-batch gradient descent with
numpy. The split comes from lathe itself (a textualize JSON Lines file), so
both see the same training and test rows.

    baseline_lr.py DATA.csv SPLIT.jsonl COLUMN...

SPLIT.jsonl: `lathe textualize` output (row, split, label). Prints the test
macro-F1 and accuracy as 'RESULT baseline=logreg macro_f1=... accuracy=...'.
"""
import sys

import numpy as np

from lathe_split import load

data_path, split_path = sys.argv[1], sys.argv[2]
columns = sys.argv[3:]
rows, classes, y, part = load(data_path, split_path)

feats = []
for c in columns:
    values = [r[c] for r in rows]
    try:
        x = np.array([float(v) for v in values])
        feats.append(((x - x.mean()) / (x.std() or 1))[:, None])
    except ValueError:
        cats = sorted(set(values))
        feats.append(np.array([[v == k for k in cats] for v in values], dtype=float))
X = np.hstack(feats + [np.ones((len(rows), 1))])
tr, te = (part == "train") & (y >= 0), (part == "test") & (y >= 0)
K = len(classes)
counts = np.bincount(y[tr], minlength=K).astype(float)
w = np.where(counts > 0, tr.sum() / (K * np.maximum(counts, 1)), 0.0)
W = np.zeros((X.shape[1], K))
Y = np.eye(K)[y[tr]]
sw = w[y[tr]][:, None]
for _ in range(3000):
    z = X[tr] @ W
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    W -= 0.5 * (X[tr].T @ ((p - Y) * sw) / sw.sum() + 1e-4 * W)
pred = (X[te] @ W).argmax(1)
truth = y[te]
f1s = []
for k in range(K):
    tp = np.sum((pred == k) & (truth == k))
    if np.sum(truth == k) + np.sum(pred == k) == 0:
        continue
    prec = tp / max(np.sum(pred == k), 1)
    rec = tp / max(np.sum(truth == k), 1)
    f1s.append(0 if prec + rec == 0 else 2 * prec * rec / (prec + rec))
print(f"RESULT baseline=logreg test_rows={te.sum()} macro_f1={np.mean(f1s):.4f} accuracy={np.mean(pred == truth):.4f}")
