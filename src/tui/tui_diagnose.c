#include "config.h"
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <readline/history.h>
#include <readline/readline.h>
#include "base/datadir.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "hooks/filter.h"
#include "core/ask.h"
#include "core/diagnosis.h"
#include "core/fleet.h"
#include "core/learn.h"
#include "core/question.h"
#include "core/workorder.h"

static const char *const help[] = {
	"Diagnose: ask the model",
	"  a question    facts or readings (type L; torque 65 Nm; tool wear very high),",
	"                read as the log row it describes: calibrated probabilities,",
	"                evidence, similar past cases, warnings and advice",
	"  row N         data row N of the log, the same way, beside its label",
	"  order [FILE]  a work order for the last diagnosis, when it alerts",
	"  fleet         the log's machines ranked by risk: recent alerts, trend",
	"  costs M F     a missed failure costs M, a false alarm F (default 10 1):",
	"                the alert threshold that costs least on the dev rows",
	"  count [where EXPR] [by EXPR], mean|sum|min|max EXPR [where..] [by..]",
	"                questions about the log (EXPR as in where; predicted and",
	"                label name the model's answer and the log's label)",
	"                (Ctrl-O: to work-order.txt; FILE.json for JSON)",
	"  where EXPR    the rows where a Lua filter holds, predicted and actual",
	"  model FILE    use another model (default: the one trained last here,",
	"                else init.lua's, else the shipped one)",
	"PgUp and PgDn scroll back through the answers.",
	"Line editing and history as in a shell (kept between runs); Tab completes",
	"column names and the model's words. Here keys type: F1-F9 change screens,",
	"and Esc then a key does what it does elsewhere (Esc q quits).",
	NULL,
};

enum { HISTORY_MAX = 500 };

/* The screen's state; readline's callback interface is global too. */
struct tui_diagnose {
	bool ready, has_model;
	struct tui *ui;
	struct learner l;
	char model[1024];
	/* the log through the model's own data path; rows are predicted when
	 * asked about, so a large log costs nothing until then */
	struct pipeline p;
	bool applied;
	unsigned long generation;
	unsigned long trained_seen;  /* the workbench's trained_count when last looked at */
	struct strbuf answer;      /* the answers so far, lines */
	int scroll;                /* lines scrolled back from the newest */
	char history[1024];
	int pending;               /* the key readline reads next */
	char **words;              /* for completion */
	size_t nwords;
	struct diagnose_opts opts; /* neighbours, costs and the advice files (loaded with the model) */
	struct diagnosis last;     /* the last answer, for its work order */
	bool has_last;
};

/* Readline's callback interface is process-wide and its callbacks take
 * no context: they find the screen's state here, set while it is open. */
static struct tui_diagnose *readline_owner;

/* The workbench's state of this screen, made on first use. */
static struct tui_diagnose *diagnose_of(struct tui *ui)
{
	if (!ui->diagnose)
		ui->diagnose = xcalloc(1, sizeof *ui->diagnose);
	return ui->diagnose;
}

static void say(struct tui_diagnose *dg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct tui_diagnose *dg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char line[2048];
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	strbuf_puts(&dg->answer, line);
	strbuf_puts(&dg->answer, "\n");
}

static size_t best_of(const struct tui_diagnose *dg, const float *probs)
{
	size_t best = 0;
	for (size_t k = 1; k < dg->l.mf.nlabels; k++)
		best = probs[k] > probs[best] ? k : best;
	return best;
}

static void add_word(struct tui_diagnose *dg, const char *w)
{
	for (size_t i = 0; i < dg->nwords; i++)
		if (strcmp(dg->words[i], w) == 0)
			return;
	dg->words = xrealloc(dg->words, (dg->nwords + 1) * sizeof *dg->words);
	dg->words[dg->nwords++] = xstrdup(w);
}

static void forget_last(struct tui_diagnose *dg)
{
	if (dg->has_last)
		diagnosis_free(&dg->last);
	dg->has_last = false;
}

