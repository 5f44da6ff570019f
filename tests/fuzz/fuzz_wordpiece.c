/* libFuzzer target for the tokenizer: the bytes up to the first NUL are a
 * vocabulary (one token a line, as a model file carries one), the rest a
 * text to encode with it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "base/err.h"
#include "prep/wordpiece.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t vlen = nul ? (size_t)(nul - data) : size;
	char *vocab = strndup((const char *)data, vlen);
	char *text = nul ? strndup((const char *)nul + 1, size - vlen - 1) : strdup("");
	if (!vocab || !text) {
		free(vocab);
		free(text);
		return 0;
	}
	const char *tokens[512];
	size_t n = 0;
	for (char *line = strtok(vocab, "\n"); line && n < 512; line = strtok(NULL, "\n"))
		tokens[n++] = line;
	struct err e;
	struct wordpiece *wp = wordpiece_from_tokens(tokens, n, &e);
	if (wp) {
		int32_t ids[256];
		size_t got = wordpiece_encode(wp, text, ids, 256);
		for (size_t i = 0; i < got && i < 256; i++)
			if (!wordpiece_token(wp, ids[i]))
				abort(); /* an id the vocabulary does not have */
		wordpiece_free(wp);
	}
	/* The same text through a vocabulary trained on it. */
	const char *texts[1] = {text};
	wp = wordpiece_train(texts, 1, 64, &e);
	if (wp) {
		int32_t ids[256];
		wordpiece_encode(wp, text, ids, 256);
		wordpiece_free(wp);
	}
	free(vocab);
	free(text);
	return 0;
}
