#ifndef LATHE_PREP_WORDPIECE_H
#define LATHE_PREP_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* A WordPiece vocabulary, as BERT uses: text is normalized (NFKC, case
 * folding), split on blanks and punctuation, with each CJK character and
 * each digit a word of its own (so numbers cannot blow up the vocabulary);
 * a word becomes the longest vocabulary pieces from its left, continuing
 * pieces written "##piece", or [UNK] when it cannot be spelled. */
enum {
	WORDPIECE_PAD,
	WORDPIECE_UNK,
	WORDPIECE_CLS,
	WORDPIECE_SEP,
	WORDPIECE_MASK,
	WORDPIECE_SPECIALS
};

struct wordpiece;

/* Learns a vocabulary of at most vocab_size tokens from texts: the special
 * tokens, every character seen, then merges of adjacent pieces chosen by
 * WordPiece's likelihood score (pair count over the product of the two
 * pieces' counts). Deterministic: ties go to the more frequent pair, then
 * to the smaller merged string. */
struct wordpiece *wordpiece_train(const char *const *texts, size_t n, size_t vocab_size, struct err *e);
/* Rebuilds a vocabulary from its tokens in id order (a saved one). */
struct wordpiece *wordpiece_from_tokens(const char *const *tokens, size_t n, struct err *e);
void wordpiece_free(struct wordpiece *wp);
size_t wordpiece_size(const struct wordpiece *wp);
const char *wordpiece_token(const struct wordpiece *wp, int32_t id);
/* The id of a token, or -1. */
int32_t wordpiece_find(const struct wordpiece *wp, const char *token);
/* Writes up to max ids of text (no [CLS]/[SEP]); returns how many the
 * whole text needs, which may exceed max. */
size_t wordpiece_encode(const struct wordpiece *wp, const char *text, int32_t *ids, size_t max);

#endif
