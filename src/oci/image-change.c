/* image-change: apply one `docker import -c` / `docker commit -c` change
 * line (CMD, ENTRYPOINT, ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR,
 * STOPSIGNAL, ONBUILD) to an image config, as docker does.  Invariant: a
 * line is split into at most CHANGE_MAX_WORDS words, and EXPOSE, VOLUME and
 * ONBUILD never grow their lists past OCI_IMAGE_MAX_ITEMS. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"
#include "oci/image.h"

#include "common/banned.h"

/* ---- change lines (`docker import -c`, `docker commit -c`) ------------------ */

/* Most words one change line may produce (EXPOSE ranges included) */
#define CHANGE_MAX_WORDS OCI_IMAGE_MAX_ITEMS

/* Split s into shell-like words: blanks separate, '...' is literal, "..."
 * takes \" \\ \$ escapes, a backslash outside quotes escapes the next
 * character.  No variable expansion (docker's would see an empty
 * environment here anyway for import). */
static int split_words(const char *instr, const char *s, char ***ret, size_t *ret_n,
		       berth_error_t **err)
{
	cleanup_strv char **v = NULL;
	size_t n = 0, alloc = 0;
	cleanup_strbuf struct strbuf w = STRBUF_INIT;
	const char *p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		strbuf_reset(&w);
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');
				if (end == NULL)
					return berth_error_fail(err, EINVAL,
								"%s: unterminated single quote",
								instr);
				strbuf_add(&w, p + 1, (size_t)(end - p - 1));
				p = end + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' &&
					    (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
						p++;
					strbuf_addch(&w, *p++);
				}
				if (*p != '"')
					return berth_error_fail(err, EINVAL,
								"%s: unterminated double quote",
								instr);
				p++;
			} else if (*p == '\\' && p[1]) {
				strbuf_addch(&w, p[1]);
				p += 2;
			} else {
				strbuf_addch(&w, *p++);
			}
		}
		if (n + 1 >= CHANGE_MAX_WORDS)
			return berth_error_fail(err, E2BIG, "%s: more than %u words", instr,
						CHANGE_MAX_WORDS);
		v = xgrow(v, &alloc, n + 2, sizeof(char *));
		v[n++] = xstrdup(w.buf);
		v[n] = NULL;
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(char *));
	*ret = steal_pointer(&v);
	*ret_n = n;
	return 0;
}

/* The JSON form: a JSON array of strings.  Returns 1 with *ret set, 0 when
 * s is not a JSON array (so the shell form applies), < 0 when it is an
 * array with a non-string in it. */
static int json_form(const char *instr, const char *s, char ***ret, size_t *ret_n,
		     berth_error_t **err)
{
	if (*s != '[')
		return 0;
	cleanup_json json_t *a = NULL;
	if (bjson_load(s, strlen(s), instr, 0, 4, &a, NULL) < 0 || !json_is_array(a))
		return 0;
	size_t n = json_array_size(a);
	if (n >= CHANGE_MAX_WORDS)
		return berth_error_fail(err, E2BIG, "%s: more than %u words", instr,
					CHANGE_MAX_WORDS);
	cleanup_strv char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		if (!bjson_is_string(e))
			return berth_error_fail(err, EINVAL, "%s: [%zu]: expected a string, got %s",
						instr, i, bjson_type_name(e));
		v[i] = xstrdup(json_string_value(e));
	}
	*ret = steal_pointer(&v);
	*ret_n = n;
	return 1;
}

/* CMD / ENTRYPOINT: JSON form, or the shell form run by the image's Shell
 * (default ["/bin/sh", "-c"]) */
static int command_form(const struct oci_image_config *c, const char *instr, const char *arg,
			char ***ret, size_t *ret_n, berth_error_t **err)
{
	int r = json_form(instr, arg, ret, ret_n, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (*arg == '\0')
		return berth_error_fail(err, EINVAL, "%s requires an argument", instr);
	static const char *const sh[] = { "/bin/sh", "-c" };
	size_t nsh = c->config.shell ? c->config.n_shell : 2;
	char **v = xcalloc(nsh + 2, sizeof(char *));
	for (size_t i = 0; i < nsh; i++)
		v[i] = xstrdup(c->config.shell ? c->config.shell[i] : sh[i]);
	v[nsh] = xstrdup(arg);
	*ret = v;
	*ret_n = nsh + 1;
	return 0;
}

static void strv_replace(char ***field, size_t *n_field, char **v, size_t n)
{
	oci_strv_free(*field);
	*field = v;
	*n_field = n;
}

/* Add s to a NULL-terminated set unless it is there */
static void set_add(char ***set, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*set)[i], s) == 0)
			return;
	*set = xreallocarray(*set, *n + 2, sizeof(char *));
	(*set)[(*n)++] = xstrdup(s);
	(*set)[*n] = NULL;
}

