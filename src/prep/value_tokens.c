#include "config.h"
#include "value_tokens.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct value_tokens {
	size_t n;
	int32_t **ids;   /* each value fact's name as token ids */
	size_t *len;
};

struct value_tokens *value_tokens_new(const struct wordpiece *wp, const struct textualizer *tz)
{
	struct value_tokens *vt = xcalloc(1, sizeof *vt);
	vt->n = textualize_nvalues(tz);
	vt->ids = xcalloc(vt->n + 1, sizeof *vt->ids);
	vt->len = xcalloc(vt->n + 1, sizeof *vt->len);
	for (size_t k = 0; k < vt->n; k++) {
		const char *name = textualize_value_name(tz, k);
		size_t need = wordpiece_encode(wp, name, NULL, 0);
		vt->ids[k] = xmalloc((need + 1) * sizeof **vt->ids);
		vt->len[k] = wordpiece_encode(wp, name, vt->ids[k], need);
	}
	return vt;
}

void value_tokens_free(struct value_tokens *vt)
{
	if (!vt)
		return;
	for (size_t k = 0; k < vt->n; k++)
		free(vt->ids[k]);
	free(vt->ids);
	free(vt->len);
	free(vt);
}

/* First position at or after from where needle[0..m) occurs in ids, or n. */
static size_t find_run(const int32_t *ids, size_t n, size_t from, const int32_t *needle, size_t m)
{
	for (size_t i = from; m && i + m <= n; i++)
		if (memcmp(ids + i, needle, m * sizeof *ids) == 0)
			return i;
	return n;
}

void value_tokens_mark(const struct value_tokens *vt, const int32_t *ids, size_t n, const float *x, int32_t *vfact)
{
	for (size_t i = 0; i < n; i++)
		vfact[i] = -1;
	size_t at = 0;
	for (size_t k = 0; k < vt->n; k++) {
		if (isnan(x[k]))
			continue;
		size_t i = find_run(ids, n, at, vt->ids[k], vt->len[k]);
		if (i == n)
			continue;
		for (size_t j = i; j < i + vt->len[k]; j++)
			vfact[j] = (int32_t)k;
		at = i + vt->len[k];
	}
}
