/* endpoint: the URLs a registry is reached at (see endpoint.h), following
 * moby's registry/config.go: an insecure-registries entry is a CIDR or an
 * index name ("host[:port]", compared exactly), a name is resolved to be
 * matched against the CIDRs, and 127.0.0.0/8 is insecure by default.
 * Mirrors are "http[s]://host[:port]" with no path, as docker validates. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "image/reference.h"
#include "registry/endpoint.h"

#include "common/banned.h"

#define DOCKER_IO_URL "https://" REGISTRY_DOCKER_IO_ENDPOINT
/* docker's default insecure CIDR */
#define DEFAULT_INSECURE_CIDR "127.0.0.0/8"

struct cidr {
	int family; /* AF_INET, AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
};

void registry_endpoints_free(struct registry_endpoint *eps, size_t n)
{
	for (size_t i = 0; eps && i < n; i++) {
		free(eps[i].url);
		free(eps[i].fallback_url);
	}
	free(eps);
}

static bool is_docker_io(const char *domain)
{
	return strcmp(domain, IMAGE_REF_DEFAULT_DOMAIN) == 0 ||
	       strcmp(domain, IMAGE_REF_LEGACY_DOMAIN) == 0;
}

/* "a.b.c.d/n" or "v6/n": 1 and *ret when s is a CIDR, 0 when it has no
 * '/', EINVAL when it has one but is not a valid CIDR */
static int cidr_parse(const char *s, struct cidr *ret, berth_error_t **err)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return 0;
	cleanup_free char *ip = xstrndup(s, (size_t)(slash - s));
	struct cidr c = { 0 };
	if (inet_pton(AF_INET, ip, c.addr) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, c.addr) == 1)
		c.family = AF_INET6;
	else
		return berth_error_fail(err, EINVAL, "insecure registry '%.200s': bad CIDR address",
					s);
	uint64_t bits;
	cleanup_error berth_error_t *e = NULL;
	unsigned max = c.family == AF_INET ? 32 : 128;
	if (parse_uint64(slash + 1, 10, &bits, &e) < 0 || bits > max)
		return berth_error_fail(err, EINVAL,
					"insecure registry '%.200s': bad prefix length (0 to %u)",
					s, max);
	c.bits = (unsigned)bits;
	*ret = c;
	return 1;
}

