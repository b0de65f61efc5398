/* tls.c: HTTPS: the TLS transport (OpenSSL 3) and its one context. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "tls.h"

/*
 * TLS 1.2: ECDHE key exchange with an AEAD only, so every session has
 * forward secrecy. TLS 1.3's own suites all have it already.
 */
#define TLS12_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_GROUPS "X25519:P-256:P-384"

/*
 * Session ticket keys: made by the master before it forks (tls_tickets_
 * rotate), so that every worker of a generation opens every other's
 * tickets; each reload makes a new one and keeps the one before for
 * decryption, so that tickets issued before a reload still resume.
 * Process-wide like the configuration: written only in the master.
 */
struct ticket_key {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
};
static struct ticket_key tickets[2]; /* [0]: current, [1]: previous */
static int nticket_keys;

static const unsigned char alpn_http11[] = { 8, 'h', 't', 't', 'p', '/', '1',
	'.', '1' };

/*
 * "TLSv1.2 TLSv1.3" (either order), or one of them: the lowest and the
 * highest version allowed. Returns 0, or -1 for anything else (TLS 1.0
 * and 1.1 are refused: no forward secrecy guaranteed, deprecated).
 */
int
tls_protocols_parse(const char *s, int *min, int *max)
{
	int v12 = 0, v13 = 0;
	size_t n;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		n = strcspn(s, " \t,");
		if (n == 7 && memcmp(s, "TLSv1.2", 7) == 0)
			v12 = 1;
		else if (n == 7 && memcmp(s, "TLSv1.3", 7) == 0)
			v13 = 1;
		else
			return -1;
		s += n;
	}
	if (!v12 && !v13)
		return -1;
	*min = v12 ? TLS1_2_VERSION : TLS1_3_VERSION;
	*max = v13 ? TLS1_3_VERSION : TLS1_2_VERSION;
	return 0;
}

/* [tls] protocols, for the schema: 0, or -1 and why. */
int
tls_protocols_check(const char *s, char *why, size_t len)
{
	int min, max;

	if (tls_protocols_parse(s, &min, &max) == 0)
		return 0;
	snprintf(why, len, "must be TLSv1.2, TLSv1.3 or both");
	return -1;
}

/* The first OpenSSL error in the queue, as text; clears the queue. */
static const char *
ssl_error(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, alpn_http11,
		sizeof(alpn_http11), in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL; /* only http/1.1 is spoken */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/*
 * Makes a new current ticket key, the old one becoming the previous.
 * The master calls it before the first fork and on each good reload.
 * Returns 0, or -1 if the random generator fails (tickets keep their
 * keys).
 */
int
tls_tickets_rotate(void)
{
	struct ticket_key k;

	if (RAND_bytes(k.name, sizeof(k.name)) != 1 ||
	    RAND_bytes(k.aes, sizeof(k.aes)) != 1 ||
	    RAND_bytes(k.hmac, sizeof(k.hmac)) != 1) {
		ERR_clear_error();
		return -1;
	}
	tickets[1] = tickets[0];
	tickets[0] = k;
	if (nticket_keys < 2)
		nticket_keys++;
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

static int
ticket_mac_init(EVP_MAC_CTX *hctx, struct ticket_key *k)
{
	static char sha256[] = "SHA256";
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    k->hmac, sizeof(k->hmac));
	params[1] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0);
	params[2] = OSSL_PARAM_construct_end();
	return EVP_MAC_CTX_set_params(hctx, params);
}

/*
 * OpenSSL's ticket callback: enc, seal a new ticket with the current
 * key; else open one with the key its name names: 1 (current), 2
 * (previous: OpenSSL then issues a new ticket), 0 (unknown or none: a
 * full handshake).
 */
static int
ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	int i;

	if (nticket_keys == 0)
		return 0;
	if (enc) {
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
			return -1;
		memcpy(name, tickets[0].name, 16);
		if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
			tickets[0].aes, iv) != 1 ||
		    ticket_mac_init(hctx, &tickets[0]) != 1)
			return -1;
		return 1;
	}
	for (i = 0; i < nticket_keys; i++)
		if (memcmp(name, tickets[i].name, 16) == 0)
			break;
	if (i == nticket_keys)
		return 0;
	if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, tickets[i].aes,
		iv) != 1 ||
	    ticket_mac_init(hctx, &tickets[i]) != 1)
		return -1;
	return i == 0 ? 1 : 2;
}

