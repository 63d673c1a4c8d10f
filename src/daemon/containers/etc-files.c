/* etc-files: the container's /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, written into its directory and bind-mounted by the
 * spec (spec-mounts.c).  resolv.conf starts from the host's (systemd-
 * resolved's upstream file when the host points at its 127.0.0.53 stub),
 * drops loopback nameservers that cannot answer inside a private network
 * namespace, and takes HostConfig.Dns, DnsSearch and DnsOptions over it,
 * as docker's libnetwork does. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>

#include "common/atomicfile.h"
#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

#define MAX_HOST_FILE (1u << 20)
#define HOST_RESOLV "/etc/resolv.conf"
#define RESOLVED_UPSTREAM "/run/systemd/resolve/resolv.conf"

/* A small host file, or "" when it does not exist */
static int read_host_file(const char *path, char **ret, berth_error_t **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*ret = xstrdup("");
			return 0;
		}
		return berth_error_set(err, errno, "open '%s'", path);
	}
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	for (;;) {
		strbuf_grow(&sb, 4096);
		ssize_t n = read(fd, sb.buf + sb.len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || sb.len + (size_t)n > MAX_HOST_FILE) {
			int e = n < 0 ? errno : EFBIG;
			strbuf_release(&sb);
			return berth_error_set(err, e, "read '%s'", path);
		}
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
	}
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* ExtraHosts entries "name:ip" (ip may be IPv6) or "name=ip"; the ip
 * "host-gateway" is the default bridge's gateway */