static void close_model(struct tui_diagnose *dg)
{
	forget_last(dg);
	diagnose_opts_free(&dg->opts);
	if (dg->applied)
		pipeline_close(&dg->p);
	dg->applied = false;
	if (dg->has_model)
		learner_free(&dg->l);
	dg->has_model = false;
	for (size_t i = 0; i < dg->nwords; i++)
		free(dg->words[i]);
	free(dg->words);
	dg->words = NULL;
	dg->nwords = 0;
}

/* The log through the model's own data path, in the background. */
struct prepare_job {
	struct tui_diagnose *dg;
	struct pipeline_opts po;
	const char *data;
	struct err e;
	int rc;
	atomic_int cancel;
};

static void prepare_work(void *ctx)
{
	struct prepare_job *j = ctx;
	j->rc = learner_prepare(&j->dg->l, &j->po, j->data, &j->dg->p, &j->e);
}

static void prepare_describe(void *ctx, char *line, size_t size)
{
	struct prepare_job *j = ctx;
	snprintf(line, size, " running %s through the model's rules and textualizer...  Esc cancels", j->data);
}

/* Loads a model and runs the workbench's log through its data path. */
static bool open_model(struct tui *ui, const char *path)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	struct err e;
	struct learner l;
	if (learner_load_classifier(path, (struct device){DEVICE_CPU, 0}, 32, &l, &e)) {
		tui_say(ui, true, "%s", e.msg);
		return false;
	}
	close_model(dg);
	dg->l = l;
	dg->has_model = true;
	diagnose_opts_init(&dg->opts);
	if (diagnose_open_advice(&dg->opts, ui->po.lua_limit, &e))
		say(dg, "no advice: %s", e.msg);
	if (path != dg->model)
		snprintf(dg->model, sizeof dg->model, "%s", path);
	struct prepare_job j = {.dg = dg, .data = ui->data_path};
	pipeline_opts_init(&j.po);
	j.po.load = ui->po.load;
	j.po.load.cancel = &j.cancel;
	if (tui_background(ui, prepare_work, prepare_describe, &j, &j.cancel)) {
		say(dg, "cancelled: the model answers free text; model %s prepares the log again", dg->model);
		pipeline_close(&dg->p);
	} else if (j.rc) {
		/* the model still answers free text */
		say(dg, "the log does not go through this model's data path: %s", j.e.msg);
		pipeline_close(&dg->p);
	} else {
		dg->p.o = NULL;  /* the options were the job's, gone now */
		dg->applied = true;
	}
	dg->generation = ui->generation;
	/* completion: the log's column names and the model's whole words */
	for (size_t c = 0; c < ui->p.t->ncols; c++)
		add_word(dg, ui->p.t->cols[c].name);
	add_word(dg, "row");
	add_word(dg, "where");
	add_word(dg, "model");
	add_word(dg, "order");
	add_word(dg, "fleet");
	add_word(dg, "costs");
	add_word(dg, "count");
	add_word(dg, "mean");
	add_word(dg, "predicted");
	for (size_t i = WORDPIECE_SPECIALS; i < dg->l.mf.nvocab; i++) {
		const char *w = dg->l.mf.vocab[i];
		if (strlen(w) > 2 && strncmp(w, "##", 2) != 0 && (w[0] & 0x80) == 0)
			add_word(dg, w);
	}
	return true;
}

/* Diagnoses row r of p and adds the whole answer; kept for its work
 * order. */
static void answer(struct tui_diagnose *dg, const struct pipeline *p, size_t r)
{
	forget_last(dg);
	struct err e;
	if (diagnose_row(&dg->l, p, r, &dg->opts, &dg->last, &e)) {
		say(dg, "%s", e.msg);
		return;
	}
	dg->has_last = true;
	diagnosis_text(&dg->l, &dg->last, dg->ui->unicode, &dg->answer);
}

