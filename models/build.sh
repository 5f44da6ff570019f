#!/bin/sh
# Rebuilds the shipped model, models/ai4i-tiny.safetensors: the tiny
# encoder trained from scratch on datasets/ai4i2020.csv with lua/ai4i.lua's
# label mapping (failure type), 20 epochs at most (patience 8), seed 42,
# 2 threads.
#   models/build.sh [LATHE]
set -eu
cd "$(dirname "$0")/.."
lathe=${1:-./lathe}
"$lathe" train datasets/ai4i2020.csv --rules lua/ai4i.lua --seed 42 --threads 2 --epochs 20 --patience 8 \
	-o models/ai4i-tiny.safetensors
