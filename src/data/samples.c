#include "config.h"
#include "samples.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_TEXT, COL_LABEL, COL_SPLIT };

bool samples_sniff(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	int c;
	while ((c = getc(fp)) != EOF && isspace(c))
		;
	fclose(fp);
	return c == '{';
}

/* A label may be written as text or as a number; null means none. */
static int set_label(struct table *t, size_t r, json_t *v)
{
	char buf[64];
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		table_set_str(t, COL_LABEL, r, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		table_set_str(t, COL_LABEL, r, buf);
	} else if (json_is_real(v)) {
		table_format_number(json_real_value(v), buf, sizeof buf);
		table_set_str(t, COL_LABEL, r, buf);
	} else {
		return -1;
	}
	return 0;
}

/* One line's object into row r; a message when it does not fit. */
static const char *add_sample(struct table *t, json_t *o, long line)
{
	if (!json_is_object(o))
		return "not a JSON object";
	json_t *text = json_object_get(o, "text"), *row = json_object_get(o, "row"),
	       *split = json_object_get(o, "split");
	if (!json_is_string(text))
		return "no \"text\" string";
	if (row && !json_is_null(row) && !json_is_integer(row))
		return "\"row\" is not an integer";
	const char *part = json_string_value(split);
	if (split && !json_is_null(split) &&
	    (!part || (strcmp(part, "train") != 0 && strcmp(part, "dev") != 0 && strcmp(part, "test") != 0)))
		return "\"split\" is not \"train\", \"dev\" or \"test\"";
	size_t r = table_append_row(t, json_is_integer(row) ? (int64_t)json_integer_value(row) : line);
	table_set_str(t, COL_TEXT, r, json_string_value(text));
	if (part)
		table_set_str(t, COL_SPLIT, r, part);
	if (set_label(t, r, json_object_get(o, "label")))
		return "\"label\" is not text, a number or null";
	return NULL;
}

int samples_load(const char *path, struct table **out, struct err *e)
{
	*out = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return err_set(e, "%s: %s", path, strerror(errno));
	struct table *t = table_new();
	table_add_column(t, "text", COL_STR);
	table_add_column(t, "label", COL_STR);
	table_add_column(t, "split", COL_STR);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	long line = 0;
	int rc = 0;
	while ((n = getline(&buf, &cap, fp)) >= 0) {
		line++;
		size_t i = 0;
		while (i < (size_t)n && isspace((unsigned char)buf[i]))
			i++;
		if (i == (size_t)n)
			continue;
		json_error_t je;
		json_t *o = json_loadb(buf, (size_t)n, 0, &je);
		const char *why = o ? add_sample(t, o, line) : je.text;
		json_decref(o);
		if (why) {
			rc = err_set(e, "%s:%ld: %s", path, line, why);
			break;
		}
	}
	if (!rc && ferror(fp))
		rc = err_set(e, "%s: read failed: %s", path, strerror(errno));
	if (!rc && t->nrows == 0)
		rc = err_set(e, "%s: no samples", path);
	free(buf);
	fclose(fp);
	if (rc) {
		table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}