static void env_set(struct oci_image_exec_config *c, const char *k, const char *v)
{
	size_t kl = strlen(k);
	char *kv = xasprintf("%s=%s", k, v);
	for (size_t i = 0; i < c->n_env; i++) {
		if (strncmp(c->env[i], k, kl) == 0 && c->env[i][kl] == '=') {
			free(c->env[i]);
			c->env[i] = kv;
			return;
		}
	}
	c->env = xreallocarray(c->env, c->n_env + 2, sizeof(char *));
	c->env[c->n_env++] = kv;
	c->env[c->n_env] = NULL;
}

static void label_set(struct oci_image_exec_config *c, const char *k, const char *v)
{
	for (size_t i = 0; i < c->n_labels; i++) {
		if (strcmp(c->labels[i].key, k) == 0) {
			free(c->labels[i].value);
			c->labels[i].value = xstrdup(v);
			return;
		}
	}
	c->labels = xreallocarray(c->labels, c->n_labels + 1, sizeof(struct oci_kv));
	c->labels[c->n_labels++] = (struct oci_kv){ xstrdup(k), xstrdup(v) };
}

/* ENV and LABEL: "k=v k2=v2" or the legacy "k v w" (one pair, the value
 * is the rest of the line) */
static int apply_pairs(struct oci_image_config *c, const char *instr, const char *arg, bool env,
		       berth_error_t **err)
{
	if (*arg == '\0')
		return berth_error_fail(err, EINVAL, "%s requires an argument", instr);
	cleanup_strv char **words = NULL;
	size_t n = 0;
	if (split_words(instr, arg, &words, &n, err) < 0)
		return -1;
	if (n == 0)
		return berth_error_fail(err, EINVAL, "%s requires an argument", instr);
	if (strchr(words[0], '=') == NULL) {
		/* legacy form: name, blanks, then the value as written */
		size_t kl = strcspn(arg, " \t");
		const char *value = arg + kl + strspn(arg + kl, " \t");
		if (*value == '\0')
			return berth_error_fail(err, EINVAL, "%s: missing value for '%.*s'", instr,
						OCI_QUOTE_MAX, words[0]);
		if (env)
			env_set(&c->config, words[0], value);
		else
			label_set(&c->config, words[0], value);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char *eqs = strchr(words[i], '=');
		if (eqs == NULL)
			return berth_error_fail(err, EINVAL,
						"%s: '%.*s' is not of the form name=value", instr,
						OCI_QUOTE_MAX, words[i]);
		if (eqs == words[i])
			return berth_error_fail(err, EINVAL, "%s: empty name in '%.*s'", instr,
						OCI_QUOTE_MAX, words[i]);
	}
	for (size_t i = 0; i < n; i++) {
		char *eqs = strchr(words[i], '=');
		*eqs = '\0';
		if (env)
			env_set(&c->config, words[i], eqs + 1);
		else
			label_set(&c->config, words[i], eqs + 1);
	}
	return 0;
}

static int parse_port(const char *s, size_t len, unsigned *ret)
{
	if (len == 0 || len > 5)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*ret = v;
	return 0;
}

/* EXPOSE 80 443/udp 8000-8002/tcp */
/* The protocol of an EXPOSE word, any case, as the lower-case name the
 * config stores; NULL when it is none of tcp, udp and sctp */
static const char *expose_proto(const char *s)
{
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcasecmp(s, protos[i]) == 0)
			return protos[i];
	return NULL;
}

