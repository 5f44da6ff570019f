#include "config.h"
#include "sha256.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

static void to_hex(struct sha256_ctx *ctx, char hex[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(ctx, sizeof d, d);
	for (size_t i = 0; i < sizeof d; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

int sha256_file(const char *path, char hex[65], struct err *e)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return err_at(e, path, 0, "cannot open: %s", strerror(errno));
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	unsigned char buf[1 << 16];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
		sha256_update(&ctx, got, buf);
	int bad = ferror(fp);
	fclose(fp);
	if (bad)
		return err_at(e, path, 0, "read error");
	to_hex(&ctx, hex);
	return 0;
}

void sha256_text(const char *s, size_t n, char hex[65])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, n, (const uint8_t *)s);
	to_hex(&ctx, hex);
}
