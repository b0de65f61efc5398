/*
 * fuzz_tls.c: the TLS transport's read path (tls.c) after the handshake.
 *
 * Once per process, guad's own SSL context is built by tls_ctx_build from
 * a certificate and key made at start (ECDSA P-256, written to temporary
 * files that are removed once read), with the master's ticket keys. For
 * each input, a non-blocking socketpair stands for a connection: the
 * server end goes through tls_open and is read only with the transport's
 * read, as conn.c reads it; an OpenSSL client on the other end completes
 * a real handshake (TLS 1.3, or 1.2 if the first byte says so). Then the
 * client writes the rest of the input as if it were records from the
 * peer, shuts its direction, and the server end is read until it ends.
 *
 * The first byte: bit 0, TLS 1.2; bit 1, a whole request first, as
 * application data the client encrypts; bits 2-3, how the rest goes:
 *   0: raw bytes on the socket;
 *   1: framed as records: each a type byte, a length byte and that many
 *      bytes, sent with a 5-byte record header, so that garbage passes
 *      the header checks and reaches decryption;
 *   2: application data the client encrypts, in writes whose sizes the
 *      data's bytes give: the server must read back exactly these bytes;
 *   3: a close_notify from the client, then raw bytes: the server must
 *      stop at the close_notify and never read what follows.
 *
 * Checks, beyond no crash, leak or undefined behaviour: the read ends
 * (every call makes progress, never "wait" once the peer's direction is
 * shut and everything it sent is in the socket: no loop); it ends with 0
 * (the peer's close) or -1 and an error, and when guad's engine refused
 * the bytes (EPROTO) the client receives a fatal alert; plaintext is read
 * back unchanged. Then the transport's close frees it all.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "tls.h"
#include "transport.h"

static void *server_ctx;
static SSL_CTX *client_ctx;

static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/* A self-signed ECDSA P-256 certificate for "localhost" and its key. */
static void
make_cert(const char *cert_path, const char *key_path)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;

	if (pk == NULL || x == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) == NULL ||
	    X509_set_pubkey(x, pk) != 1 ||
	    (n = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
		(const unsigned char *)"localhost", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, n) != 1 ||
	    X509_sign(x, pk, EVP_sha256()) == 0)
		fuzz_fail(__FILE__, __LINE__, "making the certificate");
	if ((f = fopen(cert_path, "w")) == NULL || PEM_write_X509(f, x) != 1 ||
	    fclose(f) != 0)
		fuzz_fail(__FILE__, __LINE__, "writing the certificate");
	if ((f = fopen(key_path, "w")) == NULL ||
	    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(f) != 0)
		fuzz_fail(__FILE__, __LINE__, "writing the key");
	X509_free(x);
	EVP_PKEY_free(pk);
}