static int apply_expose(struct oci_image_config *c, const char *arg, berth_error_t **err)
{
	cleanup_strv char **words = NULL;
	size_t n = 0;
	if (split_words("EXPOSE", arg, &words, &n, err) < 0)
		return -1;
	if (n == 0)
		return berth_error_fail(err, EINVAL, "EXPOSE requires an argument");
	for (size_t i = 0; i < n; i++) {
		const char *w = words[i];
		const char *slash = strchr(w, '/');
		const char *proto = expose_proto(slash ? slash + 1 : "tcp");
		size_t plen = slash ? (size_t)(slash - w) : strlen(w);
		if (proto == NULL)
			return berth_error_fail(
				err, EINVAL,
				"EXPOSE: invalid protocol in '%.*s' (want tcp, udp or sctp)",
				OCI_QUOTE_MAX, w);
		const char *dash = memchr(w, '-', plen);
		unsigned lo, hi;
		if (parse_port(w, dash ? (size_t)(dash - w) : plen, &lo) < 0 ||
		    (dash && parse_port(dash + 1, plen - (size_t)(dash - w) - 1, &hi) < 0))
			return berth_error_fail(err, EINVAL, "EXPOSE: invalid port '%.*s'",
						OCI_QUOTE_MAX, w);
		if (!dash)
			hi = lo;
		if (hi < lo)
			return berth_error_fail(err, EINVAL, "EXPOSE: invalid port range '%.*s'",
						OCI_QUOTE_MAX, w);
		if (c->config.n_exposed_ports + (hi - lo) >= OCI_IMAGE_MAX_ITEMS)
			return berth_error_fail(err, E2BIG, "EXPOSE: more than %u exposed ports",
						OCI_IMAGE_MAX_ITEMS);
		for (unsigned port = lo; port <= hi; port++) {
			cleanup_free char *key = xasprintf("%u/%s", port, proto);
			set_add(&c->config.exposed_ports, &c->config.n_exposed_ports, key);
		}
	}
	return 0;
}

static const char *const signal_names[] = { "HUP",  "INT",  "QUIT",   "ILL",   "TRAP",   "ABRT",
					    "IOT",  "BUS",  "FPE",    "KILL",  "USR1",   "SEGV",
					    "USR2", "PIPE", "ALRM",   "TERM",  "STKFLT", "CHLD",
					    "CONT", "STOP", "TSTP",   "TTIN",  "TTOU",   "URG",
					    "XCPU", "XFSZ", "VTALRM", "PROF",  "WINCH",  "IO",
					    "POLL", "PWR",  "SYS",    "RTMIN", "RTMAX",  NULL };

/* As docker's signal.ParseSignal: a number 1..64, or a name with or
 * without "SIG", any case, including RTMIN+n and RTMAX-n */
