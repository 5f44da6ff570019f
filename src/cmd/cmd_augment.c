#include "config.h"
#include "cmd.h"

#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "base/utf8.h"

struct preview {
	FILE *fp;
};

static void print_variant(void *ctx, int method, const char *text, const char *label, const double *readings)
{
	(void)readings;
	struct preview *pv = ctx;
	fputs("  ", pv->fp);
	utf8_pad(pv->fp, augment_method_name(method), 11);
	fprintf(pv->fp, " %s", text);
	if (label)
		fprintf(pv->fp, "  [%s]", label);
	fputc('\n', pv->fp);
}

/* K eligible training rows, drawn with the seed, each with its variants. */
static int preview(struct cmd_args *a, struct pipeline *p, struct err *e)
{
	struct augmenter *aug;
	if (augmenter_open(&aug, p, &a->aug, e))
		return -1;
	size_t n = p->t->nrows, m = 0;
	size_t *rows = xmalloc((n + 1) * sizeof *rows);
	for (size_t r = 0; r < n; r++)
		if (augmenter_eligible(aug, r))
			rows[m++] = r;
	struct rng rng;
	rng_seed(&rng, a->aug.seed ^ 0xA06u);
	rng_shuffle(&rng, rows, m);
	size_t k = (size_t)a->preview < m ? (size_t)a->preview : m;
	/* in table order, for reading */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && rows[j - 1] > rows[j]; j--) {
			size_t t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	struct preview pv = {.fp = stdout};
	char buf[256];
	int rc = 0;
	if (m == 0)
		printf("no training rows to vary (every one is of the most frequent class; --augment-all varies them)\n");
	for (size_t i = 0; i < k && !rc; i++) {
		const char *label = pipeline_label(p, rows[i], buf, sizeof buf);
		printf("row %lld%s%s%s: %s\n", (long long)p->t->source_row[rows[i]], *label ? " (" : "", label,
		       *label ? ")" : "", p->texts[rows[i]]);
		rc = augmenter_variants(aug, rows[i], print_variant, &pv, e);
	}
	free(rows);
	augmenter_close(aug);
	fflush(stdout);
	return rc;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	if (!a->aug.methods)
		return cmd_usage_error(cmd, "say which methods: --methods synonym,swap,delete,insert,jitter,infill,oversample,lua "
		                            "or all");
	if (a->preview) {
		struct err e;
		struct pipeline p;
		a->aug.seed = a->po.split.seed;
		a->aug.lua_limit = a->po.lua_limit;
		int rc = cmd_pipeline(a, a->pos[0], false, &p, &e);
		if (rc == 0)
			rc = pipeline_textualize(&p, &e);
		if (rc == 0 && (preview(a, &p, &e) || cmd_augment_training(a, &p, &e)))
			rc = -1;
		if (rc == 0)
			cmd_say_split(&p);
		pipeline_close(&p);
		return cmd_exit(cmd, rc, &e);
	}
	/* the text path augments the training split as --methods asks */
	return cmd_run_pipeline(cmd, a, true, pipeline_write_jsonl);
}

const struct cmd cmd_augment = {
	.name = "augment",
	.args = "FILE",
	.summary = "Make new training samples for rare classes; write all samples as JSON Lines (method marks new ones).",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_TEXT | OPTION_G_OUT | OPTION_G_AUGMENT | OPTION_G_PREVIEW,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
