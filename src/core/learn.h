#ifndef LATHE_CORE_LEARN_H
#define LATHE_CORE_LEARN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/err.h"
#include "base/strbuf.h"
#include "io/model_file.h"
#include "ml/calibration.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "prep/wordpiece.h"
#include "core/pipeline.h"

/* Training a classifier on the textualized samples of a pipeline, and
 * applying a trained model to new data. */
struct learn_epoch {
	int epoch, epochs, steps;
	bool mlm, best;
	double train_loss, dev_loss, dev_macro_f1, wall_s;
};

struct learn_step {
	int epoch, epochs;
	long step, total;
	double loss, lr, grad_norm, tokens_per_s, eta_s;
};

struct learn_opts {
	const char *config;        /* "tiny" (default), "small", or a .json/.lua file: the encoder's shape */
	int vocab_size;            /* WordPiece vocabulary (default 1000) */
	int max_seq;               /* 0 = longest training text, at most the config's */
	int epochs;                /* 0 = by the training budget (LEARN_TOKEN_BUDGET) */
	int batch;
	int accumulate;            /* micro-batches of `batch` per optimizer step (default 1) */
	float lr, weight_decay, warmup, clip;
	float dropout;             /* < 0: the config's (0.1 for tiny and small) */
	int patience;              /* epochs without a better dev macro-F1 before stopping */
	bool class_weights;        /* weigh classes by inverse frequency */
	bool stack;                /* diagnose with a dev-weighted blend of the encoder and the trees */
	int ensemble;              /* encoders averaged, each from its own seed (default 1) */
	/* Value-aware facts, readings beside the words: 1 on, 0 off, -1 on
	 * when the data has numeric facts. */
	int values;
	uint64_t seed;
	int threads;
	/* the matrix products' precision: auto (bf16 where the processor has
	 * the units), fp32 or bf16 (fp32 with a note where it has not) */
	enum precision_choice precision;
	struct device device;      /* the CPU (default) or a GPU */
	const char *init;          /* a pretrained model to start from, or NULL */
	/* Distillation (Hinton et al., 2015): a trained classifier whose
	 * probabilities at distill_temperature join the labels with
	 * distill_weight of the loss. The student keeps the teacher's
	 * vocabulary and text length, so both read the same tokens; config
	 * gives its shape. */
	const char *teacher;
	float distill_weight, distill_temperature;
	/* With init: the share of its heads and feed-forward neurons to remove
	 * first (ml/prune.h), 0 = none; training is then the fine-tune. */
	double prune;
	/* With init: train low-rank adapters of this rank (alpha twice the
	 * rank) and the head only, and write an adapter file on top of init
	 * (ml/lora.h, io/model_file.h); 0 = train everything. */
	int lora_rank;
	const char *checkpoint;    /* where an interrupted run saves itself (default OUT.ckpt) */
	const char *resume;        /* a checkpoint to continue from, or NULL */
	long stop_after;           /* stop (with a checkpoint) after this many steps; 0 = never */
	/* Set (from another thread) to stop after the current step, with a
	 * checkpoint, as SIGINT does; may be NULL. */
	const atomic_int *cancel;
	/* Called after every epoch (may be NULL); a non-zero return stops
	 * training with the message it left in e. */
	int (*on_epoch)(void *ctx, const struct learn_epoch *ep, struct err *e);
	/* Called after every step (may be NULL), for progress displays. */
	void (*on_step)(void *ctx, const struct learn_step *st);
	void *ctx;
};