static bool valid_signal(const char *s)
{
	if (isdigit((unsigned char)*s)) {
		char *end = NULL;
		long v = strtol(s, &end, 10);
		return *end == '\0' && v >= 1 && v <= 64;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (const char *const *p = signal_names; *p; p++) {
		size_t l = strlen(*p);
		if (strncasecmp(s, *p, l) != 0)
			continue;
		if (s[l] == '\0')
			return true;
		if ((strcmp(*p, "RTMIN") == 0 && s[l] == '+') ||
		    (strcmp(*p, "RTMAX") == 0 && s[l] == '-')) {
			char *end = NULL;
			long v = strtol(s + l + 1, &end, 10);
			return isdigit((unsigned char)s[l + 1]) && *end == '\0' && v >= 1 &&
			       v <= 30;
		}
	}
	return false;
}

int oci_image_config_apply_change(struct oci_image_config *c, const char *line, berth_error_t **err)
{
	/* the config is JSON: a line that is not UTF-8 could never be written
	 * back (jansson refuses such strings), so refuse it here */
	json_t *utf8 = json_string(line);
	if (utf8 == NULL)
		return berth_error_fail(err, EINVAL, "change line is not valid UTF-8");
	json_decref(utf8);
	const char *p = line + strspn(line, " \t\r\n");
	if (*p == '\0' || *p == '#')
		return 0;
	size_t il = strcspn(p, " \t\r\n");
	cleanup_free char *instr = xstrndup(p, il > 32 ? 32 : il);
	for (char *q = instr; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	cleanup_free char *arg = xstrdup(p + il + strspn(p + il, " \t\r\n"));
	/* trailing blanks and line ends are not part of the value */
	size_t al = strlen(arg);
	while (al > 0 && strchr(" \t\r\n", arg[al - 1]))
		arg[--al] = '\0';
	struct oci_image_exec_config *x = &c->config;
	c->has_config = true;
	char **v = NULL;
	size_t n = 0;

	if (strcmp(instr, "CMD") == 0 || strcmp(instr, "ENTRYPOINT") == 0) {
		if (command_form(c, instr, arg, &v, &n, err) < 0)
			return -1;
		if (instr[0] == 'C')
			strv_replace(&x->cmd, &x->n_cmd, v, n);
		else
			strv_replace(&x->entrypoint, &x->n_entrypoint, v, n);
		return 0;
	}
	if (strcmp(instr, "ENV") == 0)
		return apply_pairs(c, instr, arg, true, err);
	if (strcmp(instr, "LABEL") == 0)
		return apply_pairs(c, instr, arg, false, err);
	if (strcmp(instr, "EXPOSE") == 0)
		return apply_expose(c, arg, err);
	if (strcmp(instr, "VOLUME") == 0) {
		int r = json_form(instr, arg, &v, &n, err);
		if (r < 0 || (r == 0 && split_words(instr, arg, &v, &n, err) < 0))
			return -1;
		cleanup_strv char **vols = v;
		if (n == 0)
			return berth_error_fail(err, EINVAL, "VOLUME requires an argument");
		for (size_t i = 0; i < n; i++)
			if (*vols[i] == '\0')
				return berth_error_fail(
					err, EINVAL, "VOLUME: a volume cannot be an empty string");
		if (x->n_volumes + n > OCI_IMAGE_MAX_ITEMS)
			return berth_error_fail(err, E2BIG, "VOLUME: more than %u volumes",
						OCI_IMAGE_MAX_ITEMS);
		for (size_t i = 0; i < n; i++)
			set_add(&x->volumes, &x->n_volumes, vols[i]);
		return 0;
	}
	if (*arg == '\0')
		return berth_error_fail(err, EINVAL, "%s requires an argument", instr);
	if (strcmp(instr, "USER") == 0) {
		free(x->user);
		x->user = steal_pointer(&arg);
		return 0;
	}
	if (strcmp(instr, "WORKDIR") == 0) {
		char *wd;
		if (arg[0] == '/')
			wd = steal_pointer(&arg);
		else {
			/* relative: below the current one, as the Dockerfile WORKDIR */
			const char *cur = x->working_dir && *x->working_dir ? x->working_dir : "/";
			size_t cl = strlen(cur);
			wd = xasprintf("%s%s%s", cur, cur[cl - 1] == '/' ? "" : "/", arg);
		}
		free(x->working_dir);
		x->working_dir = wd;
		return 0;
	}
	if (strcmp(instr, "STOPSIGNAL") == 0) {
		if (!valid_signal(arg))
			return berth_error_fail(err, EINVAL, "STOPSIGNAL: invalid signal '%.*s'",
						OCI_QUOTE_MAX, arg);
		free(x->stop_signal);
		x->stop_signal = steal_pointer(&arg);
		return 0;
	}
	if (strcmp(instr, "ONBUILD") == 0) {
		size_t tl = strcspn(arg, " \t");
		if ((tl == 7 && strncasecmp(arg, "ONBUILD", 7) == 0) ||
		    (tl == 4 && strncasecmp(arg, "FROM", 4) == 0) ||
		    (tl == 10 && strncasecmp(arg, "MAINTAINER", 10) == 0))
			return berth_error_fail(err, EINVAL,
						"ONBUILD: '%.*s' is not allowed as a trigger",
						(int)tl, arg);
		if (x->n_on_build >= OCI_IMAGE_MAX_ITEMS)
			return berth_error_fail(err, E2BIG, "ONBUILD: more than %u triggers",
						OCI_IMAGE_MAX_ITEMS);
		x->on_build = xreallocarray(x->on_build, x->n_on_build + 2, sizeof(char *));
		x->on_build[x->n_on_build++] = steal_pointer(&arg);
		x->on_build[x->n_on_build] = NULL;
		return 0;
	}
	return berth_error_fail(err, EINVAL, "'%.*s' is not a valid change command", OCI_QUOTE_MAX,
				instr);
}