static void answer_row(struct tui_diagnose *dg, long source)
{
	const struct table *t = dg->p.t;
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->source_row[r] != source)
			continue;
		char buf[256];
		const char *truth = pipeline_label(&dg->p, r, buf, sizeof buf);
		say(dg, "data row %ld: %s", source, dg->p.texts[r]);
		answer(dg, &dg->p, r);
		if (dg->has_last)
			say(dg, "predicted %s%s%s", dg->l.mf.labels[dg->last.top], *truth ? ", actual " : "", truth);
		return;
	}
	say(dg, "no data row %ld (after cleaning)", source);
}

static void answer_question(struct tui_diagnose *dg, const char *text)
{
	struct question q;
	struct err e;
	if (question_parse(&dg->l, text, &q, &e)) {
		say(dg, "%s", e.msg);
		return;
	}
	say(dg, "read as: %s", q.p.texts[0]);
	for (size_t i = 0; i < q.nnotes; i++)
		say(dg, "  note: %s", q.notes[i]);
	answer(dg, &q.p, 0);
	if (dg->has_last)
		say(dg, "predicted %s", dg->l.mf.labels[dg->last.top]);
	question_free(&q);
}

/* The log's rows gain a "predicted" column (and "label", when the label
 * column has another name) the first time a question about the log
 * names them; at most PREDICT_ALL rows are predicted for it. */
enum { PREDICT_ALL = 200000 };

static bool add_predictions(struct tui_diagnose *dg)
{
	struct table *t = dg->p.t;
	if (table_find(t, "predicted") >= 0)
		return true;
	if (t->nrows > PREDICT_ALL) {
		say(dg, "the log has %zu rows; questions about predictions take at most %d", t->nrows, PREDICT_ALL);
		return false;
	}
	int32_t *pred = xmalloc((t->nrows + 1) * sizeof *pred);
	bool *alert = xmalloc(t->nrows + 1);
	diagnose_alerts(&dg->l, &dg->p, &dg->opts, pred, alert);
	size_t c = table_add_column(t, "predicted", COL_STR);
	for (size_t r = 0; r < t->nrows; r++)
		table_set_str(t, c, r, dg->l.mf.labels[pred[r]]);
	free(pred);
	free(alert);
	if (dg->p.label_col >= 0 && table_find(t, "label") < 0) {
		size_t lc = table_add_column(t, "label", COL_STR);
		char buf[256];
		for (size_t r = 0; r < t->nrows; r++)
			table_set_str(t, lc, r, pipeline_label(&dg->p, r, buf, sizeof buf));
	}
	return true;
}

/* count / mean / sum / min / max questions about the log; false when the
 * line is not one. */
static bool answer_aggregate(struct tui_diagnose *dg, const char *q)
{
	struct strbuf out = {0};
	struct err e;
	if ((strstr(q, "predicted") || strstr(q, "label")) && dg->applied && !add_predictions(dg))
		return true;
	int rc = dg->applied ? ask_log(q, dg->p.t, dg->ui->po.lua_limit, &out, &e) : 0;
	if (rc < 0)
		say(dg, "%s", e.msg);
	else if (rc > 0)
		strbuf_puts(&dg->answer, out.s);
	strbuf_free(&out);
	return rc != 0;
}

/* The fleet: machines ranked by the share of their recent rows that
 * alert. */
static void answer_fleet(struct tui_diagnose *dg)
{
	struct table *t = dg->p.t;
	if (t->nrows > PREDICT_ALL) {
		say(dg, "the log has %zu rows; the fleet view takes at most %d", t->nrows, PREDICT_ALL);
		return;
	}
	int32_t *pred = xmalloc((t->nrows + 1) * sizeof *pred);
	bool *alert = xmalloc(t->nrows + 1);
	if (diagnose_alerts(&dg->l, &dg->p, &dg->opts, pred, alert)) {
		struct fleet_machine *m;
		size_t n = fleet_rank(&dg->l, &dg->p, pred, alert, &m);
		say(dg, "machines by risk: the share of their recent rows (the last quarter) that alert, and its change");
		fleet_text(&dg->l, m, n, 50, &dg->answer);
		free(m);
	} else {
		say(dg, "this model keeps no casebook to set an alert threshold on (it predates them)");
	}
	free(pred);
	free(alert);
}