struct learn_result {
	int epochs_run, best_epoch, steps;
	int encoders;              /* 1, or an ensemble's members (epochs: the last one's) */
	double train_loss, dev_loss, dev_macro_f1, test_macro_f1, tokens_per_s, wall_s;
	size_t init_copied;        /* tensors taken from the pretrained model */
	bool interrupted;          /* stopped early with a checkpoint */
	bool signalled;            /* ... because of SIGINT or SIGTERM */
	long test_rows;
	/* The gradient-boosted-trees referee on the same rows' readings
	 * (ml/gbdt.h): rounds 0 when none was fitted, macro-F1 -1 for a part
	 * without labelled rows, gbdt_error when it failed. */
	int gbdt_rounds;
	double gbdt_dev_macro_f1, gbdt_test_macro_f1;
	char gbdt_error[256];
	/* --stack: the encoder's share of the saved blend (1 without) and the
	 * blend's scores. */
	bool stacked; /* --stack was asked for */
	float blend;
	double stack_dev_macro_f1, stack_test_macro_f1;
	/* "fp32" or "bf16": what the products ran in; with a note for the
	 * user when bf16 was asked for and could not be had. */
	const char *precision;
	const char *precision_note;
};

/* Value-aware facts by default: see bench/README.md for why. */
#define LEARN_VALUES_DEFAULT (-1)
/* Training tokens the default epochs add up to, and their bounds: see
 * bench/README.md for the measurements behind them. */
#define LEARN_TOKEN_BUDGET 4e6
#define LEARN_MIN_EPOCHS 3
#define LEARN_MAX_EPOCHS 20

void learn_opts_init(struct learn_opts *o);
/* Threads for a training when none are asked for: one per processor, at
 * most 16. */
int learn_default_threads(void);
/* The most threads accepted: 4 per processor. */
int learn_max_threads(void);
/* A model shape by name ("tiny", "small") or from a file: FILE.json holds
 * an object, FILE.lua returns a table, with any of max_seq, hidden,
 * layers, heads, ff, dropout, vocab and classes (the rest as in tiny). */
int learn_config(const char *spec, struct model_config *c, struct err *e);
/* Opens the pipeline and prepares the data of a training run: load,
 * clean, split (by pipeline_split's policy, said in notes), textualize.
 * Class counts per split and leakage warnings go to notes (may be NULL).
 * Returns 0, -1 (error) or -2 (a split refused, pipeline.h). */
int learn_prepare(struct pipeline *p, const struct pipeline_opts *po, const char *data, bool need_label,
                  FILE *notes, struct err *e);
/* Trains on the pipeline's train part (which must be textualized and
 * labelled), stops early on the dev part, writes the best model. SIGINT
 * or SIGTERM (or stop_after steps) stops it after the current step with a
 * checkpoint (weights, Adam's moments, step, random states, data order,
 * best weights so far), res->interrupted set and its note in e (the
 * return is 0); resume continues such a run, with the same data and
 * options, to the same model as an uninterrupted one. */
int learn_train(struct pipeline *p, const char *data_path, const struct learn_opts *o, const char *out_path,
                struct learn_result *res, struct err *e);
/* Masked-LM pretraining on the texts (labels are not needed): 15% of the
 * tokens of each text are predicted, shown as [MASK] 80% of the time, as a
 * random token 10% and unchanged 10%; stops early on the dev part's loss. */
int learn_pretrain(struct pipeline *p, const char *data_path, const struct learn_opts *o, const char *out_path,
                   struct learn_result *res, struct err *e);

/* A trained model, ready to apply. */
struct learner {
	struct backend *be; /* its model's (and members') */
	struct model *model;
	struct model_file mf;
	struct wordpiece *wp;
	void *settings;            /* the parsed pipeline JSON, owning the strings lent to pipeline options */
	char *path;                /* the model file, for messages */
	char rules_name[512];      /* how messages name its rules script */
	size_t texts_cut;          /* texts predicted so far that were longer than the model's max_seq */
	int max_batch;
	/* Fitted on the casebook's dev rows at load (ml/calibration.h): the
	 * temperature that calibrates the probabilities (1 without a
	 * casebook), and the normal class, the dev rows' most common (the
	 * training cases' without dev rows), whose complement is a failure
	 * (-1 without a casebook). */
	double temperature;
	int normal;
	/* The alert threshold last chosen, for the costs it was chosen at
	 * (core/diagnosis.c keeps it, as every row of a log asks again). */
	double threshold_miss, threshold_false_alarm;
	struct calib_cost threshold;
};

