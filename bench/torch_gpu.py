#!/usr/bin/python3
"""PyTorch on the GPU, the reference for `lathe bench train --device cuda`:
the same BERT-style classifier step (post-LN layers, exact GELU, dropout
0.1, LayerNorm eps 1e-12, [CLS] pooler and classifier, AdamW lr 1e-3 and
weight decay 0.01) on one fixed batch of random tokens, all positions
real; and the card's bf16 matrix product rate (8192^3, cuBLAS through
torch), the ceiling the model FLOP/s are a share of.

  bench/torch_gpu.py --hidden 768 --layers 12 --heads 12 --ff 3072 --seq 128 --batch 64 --dtype bf16

--dtype bf16 runs forward and loss under torch.autocast("cuda", bfloat16)
with fp32 master weights, as lathe's bf16 does; fp32 allows TF32 off.
Prints 'RESULT key=value ...' last.
"""
import argparse
import time

import torch
import torch.nn as nn

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--vocab", type=int, default=1000)
ap.add_argument("--hidden", type=int, default=256)
ap.add_argument("--layers", type=int, default=4)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--ff", type=int, default=1024)
ap.add_argument("--seq", type=int, default=128)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--classes", type=int, default=4)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--dtype", choices=["fp32", "bf16"], default="bf16")
ap.add_argument("--peak", action="store_true", help="also measure the bf16 matrix product rate")
a = ap.parse_args()
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(a.vocab, a.hidden)
        self.pos = nn.Embedding(a.seq, a.hidden)
        self.ln = nn.LayerNorm(a.hidden, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        layer = nn.TransformerEncoderLayer(a.hidden, a.heads, a.ff, dropout=0.1, activation="gelu",
                                           layer_norm_eps=1e-12, batch_first=True, norm_first=False)
        self.layers = nn.TransformerEncoder(layer, a.layers, enable_nested_tensor=False)
        self.pool = nn.Linear(a.hidden, a.hidden)
        self.out = nn.Linear(a.hidden, a.classes)

    def forward(self, ids):
        x = self.drop(self.ln(self.tok(ids) + self.pos.weight[: ids.shape[1]]))
        x = self.layers(x)
        return self.out(torch.tanh(self.pool(x[:, 0])))


model = Encoder().to(dev)
for p in model.parameters():
    if p.dim() == 2:
        nn.init.normal_(p, std=0.02)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
g = torch.Generator(device="cpu").manual_seed(1)
ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g).to(dev)
labels = torch.randint(0, a.classes, (a.batch,), generator=g).to(dev)
loss_fn = nn.CrossEntropyLoss()


def step():
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=a.dtype == "bf16"):
        loss = loss_fn(model(ids), labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


model.train()
for _ in range(a.warmup):
    step()
torch.cuda.synchronize()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
torch.cuda.synchronize()
dt = (time.perf_counter() - t0) / a.steps
tokens = a.batch * a.seq
params = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("tok."))
# forward + backward: 6 FLOP per weight per token, and the attention's
# two products (QK^T and PV: 4 T C per token per layer, forward) times 3
flop = 6 * params * tokens + 12 * a.layers * a.seq * a.hidden * tokens
peak = 0.0
if a.peak:
    x = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    y = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    for _ in range(3):
        x @ y
    torch.cuda.synchronize()
    t1 = time.perf_counter()
    for _ in range(10):
        x @ y
    torch.cuda.synchronize()
    peak = 2 * 8192**3 * 10 / (time.perf_counter() - t1)
print(f"RESULT bench=torch_gpu dtype={a.dtype} hidden={a.hidden} layers={a.layers} batch={a.batch} seq={a.seq} "
      f"tokens_per_s={tokens / dt:.0f} ms_per_step={1e3 * dt:.2f} model_tflops={flop / dt / 1e12:.1f} "
      f"bf16_peak_tflops={peak / 1e12:.1f} gpu={torch.cuda.get_device_name(0).replace(' ', '_')}")