/* costs MISS FALSE_ALARM: the alert threshold from then on; alone, the
 * threshold the costs give now and what it catches on the dev rows. */
static void set_costs(struct tui_diagnose *dg, const char *args)
{
	double miss, false_alarm;
	char extra;
	int n = sscanf(args, "%lf %lf %c", &miss, &false_alarm, &extra);
	if (n == 2 && miss > 0 && false_alarm > 0 && miss <= 1e12 && false_alarm <= 1e12) {
		dg->opts.cost_miss = miss;
		dg->opts.cost_false_alarm = false_alarm;
	} else if (n != EOF) {
		say(dg, "costs MISS FALSE_ALARM: two positive numbers, such as costs 20 1");
		return;
	}
	struct calib_cost c;
	if (!diagnose_threshold(&dg->l, &dg->opts, &c)) {
		say(dg, "this model keeps no casebook to set an alert threshold on (it predates them)");
		return;
	}
	say(dg, "a missed failure costs %g, a false alarm %g: alert from P(failure) %.1f%%", dg->opts.cost_miss,
	    dg->opts.cost_false_alarm, 100 * c.threshold);
	if (c.rows)
		say(dg, "  on the %zu dev rows: recall %.3f, %.1f false alarms per 1,000 rows", c.rows, c.recall,
		    c.false_alarms_per_1000);
}

/* A work order for the last diagnosis, if it alerts. */
static void write_order(struct tui_diagnose *dg, const char *path)
{
	struct calib_cost c;
	if (!dg->has_last) {
		say(dg, "no diagnosis yet: ask one first");
	} else if (!diagnose_threshold(&dg->l, &dg->opts, &c)) {
		say(dg, "this model keeps no casebook to set an alert threshold on (it predates them): no work orders");
	} else if (!dg->last.alert) {
		say(dg, "no work order: P(failure) %.1f%% is below the alert threshold %.1f%%", 100 * dg->last.p_fail,
		    100 * c.threshold);
	} else {
		struct err e;
		struct diagnosis *one = &dg->last;
		if (workorder_write(path, &dg->l, &one, 1, 0, &c, &e))
			say(dg, "%s", e.msg);
		else
			say(dg, "work order written to %s", path);
	}
}

static void answer_where(struct tui_diagnose *dg, const char *expr)
{
	struct err e;
	struct row_filter *f;
	const struct table *t = dg->p.t;
	bool *keep = xmalloc(t->nrows + 1);
	long n = -1;
	if (row_filter_new(expr, t, dg->ui->po.lua_limit, &f, &e) == 0) {
		n = row_filter_apply(f, t, NULL, t->nrows, keep, &e);
		row_filter_free(f);
	}
	if (n < 0) {
		say(dg, "%s", e.msg);
		free(keep);
		return;
	}
	/* The matching rows are predicted now, up to a bound that keeps an
	 * answer quick on a large log. */
	enum { PREDICT_MAX = 20000, SHOW_MAX = 200 };
	size_t *rows = xmalloc(((size_t)n + 1) * sizeof *rows), m = 0;
	for (size_t r = 0; r < t->nrows && m < PREDICT_MAX; r++)
		if (keep[r])
			rows[m++] = r;
	float *probs = xmalloc((m * dg->l.mf.nlabels + 1) * sizeof *probs);
	learner_predict_rows(&dg->l, &dg->p, rows, m, probs);
	size_t right = 0, labelled = 0;
	char buf[256];
	say(dg, "%-8s %-18s %-18s %s", "row", "predicted", "actual", "p");
	for (size_t i = 0; i < m; i++) {
		const float *pr = probs + i * dg->l.mf.nlabels;
		size_t best = best_of(dg, pr);
		const char *truth = pipeline_label(&dg->p, rows[i], buf, sizeof buf);
		if (*truth) {
			labelled++;
			right += strcmp(truth, dg->l.mf.labels[best]) == 0;
		}
		if (i < SHOW_MAX)
			say(dg, "%-8lld %-18s %-18s %.2f", (long long)t->source_row[rows[i]], dg->l.mf.labels[best], truth, pr[best]);
	}
	say(dg, "%ld rows where %s%s", n, expr, (size_t)n > m ? " (the first 20000 predicted)" : "");
	if (labelled)
		say(dg, "the model agrees with the label on %zu of %zu (%.1f%%)", right, labelled, 100.0 * (double)right / (double)labelled);
	free(probs);
	free(rows);
	free(keep);
}

