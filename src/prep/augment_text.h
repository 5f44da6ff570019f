#ifndef LATHE_PREP_AUGMENT_TEXT_H
#define LATHE_PREP_AUGMENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "base/rng.h"

/* Edits of a textualized sample at the level of its facts (the phrases
 * between separators, "torque high; tool wear low"), in the manner of
 * EDA (Wei and Zou, 2019), and synonym replacement. Each returns a new
 * text (caller frees); strength is a fraction in (0, 1]. */

/* The facts of a text split at sep; caller frees with facts_free. */
size_t facts_split(const char *text, const char *sep, char ***out);
void facts_free(char **facts, size_t n);
/* The facts joined with sep; caller frees. */
char *facts_join(char *const *facts, size_t n, const char *sep);

/* Swaps max(1, strength * n / 2) random pairs of facts. */
char *augment_swap(const char *text, const char *sep, double strength, struct rng *r);
/* Drops each fact with probability strength, at least one and never
 * all. */
char *augment_delete(const char *text, const char *sep, double strength, struct rng *r);
/* Inserts max(1, strength * n) facts drawn from donor (another sample of
 * the same class) at random places. */
char *augment_insert(const char *text, const char *donor, const char *sep, double strength, struct rng *r);

/* A synonym table: phrases and the words that may stand for them. */
struct synonyms;

struct synonyms *synonyms_new(void);
void synonyms_free(struct synonyms *s);
void synonyms_add(struct synonyms *s, const char *phrase, const char *alternative);
size_t synonyms_count(const struct synonyms *s);
/* Replaces each phrase of the table found in text (longest first; with
 * words set, only whole words) by one of its alternatives with
 * probability strength, and at least one when any is found. */
char *augment_synonyms(const char *text, const struct synonyms *s, bool words, double strength, struct rng *r);

#endif
