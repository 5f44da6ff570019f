#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/compress.h"

static double megabytes(size_t bytes)
{
	return (double)bytes / 1e6;
}

/* Distillation or pruning: a training, reported as train reports one,
 * with the sizes and the teacher's score beside it. */
static int retrain(struct cmd_args *a)
{
	struct compress_retrain r = {.log = a->log, .config = a->distill, .prune = a->prune, .notes = stderr};
	struct learn_opts how = cmd_learn_opts(a);
	struct err e;
	struct atomic_claim claim;
	if (cmd_claim(a->output, &claim) != CMD_OK)
		return CMD_RUNTIME;
	int rc = compress_retrain(a->pos[0], a->output, &how, &r, &e);
	atomic_release(&claim);
	if (rc)
		return cmd_fail(&e);
	int status = cmd_finish_training(a, &r.res, false, &e);
	if (r.res.interrupted || a->json)
		return status;
	printf("%s: %s; encoder weights %.2f MB -> %.2f MB (%.0f%%)", a->output,
	       a->distill ? "a student distilled from it" : "pruned and fine-tuned", megabytes(r.bytes_before),
	       megabytes(r.bytes_after), 100.0 * (double)r.bytes_after / (double)(r.bytes_before ? r.bytes_before : 1));
	if (r.teacher_test_macro_f1 >= 0)
		printf("; the teacher's test macro-F1 %.4f", r.teacher_test_macro_f1);
	printf("\n");
	return status;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	int methods = a->int8 + (a->distill != NULL) + (a->prune > 0) + a->merge;
	if (methods != 1)
		return cmd_usage_error(cmd, methods ? "one method at a time: --int8, --distill, --prune or --merge"
		                                    : "say how: --int8, --distill CONFIG, --prune FRACTION or --merge");
	if (!a->output)
		return cmd_usage_error(cmd, "say where the compressed model goes: -o FILE.safetensors");
	if (strcmp(a->learn.config, "tiny") != 0)
		return cmd_usage_error(cmd, "--config: a student's shape is --distill's argument");
	if (a->log && (a->int8 || a->merge))
		return cmd_usage_error(cmd, "--log is for --distill and --prune, which train again");
	if (a->distill || a->prune > 0)
		return retrain(a);
	if (a->merge) {
		struct err e;
		struct atomic_claim claim;
		if (cmd_claim(a->output, &claim) != CMD_OK)
			return CMD_RUNTIME;
		int rc = compress_merge(a->pos[0], a->output, &e);
		atomic_release(&claim);
		if (rc)
			return cmd_fail(&e);
		printf("%s: the adapters of %s merged into their base\n", a->output, a->pos[0]);
		return CMD_OK;
	}
	struct atomic_claim claim;
	if (cmd_claim(a->output, &claim) != CMD_OK)
		return CMD_RUNTIME;
	struct compress_report r;
	struct err e;
	int rc = compress_int8(a->pos[0], a->output, &r, &e);
	atomic_release(&claim);
	if (rc)
		return cmd_fail(&e);
	struct stat in, out;
	bool sized = stat(a->pos[0], &in) == 0 && stat(a->output, &out) == 0;
	if (a->json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:f}", "output", a->output, "method",
		                      "int8", "quantized", r.quantized, "kept", r.kept, "bytes_before",
		                      (json_int_t)r.bytes_before, "bytes_after", (json_int_t)r.bytes_after,
		                      "file_bytes_before", (json_int_t)(sized ? in.st_size : -1), "file_bytes_after",
		                      (json_int_t)(sized ? out.st_size : -1), "worst_error", r.worst_error);
		if (o)
			json_object_set_new(o, "trees_only", json_boolean(r.trees_only));
		char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!text)
			return cmd_fail(&(struct err){"out of memory"});
		puts(text);
		free(text);
		return CMD_OK;
	}
	printf("%s: int8, %d tensors int8 and %d f32; encoder weights %.2f MB -> %.2f MB (%.0f%%)", a->output,
	       r.quantized, r.kept, megabytes(r.bytes_before), megabytes(r.bytes_after),
	       100.0 * (double)r.bytes_after / (double)(r.bytes_before ? r.bytes_before : 1));
	if (sized)
		printf("; file %.2f MB -> %.2f MB", megabytes((size_t)in.st_size), megabytes((size_t)out.st_size));
	printf("\nlargest weight error %.2f%% (%s); check it on held-out rows: lathe eval %s LOG.csv\n",
	       100 * r.worst_error, r.worst_name, a->output);
	if (r.trees_only)
		fprintf(stderr,
		        "lathe: note: %s diagnoses with its trees alone (blend 0%%): int8 changes its speed and its "
		        "similar cases' embeddings, not its answers\n",
		        a->pos[0]);
	return CMD_OK;
}

const struct cmd cmd_compress = {
    .name = "compress",
    .args = "MODEL.safetensors",
    .summary = "Write a smaller, faster form of a trained model.",
    .groups = OPTION_G_OUT | OPTION_G_MODEL | OPTION_G_COMPRESS | OPTION_G_RETRAIN | OPTION_G_DEVICE,
    .min_args = 1,
    .max_args = 1,
    .run = run,
};