/* Refuses a certificate outside its validity period. */
static int
cert_dates_ok(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);

	if (x == NULL) {
		snprintf(err, errlen, "%s: no certificate", path);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		snprintf(err, errlen, "%s: the certificate has expired", path);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		snprintf(err, errlen, "%s: the certificate is not valid yet",
		    path);
		return -1;
	}
	return 0;
}

/*
 * One SSL_CTX for one certificate and its key, everything else the same
 * for all; reads both files now. Returns it, or NULL with err set ("[tls]
 * KEY: ...": what for the certificate, what2 for the key) and *bad
 * naming the key at fault.
 */
static SSL_CTX *
ctx_one(const char *cert, const char *key, int min, int max, const char *what,
    const char *what2, enum tls_key kc, enum tls_key kk, char *err,
    size_t errlen, enum tls_key *bad)
{
	SSL_CTX *ctx;
	char e[256];

	*bad = kc;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "[tls]: %s", ssl_error(e, sizeof(e)));
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "[tls] %s: %s: %s", what, cert,
		    ssl_error(e, sizeof(e)));
		goto fail;
	}
	if (cert_dates_ok(ctx, cert, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "[tls] %s: %s", what, e);
		goto fail;
	}
	*bad = kk;
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) !=
		X509_R_KEY_VALUES_MISMATCH) {
		snprintf(err, errlen, "[tls] %s: %s: %s", what2, key,
		    ssl_error(e, sizeof(e)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen,
		    "[tls] %s: %s does not match the certificate %s", what2,
		    key, cert);
		goto fail;
	}
	*bad = TLS_KEY_PROTOCOLS;
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, max) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
		snprintf(err, errlen, "[tls] protocols: %s",
		    ssl_error(e, sizeof(e)));
		goto fail;
	}
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
		SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/*
	 * Idle connections hold no record buffers; a write reports each
	 * record as it goes, like send(2); reads take what the socket has
	 * in one read(2) instead of a header, then a body.
	 */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1);
	/*
	 * Resumption by tickets only, with the master's keys (see tickets
	 * above). A per-worker session cache would only hold memory.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* What the workers inherit: the default context, then the SNI ones. */
struct tls_set {
	SSL_CTX **ctx;
	size_t n;
};

/*
 * SNI: the first context whose certificate names the host the client
 * asked for (X509_check_host: subjectAltName, wildcards included); the
 * default one when none does or no name was sent.
 */
static int
servername_cb(SSL *ssl, int *alert, void *arg)
{
	const struct tls_set *set = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	size_t i;

	if (name == NULL)
		return SSL_TLSEXT_ERR_OK;
	for (i = 0; i < set->n; i++)
		if (X509_check_host(SSL_CTX_get0_certificate(set->ctx[i]), name,
			0, 0, NULL) == 1) {
			if (i > 0)
				SSL_set_SSL_CTX(ssl, set->ctx[i]);
			break;
		}
	return SSL_TLSEXT_ERR_OK;
}

/* A path of [tls] sni, relative to the configuration's folder. */
static char *
sni_path(const struct conf *c, const char *p)
{
	char *s;

	if (*p == '/')
		return strdup(p);
	return asprintf(&s, "%s/%s", c->dir, p) == -1 ? NULL : s;
}

/*
 * The SSL contexts, built by the master from [tls] (reading every
 * certificate and key now, so that workers never open them) and
 * inherited by every worker: [tls] certificate and key, then each pair
 * of [tls] sni. Returns them, or NULL with err set and *bad naming the
 * key at fault.
 */
