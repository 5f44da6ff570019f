#!/bin/sh
# Rebuilds the shipped model, models/ai4i-tiny.safetensors: the tiny
# encoder pretrained with masked LM on the texts of datasets/ai4i2020.csv,
# then fine-tuned to tell the failure type with lua/ai4i.lua's label
# mapping, with lathe's defaults (readings on their knots beside the words,
# epochs by the token budget, the trees blended in on dev), seed 42,
# 2 threads.
#   models/build.sh [LATHE]
set -eu
cd "$(dirname "$0")/.."
lathe=${1:-./lathe}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$lathe" pretrain datasets/ai4i2020.csv --rules lua/ai4i.lua --seed 42 --threads 2 -o "$work/pretrained.safetensors"
"$lathe" train datasets/ai4i2020.csv --rules lua/ai4i.lua --seed 42 --threads 2 \
	--init "$work/pretrained.safetensors" -o models/ai4i-tiny.safetensors
