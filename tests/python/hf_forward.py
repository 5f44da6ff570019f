#!/usr/bin/python3
"""Checks an exported lathe model the way a Python user would see it:
BERT's published BertForSequenceClassification computation, written here
in PyTorch from that layout (embeddings + token types + positions,
post-LN encoder layers with separate query/key/value, a tanh pooler on
[CLS], a linear classifier), fed with config.json, model.safetensors and
vocab.txt, must give lathe's probabilities for the same text.

    hf_forward.py DIR LATHE.json

LATHE.json: the output of `lathe diagnose MODEL TEXT --json`. With the
transformers package installed, BertForSequenceClassification itself is
checked too.
"""
import json
import math
import os
import sys
import unicodedata

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_spec import read  # noqa: E402

directory, lathe_json = sys.argv[1], sys.argv[2]
with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
    cfg = json.load(f)
vocab = open(os.path.join(directory, "vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
ids_of = {t: i for i, t in enumerate(vocab)}
_, tensors = read(os.path.join(directory, "model.safetensors"))
W = {k: torch.tensor(list(v[2]), dtype=torch.float32).reshape(v[1]) for k, v in tensors.items()}
with open(lathe_json, encoding="utf-8") as f:
    lathe = json.loads(f.readline())


def words(text):
    """Blank-separated words, with punctuation, digits and CJK characters alone."""
    out, cur = [], ""
    for ch in unicodedata.normalize("NFKC", text).casefold():
        alone = unicodedata.category(ch).startswith("P") or ch.isdigit() or 0x4E00 <= ord(ch) <= 0x9FFF \
            or (ch.isascii() and not ch.isalnum() and not ch.isspace())
        if ch.isspace() or alone:
            if cur:
                out.append(cur)
            cur = ""
            if alone:
                out.append(ch)
        else:
            cur += ch
    return out + ([cur] if cur else [])


def wordpiece(word):
    pieces, at = [], 0
    while at < len(word):
        for end in range(len(word), at, -1):
            piece = ("##" if at else "") + word[at:end]
            if piece in ids_of:
                pieces.append(ids_of[piece])
                at = end
                break
        else:
            return [ids_of["[UNK]"]]
    return pieces


ids = [ids_of["[CLS]"]] + [i for w in words(lathe["text"]) for i in wordpiece(w)] + [ids_of["[SEP]"]]
ids = ids[: cfg["max_position_embeddings"]]
T, C, H = len(ids), cfg["hidden_size"], cfg["num_attention_heads"]
eps = cfg["layer_norm_eps"]


def ln(x, name):
    return F.layer_norm(x, (C,), W[name + ".weight"], W[name + ".bias"], eps)


def lin(x, name):
    return F.linear(x, W[name + ".weight"], W[name + ".bias"])


tok = torch.tensor(ids)
x = W["bert.embeddings.word_embeddings.weight"][tok] + W["bert.embeddings.position_embeddings.weight"][:T] \
    + W["bert.embeddings.token_type_embeddings.weight"][0]
x = ln(x, "bert.embeddings.LayerNorm")
for i in range(cfg["num_hidden_layers"]):
    p = f"bert.encoder.layer.{i}."
    q, k, v = (lin(x, p + "attention.self." + n).view(T, H, C // H).transpose(0, 1) for n in ("query", "key", "value"))
    a = ((q @ k.transpose(-2, -1)) / math.sqrt(C // H)).softmax(-1) @ v
    x = ln(x + lin(a.transpose(0, 1).reshape(T, C), p + "attention.output.dense"), p + "attention.output.LayerNorm")
    x = ln(x + lin(F.gelu(lin(x, p + "intermediate.dense")), p + "output.dense"), p + "output.LayerNorm")
pooled = torch.tanh(lin(x[0], "bert.pooler.dense"))
probs = lin(pooled, "classifier").softmax(-1)
labels = [cfg["id2label"][str(i)] for i in range(cfg["num_labels"])]
worst = max(abs(probs[i].item() - lathe["probabilities"][labels[i]]) for i in range(len(labels)))
print(f"BERT layout: worst probability difference {worst:.2e}")
ok = worst < 1e-4
try:
    from transformers import BertForSequenceClassification  # noqa: E402
    model = BertForSequenceClassification.from_pretrained(directory).eval()
    with torch.no_grad():
        hf = model(torch.tensor([ids])).logits.softmax(-1)[0]
    diff = (hf - probs).abs().max().item()
    print(f"transformers: worst difference {diff:.2e}")
    ok = ok and diff < 1e-4
except ImportError:
    print("transformers not installed: checked against the layout only")
sys.exit(0 if ok else 1)