/* The answers are kept for scrolling back, the newest 256 KB of them. */
static void keep_recent(struct tui_diagnose *dg)
{
	enum { KEEP = 256 * 1024 };
	if (dg->answer.len <= KEEP)
		return;
	const char *from = strchr(dg->answer.s + dg->answer.len - KEEP, '\n');
	if (!from)
		return;
	char *rest = xstrdup(from + 1);
	strbuf_clear(&dg->answer);
	strbuf_puts(&dg->answer, rest);
	free(rest);
}

/* readline calls this with each finished line. */
static void on_line(char *line)
{
	struct tui_diagnose *dg = readline_owner;
	if (!line)
		return;
	char *q = line;
	while (*q == ' ')
		q++;
	if (*q) {
		add_history(q);
		keep_recent(dg);
		if (dg->answer.len)
			say(dg, "%s", "");
		dg->scroll = 0;
		say(dg, "> %s", q);
		char *end;
		if (strncmp(q, "model ", 6) == 0) {
			if (open_model(dg->ui, q + 6))
				say(dg, "model %s", dg->model);
		} else if (!dg->has_model) {
			say(dg, "no model: model FILE loads one");
		} else if (strncmp(q, "row ", 4) == 0 && strtol(q + 4, &end, 10) > 0 && *end == '\0') {
			if (dg->applied)
				answer_row(dg, strtol(q + 4, NULL, 10));
			else
				say(dg, "the log did not go through this model: only free text");
		} else if (strcmp(q, "order") == 0 || strncmp(q, "order ", 6) == 0) {
			const char *path = q + 5;
			while (*path == ' ')
				path++;
			write_order(dg, *path ? path : "work-order.txt");
		} else if (strncmp(q, "costs", 5) == 0 && (q[5] == ' ' || q[5] == 0)) {
			set_costs(dg, q + 5);
		} else if (strcmp(q, "fleet") == 0) {
			if (dg->applied)
				answer_fleet(dg);
			else
				say(dg, "the log did not go through this model: only questions");
		} else if (strncmp(q, "where ", 6) == 0) {
			if (dg->applied)
				answer_where(dg, q + 6);
			else
				say(dg, "the log did not go through this model: only free text");
		} else if (!answer_aggregate(dg, q)) {
			answer_question(dg, q);
		}
	}
	char note[200];
	if (dg->has_model && learner_take_cut_note(&dg->l, note, sizeof note))
		say(dg, "warning: %s", note);
	free(line);
}

/* ---- readline on ncurses: keys in through getc, the line out through
 * redisplay; readline never touches the terminal itself. ---- */

static int feed_key(FILE *in)
{
	struct tui_diagnose *dg = readline_owner;
	(void)in;
	int c = dg->pending;
	dg->pending = EOF;
	return c;
}

/* Readline must not look at the terminal for typed-ahead keys: ncurses
 * holds them, and they come one by one through feed_key. */
static int no_typeahead(void)
{
	struct tui_diagnose *dg = readline_owner;
	return dg->pending != EOF;
}

static void redisplay(void)
{
	/* the screen draws the line; nothing to do between keys */
}

static char *complete_word(const char *text, int state)
{
	struct tui_diagnose *dg = readline_owner;
	static size_t next, len;
	if (!state) {
		next = 0;
		len = strlen(text);
	}
	while (next < dg->nwords) {
		const char *w = dg->words[next++];
		if (strncasecmp(w, text, len) == 0)
			return xstrdup(w);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, complete_word);
}

/* Several matches: list them in the answer area. */
static void show_matches(char **matches, int n, int longest)
{
	struct tui_diagnose *dg = readline_owner;
	(void)longest;
	struct strbuf b = {0};
	for (int i = 1; i <= n && i < 40; i++) {
		strbuf_puts(&b, matches[i]);
		strbuf_puts(&b, "  ");
	}
	tui_say(dg->ui, false, "%s", b.s ? b.s : "");
	strbuf_free(&b);
}

