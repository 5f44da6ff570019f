#include "config.h"
#include "augment_methods.h"

#include <stdlib.h>
#include <string.h>
#include "hooks/sandbox.h"

static const char *const method_names[AUG_METHODS] = {"synonym", "swap",   "delete",     "insert",
                                                      "jitter",  "infill", "oversample", "lua"};

/* What strength means per method, and its default: a share of phrases or
 * facts; jitter's multiple of the measured noise; oversampling's target
 * ratio of each class to the most frequent. */
static const double default_strength[AUG_METHODS] = {0.3, 0.2, 0.2, 0.2, 0.5, 0.2, 0.2, 1.0};

void augment_opts_init(struct augment_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int m = 0; m < AUG_METHODS; m++)
		o->strength[m] = -1;
	o->n = 1;
	o->seed = 42;
	o->lua_limit = SANDBOX_DEFAULT_INSTRUCTIONS;
}

const char *augment_method_name(int method)
{
	return method >= 0 && method < AUG_METHODS ? method_names[method] : "?";
}

static int method_named(const char *name, size_t len)
{
	for (int m = 0; m < AUG_METHODS; m++)
		if (strlen(method_names[m]) == len && strncmp(method_names[m], name, len) == 0)
			return m;
	return -1;
}

int augment_parse_methods(const char *list, unsigned *methods, struct err *e)
{
	*methods = 0;
	if (strcmp(list, "all") == 0) {
		/* every method that needs nothing more than the data */
		*methods = (1u << AUG_SYNONYM) | (1u << AUG_SWAP) | (1u << AUG_DELETE) | (1u << AUG_INSERT) |
		           (1u << AUG_JITTER) | (1u << AUG_OVERSAMPLE);
		return 0;
	}
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		int m = method_named(p, len);
		if (m < 0)
			return err_set(e, "unknown augmentation method '%.*s' (synonym, swap, delete, insert, jitter, infill, "
			                  "oversample, lua, or all)",
			               (int)len, p);
		*methods |= 1u << m;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*methods)
		return err_set(e, "no augmentation method named");
	return 0;
}

int augment_parse_strength(const char *spec, struct augment_opts *o, struct err *e)
{
	const char *eq = strchr(spec, '=');
	int m = eq ? method_named(spec, (size_t)(eq - spec)) : -1;
	if (m < 0)
		return err_set(e, "--strength %s: expected METHOD=X with a method name", spec);
	char *end;
	double x = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !(x > 0) || (m != AUG_JITTER && m != AUG_LUA && x > 1) || x > 100)
		return err_set(e, "--strength %s: expected a number in (0, 1]%s", spec,
		               m == AUG_JITTER ? " or a multiple of the noise up to 100" : "");
	o->strength[m] = x;
	return 0;
}

double augment_strength(const struct augment_opts *o, int method)
{
	return o->strength[method] > 0 ? o->strength[method] : default_strength[method];
}
