#!/usr/bin/python3
"""Recomputes one step of lathe's model in PyTorch and compares.

    torch_step.py classify|mlm BEFORE.safetensors AFTER.safetensors

BEFORE holds the weights, the batch and lathe's loss and gradients; AFTER
the weights after lathe's AdamW step (lr 0.01, weight decay 0.1 on
matrices, betas 0.9/0.999, eps 1e-8), which torch.optim.AdamW repeats
from the same gradients. The model is written here from
BERT's published layout, not from lathe's code. Exit status 0 when the
loss, every gradient and every updated weight agree within 1e-4, relative
to each tensor's largest value.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_spec import read  # noqa: E402

mode, before_path, after_path = sys.argv[1:4]
_, before = read(before_path)
_, after = read(after_path)


def t(entry, dtype=torch.float32):
    _, shape, values = entry
    return torch.tensor(list(values), dtype=dtype).reshape(shape)


params = {k: t(v).requires_grad_() for k, v in before.items()
          if not k.startswith(("grad.", "batch.", "loss"))}
tok = t(before["batch.tok"], torch.long)
lens = t(before["batch.len"], torch.long)
B, T = tok.shape
C = params["embeddings.word_embeddings.weight"].shape[1]
layers = sum(1 for k in params if k.endswith("attention.self.qkv.weight"))
heads = 2
hs = C // heads
eps = 1e-12


def ln(x, name):
    return F.layer_norm(x, (C,), params[name + ".weight"], params[name + ".bias"], eps)


x = params["embeddings.word_embeddings.weight"][tok] + params["embeddings.position_embeddings.weight"][:T]
x = ln(x, "embeddings.LayerNorm")
keymask = torch.arange(T)[None, :] >= lens[:, None]  # True = padding
for i in range(layers):
    p = f"encoder.layer.{i}."
    qkv = F.linear(x, params[p + "attention.self.qkv.weight"], params[p + "attention.self.qkv.bias"])
    q, k, v = qkv.view(B, T, 3, heads, hs).permute(2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-2, -1)) / hs ** 0.5
    scores = scores.masked_fill(keymask[:, None, None, :], float("-inf"))
    ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
    o = F.linear(ctx, params[p + "attention.output.dense.weight"], params[p + "attention.output.dense.bias"])
    x = ln(x + o, p + "attention.output.LayerNorm")
    h = F.gelu(F.linear(x, params[p + "intermediate.dense.weight"], params[p + "intermediate.dense.bias"]))
    x = ln(x + F.linear(h, params[p + "output.dense.weight"], params[p + "output.dense.bias"]), p + "output.LayerNorm")

if mode == "classify":
    pooled = torch.tanh(F.linear(x[:, 0], params["pooler.dense.weight"], params["pooler.dense.bias"]))
    logits = F.linear(pooled, params["classifier.weight"], params["classifier.bias"])
    loss = F.cross_entropy(logits, t(before["batch.label"], torch.long))
else:
    pos = t(before["batch.mlm_pos"], torch.long)
    h = x.reshape(B * T, C)[pos]
    h = F.gelu(F.linear(h, params["cls.predictions.transform.dense.weight"],
                        params["cls.predictions.transform.dense.bias"]))
    h = ln(h, "cls.predictions.transform.LayerNorm")
    logits = F.linear(h, params["embeddings.word_embeddings.weight"], params["cls.predictions.bias"])
    loss = F.cross_entropy(logits, t(before["batch.mlm_target"], torch.long))
loss.backward()

bad = []


def close(name, got, want):
    scale = max(want.abs().max().item(), 1e-6)
    err = (got - want).abs().max().item() / scale
    if err > 1e-4:
        bad.append(f"{name}: {err:.2e}")


close("loss", t(before["loss"]), loss.detach().reshape(1))
for name, p in params.items():
    if p.grad is None:  # the pooler and classifier in an MLM step, the MLM head in a classification one
        p.grad = torch.zeros_like(p)
    close("grad." + name, t(before["grad." + name]), p.grad)

# The optimizer step from lathe's own gradients: where a gradient is zero in
# exact arithmetic (the key bias: softmax ignores a per-row constant) both
# sides hold rounding noise, which Adam's normalization would blow up to
# full steps of either sign.
with torch.no_grad():
    for name, p in params.items():
        p.grad.copy_(t(before["grad." + name]))
decay = [p for n, p in params.items() if p.dim() == 2]
rest = [p for n, p in params.items() if p.dim() != 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                        lr=0.01, betas=(0.9, 0.999), eps=1e-8)
opt.step()
for name, p in params.items():
    close("updated " + name, t(after[name]), p.detach())

if bad:
    print("disagreements:", "; ".join(bad[:8]))
    sys.exit(1)
