#ifndef LATHE_IO_HF_EXPORT_H
#define LATHE_IO_HF_EXPORT_H

#include "base/err.h"
#include "io/model_file.h"
#include "ml/model.h"

/* Writes a classifier as a Hugging Face BertForSequenceClassification
 * directory: config.json, model.safetensors with BERT's tensor names (the
 * fused attention projection split into query, key and value; token type
 * embeddings as zeros, since lathe has none) and vocab.txt. The
 * classifier's weights and bias are divided by the calibration's
 * temperature, so transformers gives the probabilities lathe's diagnoses
 * show. Every file is written atomically; the directory is made if
 * needed. */
int hf_export(struct model *m, const struct model_file *mf, double temperature, const char *dir, struct err *e);

#endif
