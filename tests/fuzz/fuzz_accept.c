/*
 * fuzz_accept.c: the Accept field, as the status route reads it.
 *
 * The input is one Accept value for handler_status_accepts_json, held
 * against a plain model: some comma-separated element whose media type
 * is application/json (case aside) and whose first q parameter, if any,
 * is not made of zeros and dots alone. Then the same bytes go in an
 * Accept field through http_parse_head; where the head is accepted,
 * handler_status_wants_json (which reads the field from the raw head)
 * must give the same answer.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <strings.h>

#include "fuzz.h"
#include "handler_status.h"
#include "http.h"

static const struct http_limits limits = {
	.request_line = 256,
	.header_size = 1024,
	.header_fields = 16,
	.body_size = 4096,
};

static char join[1024 + 1];

/* p without the spaces and tabs at both ends, in place. */
static char *
trim(char *p)
{
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		p[--n] = '\0';
	return p;
}

/* The model, on a NUL-terminated copy. */
static int
model(char *s)
{
	char *el, *next, *param, *pn, *v;
	int zero;

	for (el = s; el != NULL; el = next) {
		if ((next = strchr(el, ',')) != NULL)
			*next++ = '\0';
		if ((param = strchr(el, ';')) != NULL)
			*param++ = '\0';
		if (strcasecmp(trim(el), "application/json") != 0)
			continue;
		zero = 0;
		for (; param != NULL; param = pn) {
			if ((pn = strchr(param, ';')) != NULL)
				*pn++ = '\0';
			while (*param == ' ' || *param == '\t')
				param++;
			if ((param[0] == 'q' || param[0] == 'Q') &&
			    param[1] == '=') {
				v = param + 2;
				v += strspn(v, "0.");
				zero = *trim(v) == '\0';
				break;
			}
		}
		if (!zero)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: x\r\nAccept: ";
	struct http_request req;
	char *v = fuzz_dup(data, size), *s, *head;
	size_t scanned = 0, hlen = sizeof(pre) - 1 + size + 4;
	int got = handler_status_accepts_json(size > 0 ? v : "", size), want;

	if (memchr(v, '\0', size) == NULL) {
		if ((s = malloc(size + 1)) == NULL)
			abort();
		memcpy(s, v, size);
		s[size] = '\0';
		want = model(s);
		free(s);
		FUZZ_CHECK(got == want);
	}
	if ((head = malloc(hlen)) == NULL)
		abort();
	memcpy(head, pre, sizeof(pre) - 1);
	memcpy(head + sizeof(pre) - 1, v, size);
	memcpy(head + sizeof(pre) - 1 + size, "\r\n\r\n", 4);
	if (http_parse_head(&req, head, hlen, &scanned, &limits, join,
		sizeof(join)) == 0 &&
	    memchr(v, '\r', size) == NULL && memchr(v, '\n', size) == NULL)
		FUZZ_CHECK(handler_status_wants_json(&req) == got);
	free(head);
	free(v);
	return 0;
}