static bool cidr_contains(const struct cidr *c, int family, const unsigned char *addr)
{
	if (family != c->family)
		return false;
	unsigned full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(addr, c->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (addr[full] & mask) == (c->addr[full] & mask);
}

/* An index-name entry: a host with an optional port, no path */
static int name_entry_check(const char *s, berth_error_t **err)
{
	if (!*s || strpbrk(s, "/ \t\r\n?#@"))
		return berth_error_fail(err, EINVAL,
					"insecure registry '%.200s': not a host[:port] or CIDR", s);
	return 0;
}

/* The host of a domain without port and brackets; caller frees */
static char *domain_host(const char *domain)
{
	if (domain[0] == '[') {
		const char *end = strchr(domain, ']');
		return end ? xstrndup(domain + 1, (size_t)(end - domain - 1)) : xstrdup(domain);
	}
	const char *colon = strchr(domain, ':');
	return colon ? xstrndup(domain, (size_t)(colon - domain)) : xstrdup(domain);
}

/* Does any address of host fall in one of cidrs? */
static bool host_in_cidrs(const char *host, const struct cidr *cidrs, size_t n)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1) {
		int family = inet_pton(AF_INET, host, addr) == 1 ? AF_INET : AF_INET6;
		for (size_t i = 0; i < n; i++)
			if (cidr_contains(&cidrs[i], family, addr))
				return true;
		return false;
	}
	/* a name: docker resolves it, and one that does not resolve is
	 * secure (it may sit behind a proxy) */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		log_debug("registry: cannot resolve '%s'; treating it as secure", host);
		return false;
	}
	bool found = false;
	for (struct addrinfo *ai = res; ai && !found; ai = ai->ai_next) {
		const unsigned char *a = NULL;
		if (ai->ai_family == AF_INET)
			a = (const unsigned char *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = (const unsigned char *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		for (size_t i = 0; a && i < n && !found; i++)
			found = cidr_contains(&cidrs[i], ai->ai_family, a);
	}
	freeaddrinfo(res);
	return found;
}

int registry_domain_insecure(const char *domain, const struct registry_options *opts,
			     berth_error_t **err)
{
	struct cidr cidrs[REGISTRY_MAX_INSECURE + 1] = { 0 };
	size_t n_cidrs = 0;
	bool named = false;

	if (opts && (opts->flags & REGISTRY_INSECURE))
		named = true;
	if (cidr_parse(DEFAULT_INSECURE_CIDR, &cidrs[n_cidrs++], err) < 0)
		return -1;
	for (size_t i = 0; opts && opts->insecure_registries && opts->insecure_registries[i]; i++) {
		const char *s = opts->insecure_registries[i];
		if (i >= REGISTRY_MAX_INSECURE)
			return berth_error_fail(err, E2BIG, "more than %d insecure registries",
						REGISTRY_MAX_INSECURE);
		if (strstr(s, "://"))
			return berth_error_fail(
				err, EINVAL, "insecure registry '%.200s' should not contain '://'",
				s);
		int r = cidr_parse(s, &cidrs[n_cidrs], err);
		if (r < 0)
			return r;
		if (r == 1) {
			n_cidrs++;
			continue;
		}
		if (name_entry_check(s, err) < 0)
			return -1;
		if (strcasecmp(s, domain) == 0)
			named = true;
	}
	if (is_docker_io(domain))
		return 0; /* the official index is always verified */
	if (named)
		return 1;
	cleanup_free char *host = domain_host(domain);
	return host_in_cidrs(host, cidrs, n_cidrs) ? 1 : 0;
}

/* "http[s]://host[:port][/]" -> *ret without the final slash; EINVAL else */
static int mirror_check(const char *url, const char *what, char **ret, berth_error_t **err)
{
	const char *rest;
	if (strncmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return berth_error_fail(err, EINVAL,
					"%s '%.200s': must start with http:// or https://", what,
					url);
	size_t n = strlen(rest);
	if (n && rest[n - 1] == '/')
		n--;
	if (n == 0 || memchr(rest, '/', n) || strpbrk(rest, " \t\r\n?#@"))
		return berth_error_fail(
			err, EINVAL,
			"%s '%.200s': must be scheme://host[:port] with no path, query "
			"or credentials",
			what, url);
	*ret = xstrndup(url, (size_t)(rest - url) + n);
	return 0;
}

int registry_options_validate(const struct registry_options *opts, berth_error_t **err)
{
	if (!opts)
		return 0;
	/* any domain does: this checks every insecure-registries entry */
	if (registry_domain_insecure("127.0.0.1", opts, err) < 0)
		return -1;
	for (size_t i = 0; opts->registry_mirrors && opts->registry_mirrors[i]; i++) {
		cleanup_free char *u = NULL;
		if (i >= REGISTRY_MAX_MIRRORS)
			return berth_error_fail(err, E2BIG, "more than %d registry mirrors",
						REGISTRY_MAX_MIRRORS);
		if (mirror_check(opts->registry_mirrors[i], "registry mirror", &u, err) < 0)
			return -1;
	}
	cleanup_free char *u = NULL;
	if (opts->docker_io_url && mirror_check(opts->docker_io_url, "docker.io URL", &u, err) < 0)
		return -1;
	return 0;
}

/* An endpoint for url (scheme://host[:port]): an https URL of an insecure
 * host gets no verification and a plain-HTTP fallback.  docker.io's own
 * endpoint is not looked at (never insecure, and resolving it would only
 * cost a DNS round trip). */
static int endpoint_make(const char *url, bool mirror, const struct registry_options *opts,
			 struct registry_endpoint *ret, berth_error_t **err)
{
	bool https = strncmp(url, "https://", 8) == 0;
	const char *hostport = url + (https ? 8 : 7);
	int r = 0;
	if (https && strcmp(url, DOCKER_IO_URL) != 0) {
		r = registry_domain_insecure(hostport, opts, err);
		if (r < 0)
			return -1;
	}
	ret->url = xstrdup(url);
	ret->fallback_url = https && r ? xasprintf("http://%s", hostport) : NULL;
	ret->insecure = https && r;
	ret->mirror = mirror;
	return 0;
}

int registry_endpoints(const char *domain, const struct registry_options *opts, bool with_mirrors,
		       struct registry_endpoint **ret, size_t *ret_n, berth_error_t **err)
{
	size_t n_mirrors = 0;
	bool docker_io = is_docker_io(domain);
	cleanup_free char *url = NULL;
	if (docker_io && with_mirrors && opts && opts->registry_mirrors)
		while (opts->registry_mirrors[n_mirrors])
			if (++n_mirrors > REGISTRY_MAX_MIRRORS)
				return berth_error_fail(err, E2BIG, "more than %d registry mirrors",
							REGISTRY_MAX_MIRRORS);
	struct registry_endpoint *eps = xcalloc(n_mirrors + 1, sizeof(*eps));
	size_t n = 0;
	for (size_t i = 0; i < n_mirrors; i++, n++) {
		cleanup_free char *u = NULL;
		if (mirror_check(opts->registry_mirrors[i], "registry mirror", &u, err) < 0 ||
		    endpoint_make(u, true, opts, &eps[n], err) < 0)
			goto fail;
	}
	if (docker_io) {
		const char *u = opts && opts->docker_io_url ? opts->docker_io_url : DOCKER_IO_URL;
		if (mirror_check(u, "docker.io URL", &url, err) < 0)
			goto fail;
	} else {
		url = xasprintf("https://%s", domain);
	}
	if (endpoint_make(url, false, opts, &eps[n], err) < 0)
		goto fail;
	n++;
	*ret = eps;
	*ret_n = n;
	return 0;
fail:
	registry_endpoints_free(eps, n + 1);
	return -1;
}