static void history_path(struct tui_diagnose *dg)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[900];
	if (state && *state)
		snprintf(dir, sizeof dir, "%s/lathe", state);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.local/state/lathe", home);
	else
		return;
	/* make the directory, parents too */
	for (char *s = dir + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(dir, 0700);
			*s = '/';
		}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return;
	snprintf(dg->history, sizeof dg->history, "%s/history", dir);
}

static void greet(struct tui *ui)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	bool trained = ui->trained_count && strcmp(dg->model, ui->trained_model) == 0;
	say(dg, "model %s%s%s; ask a question (facts or readings), row N or where EXPR", dg->model, trained ? ", just trained on " : "",
	    trained ? ui->data_path : "");
}

static void setup(struct tui *ui)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	dg->ui = ui;
	dg->ready = true;
	dg->pending = EOF;
	readline_owner = dg;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = feed_key;
	rl_input_available_hook = no_typeahead;
	rl_redisplay_function = redisplay;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	rl_inhibit_completion = 0;
	/* one Tab lists the choices when there are several */
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_readline_name = "lathe";
	using_history();
	stifle_history(HISTORY_MAX);
	history_path(dg);
	if (dg->history[0])
		read_history(dg->history);
	rl_callback_handler_install("", on_line);
	dg->trained_seen = ui->trained_count;
	if (ui->trained_count)
		snprintf(dg->model, sizeof dg->model, "%s", ui->trained_model);
	else if (ui->config.has_model)
		snprintf(dg->model, sizeof dg->model, "%s", ui->config.model);
	else
		snprintf(dg->model, sizeof dg->model, "%s/ai4i-tiny.safetensors", datadir_find("models"));
	if (open_model(ui, dg->model))
		greet(ui);
}

/* A model just trained on the Train screen replaces the one in use. */
static void take_trained(struct tui *ui)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	dg->trained_seen = ui->trained_count;
	strbuf_clear(&dg->answer);
	if (open_model(ui, ui->trained_model))
		greet(ui);
}

/* A line of the answers, the facts marked as evidence in colour. */
static void put_marked(struct tui *ui, int y, const char *line, int width)
{
	int x = 1, end = 1 + width;
	bool marked = false;
	for (const char *s = line; *s && x < end;) {
		const char *mark = strstr(s, marked ? DIAGNOSIS_MARK_CLOSE : DIAGNOSIS_MARK_OPEN);
		size_t len = mark ? (size_t)(mark - s) + (marked ? strlen(DIAGNOSIS_MARK_CLOSE) : 0) : strlen(s);
		char *part = xstrndup(s, len);
		if (marked)
			tui_attr_on(ui, TUI_ACCENT);
		int w = (int)utf8_width(part);
		tui_put(y, x, part, w < end - x ? w : end - x);
		tui_attr_off(ui, TUI_ACCENT);
		free(part);
		x += w;
		s += len;
		marked = mark && !marked;
	}
	if (x < end)
		tui_put(y, x, "", end - x);
}

