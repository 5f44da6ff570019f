#include "config.h"

#include <stdlib.h>
#include "prep/wordpiece.h"
#include "tap.h"

static const char *const corpus[] = {
	"type L; air temperature normal; torque very high; tool wear high",
	"type M; air temperature high; torque normal; tool wear very high",
	"type H; air temperature low; torque high; tool wear normal",
	"温度很高；压力低；振动在最近10次读数中快速上升",
	"温度正常；压力正常；振动正常",
	"Bearing noise at 1450 rpm, replaced 2024-03-01",
};
#define N (sizeof corpus / sizeof *corpus)

static char *decode(const struct wordpiece *wp, const int32_t *ids, size_t n)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, wordpiece_token(wp, ids[i]));
	}
	return buf;
}

int main(void)
{
	struct err e;
	struct wordpiece *wp = wordpiece_train(corpus, N, 300, &e);
	ok(wp != NULL, "trains");
	ok(wordpiece_size(wp) <= 300, "within the size asked (%zu)", wordpiece_size(wp));
	is_str(wordpiece_token(wp, WORDPIECE_PAD), "[PAD]", "special tokens first");
	is_str(wordpiece_token(wp, WORDPIECE_MASK), "[MASK]", "[MASK]");
	int32_t ids[64];
	size_t n = wordpiece_encode(wp, "Torque VERY high; tool wear high", ids, 64);
	is_str(decode(wp, ids, n), "torque very high ; tool wear high", "common words become whole tokens, case folded");
	n = wordpiece_encode(wp, "温度很高", ids, 64);
	is_str(decode(wp, ids, n), "温 度 很 高", "one token per CJK character");
	n = wordpiece_encode(wp, "9876 rpm", ids, 64);
	is_str(decode(wp, ids, n), "9 8 7 6 rpm", "numbers as digits");
	n = wordpiece_encode(wp, "ｔｏｒｑｕｅ", ids, 64);
	is_str(decode(wp, ids, n), "torque", "NFKC folds full-width letters");
	n = wordpiece_encode(wp, "torques", ids, 64);
	ok(n >= 2 && strcmp(wordpiece_token(wp, ids[0]), "torque") == 0 && wordpiece_token(wp, ids[1])[0] == '#',
	   "an unseen word in pieces: %s", decode(wp, ids, n));
	n = wordpiece_encode(wp, "zebra", ids, 64);
	ok(n >= 1 && ids[0] != WORDPIECE_UNK, "any ASCII word can be spelled: %s", decode(wp, ids, n));
	n = wordpiece_encode(wp, "Ωμέγα", ids, 64);
	is_str(decode(wp, ids, n), "[UNK]", "a word that cannot be spelled is [UNK]");
	n = wordpiece_encode(wp, "type L; type L; type L", ids, 3);
	is_int(n, 8, "reports the full length when truncating");

	struct wordpiece *again = wordpiece_train(corpus, N, 300, &e);
	int same = wordpiece_size(again) == wordpiece_size(wp);
	for (size_t i = 0; same && i < wordpiece_size(wp); i++)
		same = strcmp(wordpiece_token(wp, (int32_t)i), wordpiece_token(again, (int32_t)i)) == 0;
	ok(same, "deterministic");
	wordpiece_free(again);

	const char **tokens = malloc(wordpiece_size(wp) * sizeof *tokens);
	for (size_t i = 0; i < wordpiece_size(wp); i++)
		tokens[i] = wordpiece_token(wp, (int32_t)i);
	struct wordpiece *loaded = wordpiece_from_tokens(tokens, wordpiece_size(wp), &e);
	int32_t a[64], b[64];
	size_t na = wordpiece_encode(wp, corpus[3], a, 64), nb = wordpiece_encode(loaded, corpus[3], b, 64);
	ok(loaded && na == nb && memcmp(a, b, na * sizeof *a) == 0, "a saved vocabulary encodes the same");
	is_int(wordpiece_find(loaded, "torque"), wordpiece_find(wp, "torque"), "same ids");
	tokens[7] = tokens[6];
	ok(wordpiece_from_tokens(tokens, wordpiece_size(wp), &e) == NULL && strstr(e.msg, "repeated"), "a repeated token refused");
	tokens[0] = "[UNK]";
	ok(wordpiece_from_tokens(tokens, wordpiece_size(wp), &e) == NULL && strstr(e.msg, "special"), "specials checked");
	free(tokens);
	wordpiece_free(loaded);

	struct wordpiece *small = wordpiece_train(corpus, N, 180, &e);
	ok(small && wordpiece_size(small) == 180, "a small vocabulary stops at its size");
	wordpiece_free(small);
	ok(wordpiece_train(corpus, N, 50, &e) == NULL && strstr(e.msg, "too small"), "too small a size refused");
	wordpiece_free(wp);
	return tap_done();
}