/* guad's context, as the master builds it; the client's. */
static void
setup(void)
{
	static char protocols[] = "TLSv1.2 TLSv1.3";
	char dir[] = "/tmp/fuzz_tls.XXXXXX", cert[64], key[64], err[256];
	struct conf c;
	enum tls_key bad;

	if (mkdtemp(dir) == NULL)
		fuzz_fail(__FILE__, __LINE__, "mkdtemp");
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	make_cert(cert, key);
	memset(&c, 0, sizeof(c));
	c.tls_certificate = cert;
	c.tls_key = key;
	c.tls_protocols = protocols;
	if (tls_tickets_rotate() != 0 ||
	    (server_ctx = tls_ctx_build(&c, err, sizeof(err), &bad)) == NULL) {
		fprintf(stderr, "fuzz_tls: %s\n", err);
		abort();
	}
	unlink(cert);
	unlink(key);
	rmdir(dir);
	if ((client_ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_alpn_protos(client_ctx,
		(const unsigned char *)"\x08http/1.1", 9) != 0)
		fuzz_fail(__FILE__, __LINE__, "the client's context");
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
}

/* Writes all of p on the client's raw socket (it is large enough). */
static void
raw_write(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		FUZZ_CHECK(n > 0);
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

static void
client_write(SSL *cl, const void *p, size_t len)
{
	size_t n;

	FUZZ_CHECK(len == 0 || (SSL_write_ex(cl, p, len, &n) == 1 && n == len));
}

/*
 * The handshake: the client's steps and the server's reads in turn until
 * both are done; at most a few rounds. Returns 0, or -1 if it failed
 * (it must not, with these two ends).
 */
static int
handshake(struct transport *t, SSL *cl)
{
	char buf[64];
	int i, crc = 0;
	ssize_t n;

	for (i = 0; i < 16; i++) {
		if (crc != 1) {
			crc = SSL_do_handshake(cl);
			if (crc != 1 &&
			    SSL_get_error(cl, crc) != SSL_ERROR_WANT_READ)
				return -1;
		}
		n = t->ops->read(t, buf, sizeof(buf));
		if (n != -1 || errno != EAGAIN)
			return -1;
		if (crc == 1 && !t->handshaking)
			return 0;
	}
	return -1;
}

/* Mode 1: type, length and bytes, each sent as a whole record. */
static void
send_framed(int fd, const uint8_t *p, size_t len)
{
	uint8_t hdr[5];
	size_t n;

	while (len >= 2) {
		n = p[1];
		if (n > len - 2)
			n = len - 2;
		hdr[0] = p[0];
		hdr[1] = 3;
		hdr[2] = 3;
		hdr[3] = (uint8_t)(n >> 8);
		hdr[4] = (uint8_t)n;
		raw_write(fd, hdr, sizeof(hdr));
		raw_write(fd, p + 2, n);
		p += 2 + n;
		len -= 2 + n;
	}
	raw_write(fd, p, len);
}

/* Mode 2: the bytes as application data, in writes the bytes size. */
static void
send_plain(SSL *cl, const uint8_t *p, size_t len)
{
	size_t n;

	while (len > 0) {
		n = 1 + p[0] % 64;
		if (n > len)
			n = len;
		client_write(cl, p, n);
		p += n;
		len -= n;
	}
}

/*
 * After guad's engine refused the bytes: what it sent the client must
 * end in a fatal alert, which the client reads as an error whose reason
 * is an alert's.
 */
static void
check_alert(SSL *cl)
{
	char buf[512];
	size_t n;
	unsigned long e;
	int rc;

	for (;;) {
		rc = SSL_read_ex(cl, buf, sizeof(buf), &n);
		if (rc != 1)
			break;
	}
	FUZZ_CHECK(SSL_get_error(cl, rc) == SSL_ERROR_SSL);
	e = ERR_peek_last_error();
	FUZZ_CHECK(ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET);
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transport t;
	uint8_t *in = (uint8_t *)fuzz_dup(data, size), *got = NULL;
	char buf[4096];
	size_t ngot = 0, want, calls, limit;
	int fds[2], mode, rc;
	ssize_t n;
	SSL *cl;

	if (server_ctx == NULL)
		setup();
	if (size < 1) {
		free(in);
		return 0;
	}
	mode = (in[0] >> 2) & 3;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1 ||
	    fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1)
		fuzz_fail(__FILE__, __LINE__, "socketpair");
	transport_open(&t, &transport_plain, fds[0]);
	if (tls_open(&t, server_ctx) != 0 ||
	    (cl = SSL_new(client_ctx)) == NULL || SSL_set_fd(cl, fds[1]) != 1 ||
	    SSL_set_tlsext_host_name(cl, "localhost") != 1)
		fuzz_fail(__FILE__, __LINE__, "the two ends");
	if (in[0] & 1)
		SSL_set_max_proto_version(cl, TLS1_2_VERSION);
	SSL_set_connect_state(cl);
	FUZZ_CHECK(handshake(&t, cl) == 0);

	if (in[0] & 2)
		client_write(cl, request, sizeof(request) - 1);
	if (mode == 1)
		send_framed(fds[1], in + 1, size - 1);
	else if (mode == 2)
		send_plain(cl, in + 1, size - 1);
	else {
		if (mode == 3)
			FUZZ_CHECK(SSL_shutdown(cl) == 0);
		raw_write(fds[1], in + 1, size - 1);
	}
	shutdown(fds[1], SHUT_WR);

	/*
	 * Everything is in the socket and the peer is done: each read
	 * returns bytes, the peer's close or an error; never "wait". A read
	 * that gives bytes gives at least one, so the number of calls is
	 * bounded by the bytes sent.
	 */
	want =
	    (in[0] & 2 ? sizeof(request) - 1 : 0) + (mode == 2 ? size - 1 : 0);
	if ((got = malloc(want + sizeof(buf))) == NULL)
		abort();
	limit = want + 2;
	for (calls = 0;; calls++) {
		FUZZ_CHECK(calls < limit);
		n = t.ops->read(&t, buf, sizeof(buf));
		if (n <= 0)
			break;
		FUZZ_CHECK(ngot + (size_t)n <= want + sizeof(buf));
		memcpy(got + ngot, buf, (size_t)n);
		ngot += (size_t)n;
	}
	FUZZ_CHECK(!(n == -1 && errno == EAGAIN));
	rc = n == -1 ? errno : 0;
	if (mode == 2 || mode == 3) {
		/* nothing in it but well-formed records */
		FUZZ_CHECK(ngot == want && n == 0 && !t.broken);
	} else
		FUZZ_CHECK(ngot <= want);
	if (in[0] & 2)
		FUZZ_CHECK(ngot >= sizeof(request) - 1 &&
		    memcmp(got, request, sizeof(request) - 1) == 0);
	if (mode == 2)
		FUZZ_CHECK(ngot == want &&
		    memcmp(got + ngot - (size - 1), in + 1, size - 1) == 0);
	if (rc == EPROTO)
		check_alert(cl);
	t.ops->close(&t);
	SSL_free(cl);
	close(fds[1]);
	ERR_clear_error();
	free(got);
	free(in);
	return 0;
}
