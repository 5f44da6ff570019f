#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "core/compress.h"

static double megabytes(size_t bytes)
{
	return (double)bytes / 1e6;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	if (!a->int8)
		return cmd_usage_error(cmd, "say how: --int8");
	if (!a->output)
		return cmd_usage_error(cmd, "say where the compressed model goes: -o FILE.safetensors");
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
    .groups = OPTION_G_OUT | OPTION_G_COMPRESS,
    .min_args = 1,
    .max_args = 1,
    .run = run,
};