static int add_extra_hosts(struct strbuf *sb, const json_t *hc, const char *host_gateway,
			   berth_error_t **err)
{
	json_t *hosts;
	if (spec_hc_strings(hc, "ExtraHosts", &hosts, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *e;
	json_array_foreach(hosts, i, e)
	{
		const char *s = json_string_value(e);
		size_t nl = strcspn(s, ":=");
		if (!s[nl] || nl == 0)
			return berth_error_fail(err, EINVAL, "bad format for add-host: \"%s\"", s);
		const char *ip = s + nl + 1;
		if (strcmp(ip, "host-gateway") == 0) {
			if (!host_gateway)
				return berth_error_fail(
					err, EINVAL,
					"add-host \"%s\": unable to derive the IP value for "
					"host-gateway",
					s);
			ip = host_gateway;
		}
		if (!valid_ip(ip))
			return berth_error_fail(err, EINVAL,
						"invalid IP address in add-host: \"%s\"", ip);
		strbuf_addf(sb, "%s\t%.*s\n", ip, (int)nl, s);
	}
	return 0;
}

static int hosts_content(const struct spec_input *in, bool host_net, struct strbuf *sb,
			 berth_error_t **err)
{
	if (host_net) {
		cleanup_free char *h = NULL;
		if (read_host_file("/etc/hosts", &h, err) < 0)
			return -1;
		strbuf_addstr(sb, h);
		if (sb->len && sb->buf[sb->len - 1] != '\n')
			strbuf_addch(sb, '\n');
	} else {
		strbuf_addstr(sb, "127.0.0.1\tlocalhost\n"
				  "::1\tlocalhost ip6-localhost ip6-loopback\n"
				  "fe00::0\tip6-localnet\n"
				  "ff00::0\tip6-mcastprefix\n"
				  "ff02::1\tip6-allnodes\n"
				  "ff02::2\tip6-allrouters\n");
	}
	/* the container's own address (network.c), then --add-host, as docker */
	if (in->hosts_extra)
		strbuf_addstr(sb, in->hosts_extra);
	return add_extra_hosts(sb, in->host_config, in->host_gateway, err);
}

/* ---- resolv.conf -------------------------------------------------------- */

struct resolv {
	json_t *nameservers, *search, *options; /* arrays of strings */
	struct strbuf other;                    /* other lines, kept */
};

static bool is_loopback_ns(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

static void words_into(json_t *arr, const char *s)
{
	json_array_clear(arr);
	while (*s) {
		s += strspn(s, " \t");
		size_t n = strcspn(s, " \t");
		if (n)
			json_array_append_new(arr, json_stringn(s, n));
		s += n;
	}
}

static void resolv_parse(struct resolv *r, char *text)
{
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *l = line + strspn(line, " \t");
		if (strncmp(l, "nameserver", 10) == 0 && (l[10] == ' ' || l[10] == '\t')) {
			cleanup_json json_t *w = json_array();
			words_into(w, l + 10);
			if (json_array_size(w))
				json_array_append(r->nameservers, json_array_get(w, 0));
		} else if ((strncmp(l, "search", 6) == 0 || strncmp(l, "domain", 6) == 0) &&
			   (l[6] == ' ' || l[6] == '\t')) {
			words_into(r->search, l + 6); /* the last one wins, as in libc */
		} else if (strncmp(l, "options", 7) == 0 && (l[7] == ' ' || l[7] == '\t')) {
			cleanup_json json_t *w = json_array();
			words_into(w, l + 7);
			json_array_extend(r->options, w);
		} else if (*l && *l != '#' && *l != ';') {
			strbuf_addf(&r->other, "%s\n", l);
		}
	}
}

static bool has_stub_resolver(const json_t *ns)
{
	size_t i;
	json_t *e;
	json_array_foreach(ns, i,
			   e) if (strcmp(json_string_value(e), "127.0.0.53") == 0) return true;
	return false;
}

static int resolv_override(json_t *dst, const json_t *hc, const char *key, bool check_ip,
			   berth_error_t **err)
{
	json_t *v;
	if (spec_hc_strings(hc, key, &v, err) < 0)
		return -EINVAL;
	if (!json_array_size(v))
		return 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i,
			   e) if (check_ip &&
				  !valid_ip(json_string_value(
					  e))) return berth_error_fail(err, EINVAL,
								       "%s is not an ip address",
								       json_string_value(e));
	json_array_clear(dst);
	json_array_extend(dst, v);
	return 0;
}

static void add_line(struct strbuf *sb, const char *key, const json_t *words)
{
	if (!json_array_size(words))
		return;
	strbuf_addstr(sb, key);
	size_t i;
	json_t *e;
	json_array_foreach(words, i, e) strbuf_addf(sb, " %s", json_string_value(e));
	strbuf_addch(sb, '\n');
}

static int resolv_content(const json_t *hc, bool host_net, bool embedded_dns, struct strbuf *sb,
			  berth_error_t **err)
{
	cleanup_free char *text = NULL;
	if (read_host_file(HOST_RESOLV, &text, err) < 0)
		return -1;
	struct resolv r = { .nameservers = json_array(),
			    .search = json_array(),
			    .options = json_array() };
	strbuf_init(&r.other, 0);
	resolv_parse(&r, text);
	if (!host_net && has_stub_resolver(r.nameservers)) {
		free(text);
		text = NULL;
		if (read_host_file(RESOLVED_UPSTREAM, &text, err) == 0 && *text) {
			json_array_clear(r.nameservers);
			json_array_clear(r.search);
			json_array_clear(r.options);
			strbuf_reset(&r.other);
			resolv_parse(&r, text);
		}
	}
	int rc = -1;
	if (resolv_override(r.nameservers, hc, "Dns", true, err) < 0 ||
	    resolv_override(r.search, hc, "DnsSearch", false, err) < 0 ||
	    resolv_override(r.options, hc, "DnsOptions", false, err) < 0)
		goto out;
	if (embedded_dns) {
		/* the embedded DNS answers (and forwards the rest to the host's
		 * servers); docker's ndots:0 unless the options set ndots */
		strbuf_addstr(sb, "nameserver 127.0.0.11\n");
		add_line(sb, "search", r.search);
		bool ndots = false;
		size_t i;
		json_t *e;
		json_array_foreach(r.options, i, e)
			ndots |= strncmp(json_string_value(e), "ndots:", 6) == 0;
		if (!ndots)
			json_array_insert_new(r.options, 0, json_string("ndots:0"));
		add_line(sb, "options", r.options);
		rc = 0;
		goto out;
	}
	if (!host_net) {
		/* a loopback server of the host is not reachable from the
		 * container's namespace: drop it; docker's fallback is Google's */
		json_t *kept = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(r.nameservers, i, e) if (!is_loopback_ns(json_string_value(e)))
			json_array_append(kept, e);
		if (!json_array_size(kept)) {
			json_array_append_new(kept, json_string("8.8.8.8"));
			json_array_append_new(kept, json_string("8.8.4.4"));
		}
		json_decref(r.nameservers);
		r.nameservers = kept;
	}
	size_t i;
	json_t *e;
	json_array_foreach(r.nameservers, i, e)
		strbuf_addf(sb, "nameserver %s\n", json_string_value(e));
	add_line(sb, "search", r.search);
	add_line(sb, "options", r.options);
	strbuf_add(sb, r.other.buf, r.other.len);
	rc = 0;
out:
	json_decref(r.nameservers);
	json_decref(r.search);
	json_decref(r.options);
	strbuf_release(&r.other);
	return rc;
}

static int write_file(int dirfd, const char *name, const struct strbuf *sb, berth_error_t **err)
{
	if (atomic_write_at(dirfd, name, sb->buf ? sb->buf : "", sb->len, 0644, err) < 0)
		return berth_error_wrap(err, "write the container's %s", name);
	return 0;
}

int spec_rewrite_resolv_conf(const struct spec_input *in, berth_error_t **err)
{
	if (!in->container_dir)
		return berth_error_fail(err, EINVAL, "no container directory for /etc files");
	struct strbuf sb;
	strbuf_init(&sb, 512);
	int r = resolv_content(in->host_config, spec_network_is_host(in->host_config),
			       in->embedded_dns, &sb, err);
	cleanup_free char *path = xasprintf("%s/resolv.conf", in->container_dir);
	cleanup_close int fd = -1;
	if (r == 0) {
		fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = berth_error_set(err, errno, "open '%s'", path);
	}
	for (size_t off = 0; r == 0 && off < sb.len;) {
		ssize_t n = write(fd, sb.buf + off, sb.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = berth_error_set(err, errno, "write '%s'", path);
		else
			off += (size_t)n;
	}
	strbuf_release(&sb);
	return r < 0 ? spec_err_code(err) : 0;
}

int spec_write_etc_files(const struct spec_input *in, berth_error_t **err)
{
	if (!in->container_dir)
		return berth_error_fail(err, EINVAL, "no container directory for /etc files");
	bool host_net = spec_network_is_host(in->host_config);
	cleanup_close int dirfd = open(in->container_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open '%s'", in->container_dir);
	cleanup_free char *hostname = spec_hostname(in);
	struct strbuf sb;
	strbuf_init(&sb, 512);
	strbuf_addf(&sb, "%s\n", hostname);
	int r = write_file(dirfd, "hostname", &sb, err);
	strbuf_reset(&sb);
	if (r == 0)
		r = hosts_content(in, host_net, &sb, err);
	if (r == 0)
		r = write_file(dirfd, "hosts", &sb, err);
	strbuf_reset(&sb);
	if (r == 0)
		r = resolv_content(in->host_config, host_net, in->embedded_dns, &sb, err);
	if (r == 0)
		r = write_file(dirfd, "resolv.conf", &sb, err);
	strbuf_release(&sb);
	return r < 0 ? spec_err_code(err) : 0;
}