/* A model file for batches of max_batch rows, on the CPU, or on device d
 * (ml/ops.h; an error that says why when there is no such device). */
int learner_load(const char *path, int max_batch, struct learner *l, struct err *e);
int learner_load_on(const char *path, struct device d, int max_batch, struct learner *l, struct err *e);
/* learner_load_on for diagnosing: a pretrained encoder, which has no
 * classes, is refused with a line that says what to do with it. */
int learner_load_classifier(const char *path, struct device d, int max_batch, struct learner *l, struct err *e);
void learner_free(struct learner *l);
/* Fills pipeline options from the model (label, columns, rules script), so
 * new data goes through the same path; the strings are the learner's,
 * valid until learner_free. */
int learner_pipeline_opts(const struct learner *l, struct pipeline_opts *po, struct err *e);
/* Class probabilities [n, classes] of n texts. */
void learner_predict(struct learner *l, char *const *texts, size_t n, float *probs);
/* When texts predicted since the last call were too long for the model
 * and cut, words that in buf and returns true (a warning to show once). */
bool learner_take_cut_note(struct learner *l, char *buf, size_t size);
/* The answer to one diagnosis, a line per class, most likely first (ties
 * keep class order): the label, its probability, and a bar of up to 40
 * cells (U+2588, or '#' where the terminal has no Unicode). Labels are
 * padded in terminal cells, so Chinese ones align too. */
void learner_answer(const struct learner *l, const float *probs, bool unicode, struct strbuf *out);
/* The class id of a label text, or -1. */
int learner_class(const struct learner *l, const char *label);
/* Runs new data through the model's own data path (its rules, label and
 * textualizer) and predicts every row: probs gets [rows x classes]. po
 * holds the reading options; the model's settings are added. The caller
 * frees probs and closes p even on failure. */
int learner_apply(struct learner *l, struct pipeline_opts *po, const char *data, struct pipeline *p, float **probs,
                  struct err *e);
/* learner_apply's data path without the predictions; then probabilities
 * [n x classes] for rows[0..n) of it (rows NULL: the first n), readings
 * included, so a screen predicts only the rows it shows. */
int learner_prepare(struct learner *l, struct pipeline_opts *po, const char *data, struct pipeline *p,
                    struct err *e);
void learner_predict_rows(struct learner *l, const struct pipeline *p, const size_t *rows, size_t n, float *probs);
/* The same, and each row's embedding (the encoder's pooled [CLS]
 * vector, [n, hidden]) into emb when it is not NULL. */
void learner_embed_rows(struct learner *l, const struct pipeline *p, const size_t *rows, size_t n, float *probs,
                        float *emb);
/* The model's gradient-boosted trees (ml/trees.h) on rows' readings, for
 * showing each part: whether it has them for this data, and their
 * probabilities. learner_predict_rows gives the blend a --stack model
 * was saved with (the encoder alone otherwise). */
bool learner_has_trees(const struct learner *l, const struct pipeline *p);
void learner_predict_trees(const struct learner *l, const struct pipeline *p, const size_t *rows, size_t n,
                           float *probs);
/* Scores predictions against the labels the data carries; rows whose
 * label the model does not know are counted in *unseen and left out. */
void learner_score(const struct learner *l, const struct pipeline *p, const float *probs, struct metrics *mt,
                   size_t *unseen);
/* Predicts the rows of one part of p's split as diagnose does and scores
 * them; returns how many rows were scored. */
size_t learner_score_part(struct learner *l, const struct pipeline *p, enum split_part part, struct metrics *mt);
/* Columns that alone predict the label for at least share of the rows
 * (leakage): calls warn for each. Only columns with few values count. */
void learn_leakage(const struct pipeline *p, double share, void (*warn)(void *ctx, const char *column, double acc),
                   void *ctx);

#endif
