#ifndef LATHE_PREP_VALUE_TOKENS_H
#define LATHE_PREP_VALUE_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include "prep/textualize.h"
#include "prep/wordpiece.h"

/* Where a text's value-aware facts sit among its tokens: each fact's
 * name, spelled in the vocabulary, is found in the token ids, and its
 * tokens carry the fact's value into the model's embedding. */
struct value_tokens;

struct value_tokens *value_tokens_new(const struct wordpiece *wp, const struct textualizer *tz);
void value_tokens_free(struct value_tokens *vt);
/* For the n token ids of one text, sets vfact[i] = k on the tokens of
 * value fact k's name and -1 elsewhere; x holds the text's readings
 * (textualize_readings). Facts are looked for in text order, each after
 * the one found before it; a fact whose reading is NAN (missing) or
 * whose name is not there (a rules script rewrote the text) marks
 * nothing. */
void value_tokens_mark(const struct value_tokens *vt, const int32_t *ids, size_t n, const float *x, int32_t *vfact);

#endif
