"""What the baselines share: a log's rows and the split lathe made of it
(a `lathe textualize` JSON Lines file with row, split and label), as
arrays over the log's rows, so a baseline sees lathe's training and test
rows exactly."""
import csv
import json

import numpy as np


def load(data_path, split_path):
    """Returns (rows, classes, y, part): the CSV rows as dicts, the sorted
    labels, each row's class index (-1 without a label) and its split."""
    with open(data_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    split, label = {}, {}
    with open(split_path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            split[s["row"]] = s["split"]
            label[s["row"]] = s["label"]
    ids = [i + 1 for i in range(len(rows))]
    classes = sorted({label[i] for i in ids if i in label and label[i] is not None})
    y = np.array([classes.index(label[i]) if label.get(i) in classes else -1 for i in ids])
    part = np.array([split.get(i, "none") for i in ids])
    return rows, classes, y, part
