/* Fact-level edits and synonym replacement: what they keep, what they
 * change, and that a seed repeats them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "prep/augment_text.h"
#include "tap.h"

static const char *const text = "type L; air temperature high; torque very high; tool wear low";

/* The facts of a text, sorted, joined: equal for reorderings. */
static char *sorted_facts(const char *s)
{
	char **f;
	size_t n = facts_split(s, "; ", &f);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(f[j - 1], f[j]) > 0; j--) {
			char *t = f[j];
			f[j] = f[j - 1];
			f[j - 1] = t;
		}
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(f[i]) + 1;
	char *out = calloc(len, 1);
	for (size_t i = 0; i < n; i++)
		strcat(strcat(out, f[i]), "|");
	facts_free(f, n);
	return out;
}

static size_t count_facts(const char *s)
{
	char **f;
	size_t n = facts_split(s, "; ", &f);
	facts_free(f, n);
	return n;
}

int main(void)
{
	struct rng r, r2;
	char **f;
	size_t n = facts_split(text, "; ", &f);
	ok(n == 4 && strcmp(f[1], "air temperature high") == 0, "four facts");
	facts_free(f, n);
	n = facts_split("温度正常；压力很高", "；", &f);
	ok(n == 2 && strcmp(f[1], "压力很高") == 0, "Chinese facts split at the full-width semicolon");
	facts_free(f, n);

	rng_seed(&r, 1);
	char *s = augment_swap(text, "; ", 0.5, &r), *a = sorted_facts(s), *b = sorted_facts(text);
	ok(strcmp(s, text) != 0 && strcmp(a, b) == 0, "swap reorders the same facts: %s", s);
	free(s), free(a);

	rng_seed(&r, 2);
	s = augment_delete(text, "; ", 0.01, &r);
	ok(count_facts(s) == 3, "delete drops one fact even when chance drops none: %s", s);
	free(s);
	rng_seed(&r, 3);
	s = augment_delete(text, "; ", 1.0, &r);
	ok(count_facts(s) == 1, "and keeps one even when chance drops all: %s", s);
	free(s);

	rng_seed(&r, 4);
	s = augment_insert(text, "type M; rotational speed low", "; ", 0.5, &r);
	ok(count_facts(s) == 6 && strstr(s, "torque very high") != NULL, "insert adds donor facts and keeps the rest: %s", s);
	free(s);

	struct synonyms *syn = synonyms_new();
	synonyms_add(syn, "high", "elevated");
	synonyms_add(syn, "very high", "extremely high");
	synonyms_add(syn, "low", "reduced");
	rng_seed(&r, 5);
	s = augment_synonyms(text, syn, true, 1.0, &r);
	is_str(s, "type L; air temperature elevated; torque extremely high; tool wear reduced",
	       "every phrase replaced, the longest match first");
	free(s);
	s = augment_synonyms("highway lowland", syn, true, 1.0, &r);
	is_str(s, "highway lowland", "whole words only");
	free(s);
	rng_seed(&r, 6);
	s = augment_synonyms(text, syn, true, 0.001, &r);
	ok(strcmp(s, text) != 0, "one replacement at least: %s", s);
	free(s);
	struct synonyms *zh = synonyms_new();
	synonyms_add(zh, "很高", "极高");
	s = augment_synonyms("温度正常；压力很高", zh, false, 1.0, &r);
	is_str(s, "温度正常；压力极高", "Chinese without word boundaries");
	free(s);

	/* The same seed, the same edits. */
	rng_seed(&r, 9);
	rng_seed(&r2, 9);
	int same = 1;
	for (int i = 0; i < 20; i++) {
		char *x = augment_synonyms(text, syn, true, 0.5, &r), *y = augment_synonyms(text, syn, true, 0.5, &r2);
		same &= strcmp(x, y) == 0;
		free(x), free(y);
	}
	ok(same, "a seed repeats its edits");
	synonyms_free(syn);
	synonyms_free(zh);
	free(b);
	return tap_done();
}