static void draw(struct tui *ui)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	if (!dg->ready)
		setup(ui);
	if (dg->trained_seen != ui->trained_count)
		take_trained(ui);
	else if (dg->has_model && dg->generation != ui->generation)
		open_model(ui, dg->model);
	int y = 2, prompt_y = LINES - 3;
	const char *a = dg->answer.s ? dg->answer.s : "";
	/* the answers' last lines that fit above the prompt, or earlier ones
	 * as far as PgUp scrolled back */
	int lines = 0, shown_lines = prompt_y - 1 - y;
	for (const char *s = a; *s; s++)
		lines += *s == '\n';
	if (dg->scroll > lines - shown_lines)
		dg->scroll = lines - shown_lines > 0 ? lines - shown_lines : 0;
	int skip = lines - shown_lines - dg->scroll;
	for (const char *s = a; *s && y < prompt_y - 1;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (skip-- <= 0) {
			char *line = xstrndup(s, len);
			if (line[0] == '>')
				tui_attr_on(ui, TUI_ACCENT);
			if (strstr(line, DIAGNOSIS_MARK_OPEN))
				put_marked(ui, y++, line, COLS - 2);
			else
				tui_put(y++, 1, line, COLS - 2);
			tui_attr_off(ui, TUI_ACCENT);
			free(line);
		}
		s += len + (nl ? 1 : 0);
	}
	tui_attr_on(ui, TUI_HEADER);
	tui_put(prompt_y - 1, 1, dg->has_model ? dg->model : "no model", COLS - 2);
	tui_attr_off(ui, TUI_HEADER);
	const char *prompt = "diagnose> ";
	mvaddstr(prompt_y, 1, prompt);
	int x = 1 + (int)utf8_width(prompt), room = COLS - x - 1;
	/* the line with its cursor, scrolled to keep the cursor in view */
	char *before = xstrndup(rl_line_buffer, (size_t)rl_point);
	int cursor = (int)utf8_width(before);
	free(before);
	const char *shown = rl_line_buffer;
	while (cursor > room && *shown) {
		char one[8] = {shown[0]};
		size_t k = 1;
		while (k < 7 && ((unsigned char)shown[k] & 0xC0) == 0x80) {
			one[k] = shown[k];
			k++;
		}
		cursor -= (int)utf8_width(one);
		shown += k;
	}
	tui_put(prompt_y, x, shown, room);
	ui->cursor_y = prompt_y;
	ui->cursor_x = x + cursor;
}

/* Keys a terminal sends as escape sequences arrive from ncurses as codes;
 * readline gets the bindings' functions for them. */
static bool key(struct tui *ui, int ch)
{
	struct tui_diagnose *dg = diagnose_of(ui);
	if (!dg->ready)
		setup(ui);
	switch (ch) {
	case KEY_PPAGE:
		dg->scroll += LINES / 2;
		return true;
	case KEY_NPAGE:
		dg->scroll = dg->scroll > LINES / 2 ? dg->scroll - LINES / 2 : 0;
		return true;
	case KEY_UP:
		rl_get_previous_history(1, 0);
		return true;
	case KEY_DOWN:
		rl_get_next_history(1, 0);
		return true;
	case KEY_LEFT:
		rl_backward_char(1, 0);
		return true;
	case KEY_RIGHT:
		rl_forward_char(1, 0);
		return true;
	case KEY_HOME:
		rl_beg_of_line(1, 0);
		return true;
	case KEY_END:
		rl_end_of_line(1, 0);
		return true;
	case KEY_BACKSPACE:
		rl_rubout(1, 0);
		return true;
	case KEY_DC:
		rl_delete(1, 0);
		return true;
	case KEY_ENTER:
		ch = '\n';
		break;
	case 'O' & 0x1f:
		keep_recent(dg);
		say(dg, "%s", "");
		dg->scroll = 0;
		write_order(dg, "work-order.txt");
		return true;
	}
	if (ch < 0 || ch > 255)
		return false;
	dg->pending = ch;
	rl_callback_read_char();
	return true;
}

static void close_screen(struct tui *ui)
{
	struct tui_diagnose *dg = ui->diagnose;
	if (!dg)
		return;
	if (dg->ready) {
		rl_callback_handler_remove();
		if (dg->history[0] && write_history(dg->history) != 0)
			fprintf(stderr, "lathe: cannot keep the diagnosis history in %s\n", dg->history);
		clear_history();
		readline_owner = NULL;
	}
	close_model(dg);
	strbuf_free(&dg->answer);
	free(dg);
	ui->diagnose = NULL;
}

const struct tui_screen tui_diagnose_screen = {
	.name = "Diagnose",
	.hints = "Enter asks  Tab completes  ^O work order  PgUp/PgDn scroll  F1-F9 screens  Esc ? help, q quits",
	.help = help,
	.draw = draw,
	.key = key,
	.close = close_screen,
	.text_input = true,
};
