#include "config.h"
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/utf8.h"
#include "ml/metrics.h"
#include "core/learn.h"

static const char *const help[] = {
	"Train: fit a model, watching it learn",
	"  j k        choose a field of the form;  Enter edits it (or switches its choice)",
	"  s          start;  p pause or go on;  x stop (a checkpoint is kept, as Ctrl-C does)",
	"  l          the loss axis in log scale or linear",
	"The plot: train loss per step (dim), smoothed (bright) and dev loss per epoch (o).",
	"At the end: the test split's confusion matrix and per-class F1; the model is",
	"saved where the form says. Training runs beside the screen: keys keep working.",
	NULL,
};

enum field {
	F_OBJECTIVE,
	F_CONFIG,
	F_EPOCHS,
	F_BATCH,
	F_LR,
	F_OUTPUT,
	F_FACTS,
	F_DEVICE,
	F_PRECISION,
	F_INIT,
	F_LORA,
	F_TEACHER,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {"objective", "config",    "epochs",     "batch",
                                                 "learning rate", "save to", "facts",    "device",
                                                 "precision", "start from", "LoRA rank", "teacher"};
static const char *const precision_words[] = {"auto", "fp32", "bf16"};
/* the form's fields in two columns of this many rows */
enum { FORM_ROWS = (F_COUNT + 1) / 2 };

/* The screen's state, the workbench's (struct tui); shared with the
 * training thread under mu. */
struct tui_train {
	pthread_mutex_t mu;
	pthread_cond_t go_on;
	pthread_t thread;
	bool started, running, paused, finished;
	atomic_int cancel;
	struct tui *ui;
	/* the form */
	int field;
	bool pretrain, words_only;
	enum precision_choice precision;
	bool bf16_units; /* whether the processor has them */
	/* The device: the CPU, or one of the GPUs found when the form was
	 * first shown (gpus of them, or none and why in no_gpu); the chosen
	 * one in words, with its memory. */
	struct device device;
	int gpus;
	char no_gpu[512], device_text[256];
	char config[64], output[1024];
	bool output_chosen;              /* typed in the form; else named after the log */
	/* a pretrained model to start from, adapted by LoRA of this rank (0:
	 * fine-tune it whole), and a trained classifier to distil; "" none */
	char init[1024], teacher[1024];
	int lora;
	char data[1024], rules[1024];   /* the thread's own copies */
	struct pipeline_opts po;
	int epochs, batch;
	double lr;
	bool log_scale;
	/* progress */
	float *loss;
	size_t nloss, cap;
	double dev_x[256], dev_y[256];
	int ndev;
	struct learn_step step;
	struct learn_epoch epoch;
	double best_f1;
	int stale, patience;
	struct learn_result res;
	char error[1024], done_note[2048];
	char split_note[160];            /* the training's own split */
	bool news;
	bool published;                  /* the finished model handed to the workbench */
	/* the end: test metrics */
	char **labels;
	int K;
	struct metrics mt;
	bool have_metrics;
};

/* The workbench's Train state, made on first use. */
static struct tui_train *train_of(struct tui *ui)
{
	if (!ui->train) {
		struct tui_train *tr = xcalloc(1, sizeof *tr);
		if (pthread_mutex_init(&tr->mu, NULL) != 0 || pthread_cond_init(&tr->go_on, NULL) != 0) {
			fprintf(stderr, "lathe: cannot set up the training's lock\n");
			abort();
		}
		ui->train = tr;
	}
	return ui->train;
}

static void on_step(void *ctx, const struct learn_step *st)
{
	struct tui_train *tr = ctx;
	pthread_mutex_lock(&tr->mu);
	if (tr->nloss == tr->cap) {
		tr->cap = tr->cap ? 2 * tr->cap : 1024;
		tr->loss = xrealloc(tr->loss, tr->cap * sizeof *tr->loss);
	}
	tr->loss[tr->nloss++] = (float)st->loss;
	tr->step = *st;
	tr->news = true;
	/* a pause holds the training here, between steps */
	while (tr->paused && !atomic_load(&tr->cancel))
		pthread_cond_wait(&tr->go_on, &tr->mu);
	pthread_mutex_unlock(&tr->mu);
}

static int on_epoch(void *ctx, const struct learn_epoch *ep, struct err *e)
{
	struct tui_train *tr = ctx;
	(void)e;
	pthread_mutex_lock(&tr->mu);
	if (tr->ndev < 256) {
		tr->dev_x[tr->ndev] = (double)ep->steps;
		tr->dev_y[tr->ndev++] = ep->dev_loss;
	}
	tr->epoch = *ep;
	if (ep->best) {
		tr->best_f1 = ep->dev_macro_f1;
		tr->stale = 0;
	} else {
		tr->stale++;
	}
	tr->news = true;
	pthread_mutex_unlock(&tr->mu);
	return 0;
}

/* The test split's report of the saved model, through the prediction
 * path diagnose takes: words, readings and trees, as the model has them. */
static void test_metrics(struct tui_train *tr, struct pipeline *p)
{
	struct learner l;
	struct err e;
	if (learner_load(tr->output, 32, &l, &e))
		return;
	struct metrics mt;
	if (learner_score_part(&l, p, SPLIT_TEST, &mt) == 0) {
		metrics_free(&mt);
		learner_free(&l);
		return;
	}
	pthread_mutex_lock(&tr->mu);
	tr->mt = mt;
	tr->labels = xcalloc(l.mf.nlabels + 1, sizeof *tr->labels);
	for (size_t k = 0; k < l.mf.nlabels; k++)
		tr->labels[k] = xstrdup(l.mf.labels[k]);
	tr->K = (int)l.mf.nlabels;
	tr->have_metrics = true;
	pthread_mutex_unlock(&tr->mu);
	learner_free(&l);
}

/* The headline of a finished training: the saved model's test macro-F1
 * is the one its per-class table below adds up to; the encoder's and the
 * trees' own figures follow when it blends them. Called under mu. */
static void done_note(struct tui_train *tr, const struct learn_result *res)
{
	int n = snprintf(tr->done_note, sizeof tr->done_note, "saved %s: best epoch %d, dev macro-F1 %.3f", tr->output,
	                 res->best_epoch, res->stack_dev_macro_f1 >= 0 ? res->stack_dev_macro_f1 : res->dev_macro_f1);
	if (tr->have_metrics)
		n += snprintf(tr->done_note + n, sizeof tr->done_note - (size_t)n, ", test macro-F1 %.3f", tr->mt.macro_f1);
	if (res->gbdt_rounds > 0 && res->gbdt_test_macro_f1 >= 0)
		snprintf(tr->done_note + n, sizeof tr->done_note - (size_t)n,
		         " (encoder alone %.3f, gradient-boosted trees alone %.3f, %.0f%% encoder in the blend)",
		         res->test_macro_f1, res->gbdt_test_macro_f1, 100 * res->blend);
}

static void *train_thread(void *arg)
{
	struct tui_train *tr = arg;
	struct err e = {0};
	struct pipeline p;
	struct learn_opts lo;
	learn_opts_init(&lo);
	lo.config = tr->config;
	lo.epochs = tr->epochs;
	lo.batch = tr->batch;
	lo.lr = (float)tr->lr;
	lo.values = tr->words_only ? 0 : LEARN_VALUES_DEFAULT;
	lo.threads = learn_default_threads();
	lo.precision = tr->precision;
	lo.device = tr->device;
	lo.init = tr->init[0] ? tr->init : NULL;
	lo.lora_rank = tr->lora;
	lo.teacher = tr->teacher[0] ? tr->teacher : NULL;
	lo.seed = tr->po.split.seed;
	lo.on_step = on_step;
	lo.on_epoch = on_epoch;
	lo.ctx = tr;
	lo.cancel = &tr->cancel;
	pthread_mutex_lock(&tr->mu);
	tr->patience = lo.patience;
	pthread_mutex_unlock(&tr->mu);
	struct learn_result res = {0};
	/* its own copy of the data: the screens go on reading theirs */
	int rc = learn_prepare(&p, &tr->po, tr->data, !tr->pretrain, NULL, &e);
	pthread_mutex_lock(&tr->mu);
	snprintf(tr->split_note, sizeof tr->split_note, "%s", p.split_note);
	pthread_mutex_unlock(&tr->mu);
	if (rc == 0)
		rc = (tr->pretrain ? learn_pretrain : learn_train)(&p, tr->data, &lo, tr->output, &res, &e);
	if (rc == 0 && !res.interrupted && !tr->pretrain)
		test_metrics(tr, &p);
	pipeline_close(&p);
	pthread_mutex_lock(&tr->mu);
	tr->res = res;
	if (rc)
		snprintf(tr->error, sizeof tr->error, "%s", e.msg);
	else if (res.interrupted)
		snprintf(tr->done_note, sizeof tr->done_note, "%s", e.msg);
	else if (tr->pretrain)
		snprintf(tr->done_note, sizeof tr->done_note, "saved %s: best epoch %d, dev masked-LM loss %.4f", tr->output,
		         res.best_epoch, res.dev_loss);
	else
		done_note(tr, &res);
	if (rc == 0 && res.precision_note) {
		size_t len = strlen(tr->done_note);
		snprintf(tr->done_note + len, sizeof tr->done_note - len, "%s(%s)", len ? " " : "", res.precision_note);
	}
	tr->running = false;
	tr->finished = true;
	tr->news = true;
	pthread_mutex_unlock(&tr->mu);
	return NULL;
}

/* The model is named after the log, in the working directory (the log's
 * own may not be writable): pump.csv trains pump.safetensors, and a
 * masked-LM pretraining pump-pretrained.safetensors. */
static void name_output(struct tui_train *tr, const struct tui *ui)
{
	if (tr->output_chosen || !ui->data_path)
		return;
	const char *base = strrchr(ui->data_path, '/');
	base = base ? base + 1 : ui->data_path;
	const char *dot = strrchr(base, '.');
	int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
	snprintf(tr->output, sizeof tr->output, "%.*s%s.safetensors", n, base, tr->pretrain ? "-pretrained" : "");
}

static struct tui_train *setup_form(struct tui *ui)
{
	struct tui_train *tr = train_of(ui);
	name_output(tr, ui);
	if (tr->config[0])
		return tr;
	snprintf(tr->config, sizeof tr->config, "tiny");
	struct learn_opts lo;
	learn_opts_init(&lo);
	tr->precision = lo.precision;
	tr->bf16_units = backend_cpu_has_bf16();
	struct err e;
	tr->gpus = backend_cuda_count(&e);
	if (tr->gpus < 1)
		snprintf(tr->no_gpu, sizeof tr->no_gpu, "%.500s", e.msg);
	tr->epochs = lo.epochs;
	tr->batch = lo.batch;
	tr->lr = lo.lr;
	return tr;
}

static void reset_progress(struct tui_train *tr)
{
	tr->nloss = 0;
	tr->ndev = 0;
	tr->best_f1 = 0;
	tr->stale = 0;
	tr->error[0] = tr->done_note[0] = tr->split_note[0] = '\0';
	memset(&tr->step, 0, sizeof tr->step);
	memset(&tr->epoch, 0, sizeof tr->epoch);
	if (tr->have_metrics)
		metrics_free(&tr->mt);
	for (int k = 0; k < tr->K; k++)
		free(tr->labels[k]);
	free(tr->labels);
	tr->labels = NULL;
	tr->K = 0;
	tr->have_metrics = false;
}

static void start(struct tui *ui)
{
	struct tui_train *tr = train_of(ui);
	if (tui_training(ui)) {
		tui_say(ui, true, "training already runs: x stops it");
		return;
	}
	/* a model file is work too: never replaced without asking */
	char question[1200];
	snprintf(question, sizeof question, "%s exists: replace it? y/n ", tr->output);
	if (access(tr->output, F_OK) == 0 && !tui_confirm(ui, question)) {
		tui_say(ui, false, "not started: the form's \"save to\" names another file");
		return;
	}
	if (tr->started)
		pthread_join(tr->thread, NULL);
	tr->started = false;
	reset_progress(tr);
	atomic_store(&tr->cancel, 0);
	tr->paused = false;
	pthread_mutex_lock(&tr->mu);
	tr->finished = false;
	tr->published = false;
	tr->running = true;
	pthread_mutex_unlock(&tr->mu);
	tr->ui = ui;
	snprintf(tr->data, sizeof tr->data, "%s", ui->data_path);
	snprintf(tr->rules, sizeof tr->rules, "%s", ui->rules_path ? ui->rules_path : "");
	tr->po = ui->po;
	tr->po.rules_path = tr->rules[0] ? tr->rules : NULL;
	if (pthread_create(&tr->thread, NULL, train_thread, tr) != 0) {
		pthread_mutex_lock(&tr->mu);
		tr->running = false;
		pthread_mutex_unlock(&tr->mu);
		tui_say(ui, true, "cannot start a training thread");
		return;
	}
	tr->started = true;
	tui_say(ui, false, "training %s on %s", tr->pretrain ? "(masked LM)" : "a classifier", ui->data_path);
	/* for :save-pipeline and :export */
	char device[32] = "", lora[32] = "";
	if (tr->device.kind == DEVICE_CUDA)
		snprintf(device, sizeof device, ", device = \"cuda:%d\"", tr->device.index);
	if (tr->lora)
		snprintf(lora, sizeof lora, ", lora = %d", tr->lora);
	snprintf(ui->train_opts, sizeof ui->train_opts,
	         "{ config = \"%s\", epochs = %d, batch = %d, lr = %g, precision = \"%s\"%s%s%s }", tr->config, tr->epochs,
	         tr->batch, tr->lr, precision_words[tr->precision], tr->words_only ? ", values = false" : "", device, lora);
	snprintf(ui->train_init, sizeof ui->train_init, "%s", tr->init);
	snprintf(ui->train_teacher, sizeof ui->train_teacher, "%s", tr->teacher);
	snprintf(ui->train_output, sizeof ui->train_output, "%s", tr->output);
	ui->train_pretrain = tr->pretrain;
}

void tui_train_start(struct tui *ui)
{
	setup_form(ui);
	start(ui);
}

static void draw_plot(struct tui *ui, int y0, int h)
{
	struct tui_train *tr = train_of(ui);
	int left = 9;
	struct tui_plot pl = {.x0 = left + 1, .y0 = y0, .w = COLS - left - 3, .h = h, .log = tr->log_scale};
	if (pl.w < 10 || pl.h < 3)
		return;
	size_t n = tr->nloss;
	pl.xmax = tr->step.total > 0 ? (double)tr->step.total : (double)(n > 1 ? n : 1);
	pl.ymin = INFINITY, pl.ymax = -INFINITY;
	for (size_t i = 0; i < n; i++)
		pl.ymin = fmin(pl.ymin, tr->loss[i]), pl.ymax = fmax(pl.ymax, tr->loss[i]);
	for (int i = 0; i < tr->ndev; i++)
		pl.ymin = fmin(pl.ymin, tr->dev_y[i]), pl.ymax = fmax(pl.ymax, tr->dev_y[i]);
	if (!(pl.ymax > pl.ymin)) {
		pl.ymin = 0;
		pl.ymax = n ? pl.ymax * 2 + 1e-3 : 1;
	}
	if (pl.log)
		pl.ymin = fmax(pl.ymin, pl.ymax * 1e-4);
	char label[64];
	snprintf(label, sizeof label, "%.0f steps%s", pl.xmax, pl.log ? ", log scale" : "");
	tui_plot_axes(ui, &pl, "0", label);
	/* raw, smoothed (exponential, span about 1/20 of the run), dev */
	double *xs = xmalloc((n + 1) * sizeof *xs), *ys = xmalloc((n + 1) * sizeof *ys);
	for (size_t i = 0; i < n; i++)
		xs[i] = (double)(i + 1), ys[i] = tr->loss[i];
	tui_plot_series(ui, &pl, xs, ys, n, TUI_DIM, '.');
	double alpha = 2.0 / (pl.xmax / 20 + 1), s = n ? tr->loss[0] : 0;
	for (size_t i = 0; i < n; i++)
		ys[i] = s = s + alpha * (tr->loss[i] - s);
	tui_plot_series(ui, &pl, xs, ys, n, TUI_ACCENT, '*');
	tui_plot_series(ui, &pl, tr->dev_x, tr->dev_y, (size_t)tr->ndev, TUI_HEADER, 'o');
	free(xs);
	free(ys);
}

static void field_text(const struct tui_train *tr, enum field f, char *buf, size_t size)
{
	switch (f) {
	case F_OBJECTIVE: snprintf(buf, size, "%s", tr->pretrain ? "pretrain (masked LM)" : "fine-tune a classifier"); break;
	case F_CONFIG: snprintf(buf, size, "%s", tr->config); break;
	case F_EPOCHS:
		if (tr->epochs)
			snprintf(buf, size, "%d", tr->epochs);
		else
			snprintf(buf, size, "auto (by the data's size)");
		break;
	case F_BATCH: snprintf(buf, size, "%d", tr->batch); break;
	case F_LR: snprintf(buf, size, "%g", tr->lr); break;
	case F_OUTPUT: snprintf(buf, size, "%s", tr->output); break;
	case F_INIT: snprintf(buf, size, "%s", tr->init[0] ? tr->init : "scratch (or a pretrained model)"); break;
	case F_LORA:
		if (tr->lora)
			snprintf(buf, size, "%d (adapters on the pretrained model)", tr->lora);
		else
			snprintf(buf, size, "off (fine-tune every weight)");
		break;
	case F_TEACHER: snprintf(buf, size, "%s", tr->teacher[0] ? tr->teacher : "none (or a classifier to distil)"); break;
	case F_FACTS: snprintf(buf, size, "%s", tr->words_only ? "words only (exports to transformers)" : "words and readings"); break;
	case F_DEVICE:
		if (tr->device.kind == DEVICE_CUDA)
			snprintf(buf, size, "%s", tr->device_text);
		else if (tr->gpus > 0)
			snprintf(buf, size, "CPU (Enter: one of %d GPU%s)", tr->gpus, tr->gpus > 1 ? "s" : "");
		else
			snprintf(buf, size, "CPU (%s)", tr->no_gpu);
		break;
	case F_PRECISION:
		if (tr->precision == PRECISION_AUTO)
			snprintf(buf, size, "auto (%s here)", tr->bf16_units ? "bf16" : "fp32: no bf16 units");
		else if (tr->precision == PRECISION_ASK_BF16 && !tr->bf16_units)
			snprintf(buf, size, "bf16 (no units here: trains in fp32)");
		else
			snprintf(buf, size, "%s", precision_words[tr->precision]);
		break;
	default: buf[0] = '\0';
	}
}

static void draw(struct tui *ui)
{
	struct tui_train *tr = setup_form(ui);
	pthread_mutex_lock(&tr->mu);
	tr->news = false;
	char line[2048], val[1024];
	int y = 2;
	for (int f = 0; f < F_COUNT; f++) {
		field_text(tr, (enum field)f, val, sizeof val);
		snprintf(line, sizeof line, "%-14s %s", field_names[f], val);
		if (f == tr->field)
			tui_attr_on(ui, TUI_CURSOR);
		tui_put(y + (f % FORM_ROWS), 1 + (f / FORM_ROWS) * (COLS / 2), line, COLS / 2 - 2);
		if (f == tr->field)
			tui_attr_off(ui, TUI_CURSOR);
	}
	/* the split the training makes, or (before it) the one the other
	 * screens show: one policy, so the same */
	const char *split = tr->split_note[0] ? tr->split_note : ui->p.split_note;
	if (split[0]) {
		tui_attr_on(ui, TUI_DIM);
		tui_put(y + FORM_ROWS, 1, split, COLS - 2);
		tui_attr_off(ui, TUI_DIM);
	}
	y += FORM_ROWS + 1;
	const struct learn_step *s = &tr->step;
	if (tr->running || tr->finished) {
		snprintf(line, sizeof line,
		         "%s epoch %d/%d  step %ld/%ld  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s  ETA %.0f s",
		         tr->running ? (tr->paused ? "paused " : "training") : tr->error[0] ? "failed " : "done   ", s->epoch,
		         s->epochs, s->step, s->total,
		         s->loss, s->lr, s->grad_norm, s->tokens_per_s, tr->running ? s->eta_s : 0.0);
		tui_attr_on(ui, TUI_HEADER);
		tui_put(y++, 1, line, COLS - 2);
		tui_attr_off(ui, TUI_HEADER);
		if (tr->pretrain)
			snprintf(line, sizeof line, "epochs done %d  dev masked-LM loss %.4f", tr->epoch.epoch, tr->epoch.dev_loss);
		else
			snprintf(line, sizeof line, "epochs done %d  dev loss %.4f  best dev macro-F1 %.3f  patience %d of %d",
			         tr->epoch.epoch, tr->epoch.dev_loss, tr->best_f1, tr->stale, tr->patience);
		tui_put(y++, 1, line, COLS - 2);
	} else {
		tui_put(y++, 1, "s starts training with the form above", COLS - 2);
		y++;
	}
	if (tr->error[0]) {
		tui_attr_on(ui, TUI_ERROR);
		tui_put(y, 1, tr->error, COLS - 2);
		tui_attr_off(ui, TUI_ERROR);
	} else if (tr->done_note[0]) {
		tui_attr_on(ui, TUI_ACCENT);
		tui_put(y, 1, tr->done_note, COLS - 2);
		tui_attr_off(ui, TUI_ACCENT);
	}
	y++;
	int report = tr->have_metrics ? tr->K + 2 : 0;
	int h = LINES - 1 - y - 2 - report;
	draw_plot(ui, y, h);
	y += h + 2;
	if (tr->have_metrics && y + tr->K + 1 < LINES) {
		/* per-class F1 and the confusion matrix of the test split */
		int x = 1;
		snprintf(line, sizeof line, "%-16s %6s  confusion (rows: truth)", "test class", "F1");
		tui_attr_on(ui, TUI_HEADER);
		tui_put(y++, x, line, COLS - 2);
		tui_attr_off(ui, TUI_HEADER);
		for (int k = 0; k < tr->K && y < LINES - 1; k++) {
			/* the label padded by its width on screen, wide characters and all */
			tui_put(y, x, tr->labels[k], 16);
			int n = snprintf(line, sizeof line, " %6.3f ", tr->mt.f1[k]);
			for (int j = 0; j < tr->K && n < (int)sizeof line - 8; j++)
				n += snprintf(line + n, sizeof line - (size_t)n, " %6ld", tr->mt.confusion[k * tr->K + j]);
			tui_put(y++, x + 16, line, COLS - 2 - 16);
		}
	}
	pthread_mutex_unlock(&tr->mu);
}

/* The CPU, then each GPU, then the CPU again. */
static void next_device(struct tui *ui, struct tui_train *tr)
{
	if (tr->gpus < 1) {
		tui_say(ui, false, "the CPU only: %s", tr->no_gpu);
		return;
	}
	int next = tr->device.kind == DEVICE_CPU ? 0 : tr->device.index + 1;
	struct err e;
	if (next < tr->gpus && backend_cuda_describe(next, tr->device_text, sizeof tr->device_text, &e) == 0) {
		tr->device = (struct device){DEVICE_CUDA, next};
		return;
	}
	if (next < tr->gpus)
		tui_say(ui, true, "%s", e.msg);
	tr->device = (struct device){DEVICE_CPU, 0};
}

static void edit(struct tui *ui)
{
	struct tui_train *tr = train_of(ui);
	char buf[1024];
	field_text(tr, (enum field)tr->field, buf, sizeof buf);
	switch (tr->field) {
	case F_OBJECTIVE:
		tr->pretrain = !tr->pretrain;
		return;
	case F_CONFIG:
		snprintf(tr->config, sizeof tr->config, "%s", strcmp(tr->config, "tiny") == 0 ? "small" : "tiny");
		return;
	case F_FACTS:
		tr->words_only = !tr->words_only;
		return;
	case F_DEVICE:
		next_device(ui, tr);
		return;
	case F_PRECISION:
		tr->precision = (tr->precision + 1) % 3;
		return;
	}
	char prompt[64];
	snprintf(prompt, sizeof prompt, "%s: ", field_names[tr->field]);
	if (tr->field == F_INIT || tr->field == F_TEACHER)
		snprintf(buf, sizeof buf, "%s", tr->field == F_INIT ? tr->init : tr->teacher);
	if (!tui_prompt(ui, prompt, buf, sizeof buf))
		return;
	char *end;
	if (tr->field == F_INIT || tr->field == F_TEACHER) {
		/* empty clears it; a file that is not there is said at once */
		if (buf[0] && access(buf, R_OK) != 0) {
			tui_say(ui, true, "%s: %s", buf, strerror(errno));
			return;
		}
		snprintf(tr->field == F_INIT ? tr->init : tr->teacher, sizeof tr->init, "%s", buf);
	} else if (tr->field == F_LORA) {
		long v = strtol(buf, &end, 10);
		if (*end || v < 0 || v > 1024)
			tui_say(ui, true, "LoRA rank %s: a whole number from 0 (off) to 1024", buf);
		else
			tr->lora = (int)v;
	} else if (tr->field == F_OUTPUT) {
		if (buf[0]) {
			snprintf(tr->output, sizeof tr->output, "%s", buf);
			tr->output_chosen = true;
		}
	} else if (tr->field == F_LR) {
		double v = strtod(buf, &end);
		if (*end || !(v > 0 && v <= 10))
			tui_say(ui, true, "learning rate %s: a number in (0, 10]", buf);
		else
			tr->lr = v;
	} else {
		bool automatic = tr->field == F_EPOCHS && strncmp(buf, "auto", 4) == 0;
		long v = automatic ? 0 : strtol(buf, &end, 10);
		if (automatic)
			end = buf + strlen(buf);
		if (*end || v < (tr->field == F_EPOCHS ? 0 : 1) || v > 100000)
			tui_say(ui, true, "%s %s: a whole number from 1%s", field_names[tr->field], buf,
			        tr->field == F_EPOCHS ? ", or auto" : "");
		else
			*(tr->field == F_EPOCHS ? &tr->epochs : &tr->batch) = (int)v;
	}
}

static bool key(struct tui *ui, int ch)
{
	struct tui_train *tr = setup_form(ui);
	switch (ch) {
	case 'j':
	case KEY_DOWN:
		tr->field += tr->field < F_COUNT - 1;
		return true;
	case 'k':
	case KEY_UP:
		tr->field -= tr->field > 0;
		return true;
	case '\n':
	case KEY_ENTER:
		if (tui_training(ui))
			tui_say(ui, true, "the form waits until training stops");
		else
			edit(ui);
		return true;
	case 's':
		start(ui);
		return true;
	case 'p':
		pthread_mutex_lock(&tr->mu);
		if (tr->running) {
			tr->paused = !tr->paused;
			pthread_cond_broadcast(&tr->go_on);
		}
		pthread_mutex_unlock(&tr->mu);
		return true;
	case 'x':
		if (tui_training(ui)) {
			atomic_store(&tr->cancel, 1);
			pthread_mutex_lock(&tr->mu);
			pthread_cond_broadcast(&tr->go_on);
			pthread_mutex_unlock(&tr->mu);
			tui_say(ui, false, "stopping after this step, with a checkpoint");
		}
		return true;
	case 'l':
		tr->log_scale = !tr->log_scale;
		return true;
	}
	return false;
}

/* Asked whichever screen shows: a classifier just saved becomes the
 * workbench's model (Diagnose switches to it). */
static bool poll_news(struct tui *ui)
{
	if (!ui->train)
		return false;
	struct tui_train *tr = ui->train;
	pthread_mutex_lock(&tr->mu);
	bool news = tr->news;
	if (tr->finished && !tr->published) {
		tr->published = true;
		if (!tr->pretrain && !tr->error[0] && !tr->res.interrupted) {
			snprintf(ui->trained_model, sizeof ui->trained_model, "%s", tr->output);
			ui->trained_count++;
			news = true;
		}
	}
	pthread_mutex_unlock(&tr->mu);
	return news;
}

bool tui_training(const struct tui *ui)
{
	struct tui_train *tr = ui->train;
	if (!tr)
		return false;
	pthread_mutex_lock(&tr->mu);
	bool running = tr->running;
	pthread_mutex_unlock(&tr->mu);
	return running;
}

static void close_screen(struct tui *ui)
{
	struct tui_train *tr = ui->train;
	if (!tr)
		return;
	if (tr->started) {
		atomic_store(&tr->cancel, 1);
		pthread_mutex_lock(&tr->mu);
		tr->paused = false;
		pthread_cond_broadcast(&tr->go_on);
		pthread_mutex_unlock(&tr->mu);
		pthread_join(tr->thread, NULL);
		tr->started = false;
	}
	reset_progress(tr);
	free(tr->loss);
	pthread_mutex_destroy(&tr->mu);
	pthread_cond_destroy(&tr->go_on);
	free(tr);
	ui->train = NULL;
}

const struct tui_screen tui_train_screen = {
	.name = "Train",
	.hints = "j/k field  Enter edit  s start  p pause  x stop  l log scale",
	.help = help,
	.draw = draw,
	.key = key,
	.close = close_screen,
	.poll = poll_news,
};
