// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-cachename: the name of the backing file cachefiles keeps for a file
 * of a 9p mount with cache=fscache.
 *
 *   fsrs-cachename FILE...
 *
 * 9p keys a file's cookie by its qid path, a little-endian u64
 * (v9fs_cache_inode_get_cookie()); the client's inode number is that path
 * plus 2 (QID2INO() on 64-bit). Prints, one line per FILE, the name
 * cachefiles makes of that key (cachefiles_cook_key(): "D<key>" for a
 * printable key, "S"/"T" 32-bit words in hex, or "E" and base64), to be
 * looked for in the volume's fan-out directories. Exits 1 if a FILE
 * cannot be stat'ed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char charmap[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";

static int printable(unsigned char c)
{
	return (c >= 33 && c <= 46) || (c >= 48 && c <= 127);
}

static unsigned int hex_digits(uint32_t x)
{
	unsigned int n = 0;

	while (x) {
		n++;
		x >>= 4;
	}
	return n;
}

/* The key's 32-bit word at i, zero-padded as fscache pads keys. */
static uint32_t word(const unsigned char *key, size_t len, size_t i, int big)
{
	unsigned char b[4] = { 0 };

	for (int j = 0; j < 4; j++)
		if (i + j < len)
			b[j] = key[i + j];
	if (big)
		return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0];
}

static void cook(const unsigned char *key, size_t len, char *out)
{
	size_t i, n = (len + 3) / 4 * 4, o = 0;
	unsigned int nbe = 0, nle = 0, groups, pad, b64len;
	int print = 1;

	for (i = 0; i < len; i++)
		print &= printable(key[i]);
	if (print) {
		out[o++] = 'D';
		memcpy(out + o, key, len);
		out[o + len] = 0;
		return;
	}
	for (i = 0; i < n; i += 4) {
		nbe += 1 + hex_digits(word(key, len, i, 1));
		nle += 1 + hex_digits(word(key, len, i, 0));
	}
	groups = (len + 2) / 3;
	pad = groups * 3 - len;
	b64len = 2 + groups * 4;
	if (nbe < b64len || nle < b64len) {
		int big = nbe <= nle;
		char sep = big ? 'S' : 'T';

		for (i = 0; i < n; i += 4) {
			uint32_t x = word(key, len, i, big);

			out[o++] = sep;
			if (x)
				o += sprintf(out + o, "%x", x);
			sep = ',';
		}
		out[o] = 0;
		return;
	}
	out[o++] = 'E';
	out[o++] = '0' + pad;
	for (i = 0; i < len; i += 3) {
		uint32_t acc = key[i];

		if (i + 1 < len)
			acc |= key[i + 1] << 8;
		if (i + 2 < len)
			acc |= key[i + 2] << 16;
		for (int j = 0; j < 4; j++, acc >>= 6)
			out[o++] = charmap[acc & 63];
	}
	out[o] = 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int a = 1; a < argc; a++) {
		unsigned char key[8];
		char name[64];
		struct stat st;
		uint64_t path;

		if (stat(argv[a], &st) < 0) {
			perror(argv[a]);
			rc = 1;
			continue;
		}
		path = (uint64_t)st.st_ino - 2;
		for (int i = 0; i < 8; i++)
			key[i] = path >> (8 * i);
		cook(key, sizeof(key), name);
		printf("%s\n", name);
	}
	return rc;
}
