#include "config.h"
#include "hf_export.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "base/fileio.h"
#include "io/safetensors.h"

static int write_text(const char *dir, const char *name, const char *text, struct err *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct atomic_file af;
	if (atomic_open(&af, path, e))
		return -1;
	fputs(text, af.fp);
	return atomic_commit(&af, e);
}

static char *config_json(const struct model_config *c, const struct model_file *mf)
{
	json_t *id2label = json_object(), *label2id = json_object();
	for (size_t k = 0; k < mf->nlabels; k++) {
		char key[24];
		snprintf(key, sizeof key, "%zu", k);
		json_object_set_new(id2label, key, json_string(mf->labels[k]));
		json_object_set_new(label2id, mf->labels[k], json_integer((json_int_t)k));
	}
	json_t *o = json_pack("{s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:f, s:f, s:i, s:i, s:f, s:f, s:i, s:i, s:o, "
	                      "s:o, s:s}",
	                      "architectures", "BertForSequenceClassification", "model_type", "bert", "vocab_size", c->vocab,
	                      "hidden_size", c->C, "num_hidden_layers", c->layers, "num_attention_heads", c->heads,
	                      "intermediate_size", c->ff, "hidden_act", "gelu", "hidden_dropout_prob", 0.1,
	                      "attention_probs_dropout_prob", 0.1, "max_position_embeddings", c->max_seq,
	                      "type_vocab_size", 2, "layer_norm_eps", 1e-12, "initializer_range", 0.02, "pad_token_id", 0,
	                      "num_labels", c->classes, "id2label", id2label, "label2id", label2id, "problem_type",
	                      "single_label_classification");
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(o);
	return s;
}

int hf_export(struct model *m, const struct model_file *mf, double temperature, const char *dir, struct err *e)
{
	const struct model_config *c = model_config(m);
	if (model_attention_width(c) != c->C)
		return err_set(
		    e,
		    "this model's attention (%d heads of %d) is narrower than its hidden size %d, as pruning "
		    "left it; BERT's config cannot say that",
		    c->heads, c->head_size, c->C);
	if (c->classes < 1)
		return err_set(e, "only a classifier exports as BertForSequenceClassification (this model has no labels)");
	if (mf->nmembers)
		return err_set(e, "an ensemble of %zu encoders does not export: BERT is one (train without --ensemble)",
		               mf->nmembers + 1);
	if (c->values)
		return err_set(e, "a model with value-aware facts does not export: BERT has no place for the values (train "
		                  "with --no-values)");
	if (mf->trees.nnodes && mf->blend < 1)
		return err_set(e, "a model that blends its encoder with gradient-boosted trees does not export: BERT has no "
		                  "place for the trees (train with --no-stack)");
	struct stat sb;
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return err_at(e, dir, 0, "exists and is not a directory");
	} else if (mkdir(dir, 0777) != 0) {
		return err_at(e, dir, 0, "cannot make the directory: %s", strerror(errno));
	}
	struct st_writer *w = st_writer_new();
	if (!w)
		return err_set(e, "out of memory");
	const struct model_param *p;
	size_t np = model_params(m, &p);
	/* Hugging Face's BERT reads F32: a compressed model is exported
	 * dequantized. */
	float *weights = xmalloc((model_param_count(m) + 1) * sizeof *weights);
	model_snapshot(m, MODEL_WEIGHT, weights);
	size_t C = (size_t)c->C;
	float *token_types = xcalloc(2 * C, sizeof *token_types);
	int rc = st_writer_add(w, "bert.embeddings.token_type_embeddings.weight", ST_F32, 2, (int64_t[]){2, c->C},
	                       token_types, e);
	char name[160];
	for (size_t i = 0; i < np && !rc; i++) {
		const char *n = p[i].name;
		const float *data = weights + p[i].offset;
		const char *qkv = strstr(n, "attention.self.qkv.");
		if (strncmp(n, "cls.predictions.", 16) == 0)
			continue;  /* the masked-LM head is not part of a classifier */
		if (qkv) {
			static const char *const parts[3] = {"query", "key", "value"};
			bool bias = strcmp(qkv + strlen("attention.self.qkv."), "bias") == 0;
			for (int k = 0; k < 3 && !rc; k++) {
				snprintf(name, sizeof name, "bert.%.*sattention.self.%s.%s", (int)(qkv - n), n, parts[k],
				         bias ? "bias" : "weight");
				rc = bias ? st_writer_add(w, name, ST_F32, 1, (int64_t[]){c->C}, data + (size_t)k * C, e)
				          : st_writer_add(w, name, ST_F32, 2, (int64_t[]){c->C, c->C}, data + (size_t)k * C * C, e);
			}
			continue;
		}
		bool classifier = strncmp(n, "classifier.", 11) == 0;
		snprintf(name, sizeof name, "%s%s", classifier ? "" : "bert.", n);
		/* softmax(log softmax(z) / T) = softmax(z / T): the temperature
		 * folds into the classifier's weights and bias exactly */
		if (classifier && temperature != 1)
			for (size_t k = 0; k < p[i].count; k++)
				weights[p[i].offset + k] = (float)(data[k] / temperature);
		rc = st_writer_add(w, name, ST_F32, p[i].ndim, p[i].shape, data, e);
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	st_writer_meta(w, "format", "pt");
	if (!rc)
		rc = st_writer_save(w, path, e);
	st_writer_free(w);
	free(token_types);
	free(weights);
	char *config = config_json(c, mf);
	if (!rc)
		rc = config ? write_text(dir, "config.json", config, e) : err_set(e, "out of memory");
	free(config);
	size_t len = 1;
	for (size_t i = 0; i < mf->nvocab; i++)
		len += strlen(mf->vocab[i]) + 1;
	char *vocab = xmalloc(len), *at = vocab;
	for (size_t i = 0; i < mf->nvocab; i++)
		at += sprintf(at, "%s\n", mf->vocab[i]);
	*at = '\0';
	if (!rc)
		rc = write_text(dir, "vocab.txt", vocab, e);
	free(vocab);
	return rc;
}