void *
tls_ctx_build(const struct conf *c, char *err, size_t errlen, enum tls_key *bad)
{
	struct tls_set *set;
	char *cert = NULL, *key = NULL;
	size_t i, n;
	int min, max;

	*bad = TLS_KEY_PORT;
	if (c->tls_certificate == NULL || c->tls_key == NULL) {
		snprintf(err, errlen,
		    "[tls] port: needs [tls] certificate and key");
		return NULL;
	}
	if (c->tls_sni.n % 2 != 0) {
		*bad = TLS_KEY_SNI;
		snprintf(err, errlen,
		    "[tls] sni: must list certificate and key paths in pairs");
		return NULL;
	}
	if (tls_protocols_parse(c->tls_protocols, &min, &max) == -1) {
		*bad = TLS_KEY_PROTOCOLS;
		snprintf(err, errlen,
		    "[tls] protocols: must be TLSv1.2, TLSv1.3 or both, not \"%s\"",
		    c->tls_protocols);
		return NULL;
	}
	n = 1 + c->tls_sni.n / 2;
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->ctx = calloc(n, sizeof(SSL_CTX *))) == NULL) {
		free(set);
		snprintf(err, errlen, "[tls]: out of memory");
		return NULL;
	}
	set->ctx[0] =
	    ctx_one(c->tls_certificate, c->tls_key, min, max, "certificate",
		"key", TLS_KEY_CERTIFICATE, TLS_KEY_KEY, err, errlen, bad);
	if (set->ctx[0] == NULL)
		goto fail;
	set->n = 1;
	for (i = 1; i < n; i++) {
		cert = sni_path(c, c->tls_sni.v[2 * i - 2]);
		key = sni_path(c, c->tls_sni.v[2 * i - 1]);
		if (cert == NULL || key == NULL) {
			*bad = TLS_KEY_SNI;
			snprintf(err, errlen, "[tls] sni: out of memory");
			goto fail;
		}
		set->ctx[i] = ctx_one(cert, key, min, max, "sni", "sni",
		    TLS_KEY_SNI, TLS_KEY_SNI, err, errlen, bad);
		free(cert);
		free(key);
		cert = key = NULL;
		if (set->ctx[i] == NULL)
			goto fail;
		set->n++;
	}
	for (i = 0; set->n > 1 && i < set->n; i++) {
		SSL_CTX_set_tlsext_servername_callback(set->ctx[i],
		    servername_cb);
		SSL_CTX_set_tlsext_servername_arg(set->ctx[i], set);
	}
	/* kTLS: OpenSSL hands the keys to the kernel after each handshake */
	for (i = 0; c->tls_ktls && i < set->n; i++)
		SSL_CTX_set_options(set->ctx[i], SSL_OP_ENABLE_KTLS);
	return set;
fail:
	free(cert);
	free(key);
	tls_ctx_free(set);
	return NULL;
}

void
tls_ctx_free(void *p)
{
	struct tls_set *set = p;
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		SSL_CTX_free(set->ctx[i]);
	free(set->ctx);
	free(set);
}

/* Tries to open one key file as the worker; says what it found. */
static void
key_check(const char *path)
{
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd != -1) {
		close(fd);
		log_warnx("tls: %s is readable by the worker: a flaw in a "
			  "request's path could leak it (sandbox = off?)",
		    path);
	} else if (log_debug_on)
		log_debug("tls: the worker cannot read %s: %s", path,
		    strerror(errno));
}

/*
 * Called by a worker once it has dropped its privileges and confined
 * itself: the keys live in the SSL contexts the master built, and the
 * files must be out of reach now. Opens each [tls] key file (key, and
 * the keys of sni) and warns about one it can open.
 */
void
tls_keys_check(const struct conf *c)
{
	char *key;
	size_t i;

	key_check(c->tls_key);
	for (i = 1; i < c->tls_sni.n; i += 2)
		if ((key = sni_path(c, c->tls_sni.v[i])) != NULL) {
			key_check(key);
			free(key);
		}
}

/* Puts a new TLS session over t's socket; 0, or -1 (out of memory). */
int
tls_open(struct transport *t, void *ctxs)
{
	const struct tls_set *set = ctxs;
	SSL *ssl;

	if ((ssl = SSL_new(set->ctx[0])) == NULL ||
	    SSL_set_fd(ssl, t->fd) != 1) {
		SSL_free(ssl);
		ERR_clear_error();
		return -1;
	}
	SSL_set_accept_state(ssl);
	t->ops = &transport_tls;
	t->engine = ssl;
	t->handshaking = 1;
	t->broken = 0;
	return 0;
}

/* The negotiated version ("TLSv1.3"), for the access log. */
const char *
tls_version(const struct transport *t)
{
	return t->engine != NULL ? SSL_get_version(t->engine) : "-";
}

/*
 * Turns what SSL_get_error says about a call that moved nothing into
 * the syscall convention: -1 and EAGAIN with t->want, 0 at the peer's
 * close, -1 and EPROTO (or the socket's errno) when the session is
 * over.
 */
static ssize_t
tls_fail(struct transport *t, int rc)
{
	int se = SSL_get_error(t->engine, rc), saved = errno;

	switch (se) {
	case SSL_ERROR_WANT_READ:
		t->want = TRANSPORT_WANT_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		t->want = TRANSPORT_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		t->broken = 1;
		ERR_clear_error();
		if (saved == 0)
			return 0;
		errno = saved;
		return -1;
	default:
		t->broken = 1;
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

/*
 * The handshake is over: which way files go. With [tls] ktls and a
 * kernel that took the session's keys (its tls module, a cipher it
 * knows), by SSL_sendfile, zero copy; otherwise read into the output
 * buffer and written in whole records. Said once per worker for each
 * way (and for each connection with GUAD_DEBUG).
 */
static void
handshake_done(struct transport *t)
{
	static const char *const how[3] = {
		"ktls = off: files are read and written in whole TLS records",
		"ktls = on, but the kernel did not take the session (no tls "
		"module, or not this cipher): files are read and written in "
		"whole TLS records",
		"ktls = on: files go by SSL_sendfile, encrypted by the kernel",
	};
	static unsigned said; /* bit i: how[i] is in the log */
	SSL *ssl = t->engine;
	int way = 0;

	if (SSL_get_options(ssl) & SSL_OP_ENABLE_KTLS)
		way = BIO_get_ktls_send(SSL_get_wbio(ssl)) ? 2 : 1;
	if (way == 2)
		t->ops = &transport_tls_ktls;
	if (!(said & (1U << way))) {
		said |= 1U << way;
		log_info("tls: %s", how[way]);
	}
	if (log_debug_on)
		log_debug("tls: %s %s: kTLS send %s", SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl),
		    way == 2	   ? "on"
			: way == 1 ? "refused"
				   : "not asked");
}

static ssize_t
tls_read(struct transport *t, void *p, size_t len)
{
	size_t n;
	int rc;

	errno = 0;
	rc = SSL_read_ex(t->engine, p, len, &n);
	if (t->handshaking &&
	    !(t->handshaking = !SSL_is_init_finished((SSL *)t->engine)))
		handshake_done(t);
	return rc == 1 ? (ssize_t)n : tls_fail(t, rc);
}

static ssize_t
tls_writev(struct transport *t, struct iovec *iov, int niov, int more)
{
	size_t n, total = 0;
	int i, rc;

	for (i = 0; i < niov; i++) {
		errno = 0;
		rc = SSL_write_ex(t->engine, iov[i].iov_base, iov[i].iov_len,
		    &n);
		if (rc != 1)
			return total > 0 ? (ssize_t)total : tls_fail(t, rc);
		total += n;
		if (n < iov[i].iov_len)
			break;
	}
	return (ssize_t)total;
}

/*
 * A file through the kernel's TLS (only once handshake_done saw that it
 * took the keys): as sendfile(2), moving *off.
 */
static ssize_t
tls_sendfile(struct transport *t, int fd, off_t *off, size_t len)
{
	ossl_ssize_t n;

	errno = 0;
	n = SSL_sendfile(t->engine, fd, *off, len, 0);
	if (n > 0) {
		*off += (off_t)n;
		return (ssize_t)n;
	}
	return tls_fail(t, (int)n);
}

/* Sends close_notify once; the socket's own direction stays open. */
static int
tls_shutdown(struct transport *t)
{
	if (!t->broken && !t->handshaking && SSL_shutdown(t->engine) < 0)
		ERR_clear_error();
	return shutdown(t->fd, SHUT_WR);
}

/*
 * From a signal handler, the worker about to _exit: not async-signal-
 * safe (SSL_write may allocate a buffer); the handler that is stuck
 * does not run inside OpenSSL, and if it holds the allocator's lock the
 * master's SIGKILL ends the wait.
 */
static void
tls_last_words(struct transport *t, const void *p, size_t len)
{
	size_t n;

	if (!t->broken && !t->handshaking)
		(void)SSL_write_ex(t->engine, p, len, &n);
}

static void
tls_close(struct transport *t)
{
	SSL *ssl = t->engine;

	if (ssl != NULL) {
		/* a close_notify, if the session is sound: one write */
		if (!t->broken && !t->handshaking &&
		    !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) &&
		    SSL_shutdown(ssl) < 0)
			ERR_clear_error();
		SSL_free(ssl);
	}
	t->engine = NULL;
	close(t->fd); /* also leaves the epoll set */
	t->fd = -1;
}

const struct transport_ops transport_tls = {
	.name = "tls",
	.read = tls_read,
	.writev = tls_writev,
	.sendfile = NULL, /* files in whole records, through a buffer */
	.shutdown = tls_shutdown,
	.last_words = tls_last_words,
	.close = tls_close,
	.short_read_drains = 0,
};

/* The same, once the kernel encrypts: files go by SSL_sendfile. */
const struct transport_ops transport_tls_ktls = {
	.name = "tls",
	.read = tls_read,
	.writev = tls_writev,
	.sendfile = tls_sendfile,
	.shutdown = tls_shutdown,
	.last_words = tls_last_words,
	.close = tls_close,
	.short_read_drains = 0,
};
