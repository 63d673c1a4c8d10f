/* platform: OCI platforms ("linux/arm/v7"): parsing, normalisation and
 * matching after containerd's platforms package, the host's platform, and
 * choosing the best entry of an image index.  Invariant: every comparison
 * is between normalised platforms, so "aarch64" and "arm64/v8" are one
 * platform; "unknown/unknown" (attestation manifests) never matches. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"
#include "oci/image.h"

#include "common/banned.h"

void oci_platform_release(struct oci_platform *p)
{
	if (p == NULL)
		return;
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	oci_strv_free(p->os_features);
	*p = (struct oci_platform){ 0 };
}

void oci_platform_copy(struct oci_platform *dst, const struct oci_platform *src)
{
	*dst = (struct oci_platform){
		.os = xstrdup(src->os),
		.architecture = xstrdup(src->architecture),
		.variant = xstrdup(src->variant),
		.os_version = xstrdup(src->os_version),
		.n_os_features = src->os_features ? src->n_os_features : 0,
	};
	if (src->os_features) {
		dst->os_features = xcalloc(src->n_os_features + 1, sizeof(char *));
		for (size_t i = 0; i < src->n_os_features; i++)
			dst->os_features[i] = xstrdup(src->os_features[i]);
	}
}

json_t *oci_platform_to_json(const struct oci_platform *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "architecture", json_string(p->architecture ? p->architecture : ""));
	json_object_set_new(o, "os", json_string(p->os ? p->os : ""));
	if (p->os_version)
		json_object_set_new(o, "os.version", json_string(p->os_version));
	if (p->os_features)
		json_object_set_new(o, "os.features",
				    oci_strv_to_json(p->os_features, p->n_os_features));
	if (p->variant)
		json_object_set_new(o, "variant", json_string(p->variant));
	return o;
}

int oci_platform_from_json(const json_t *obj, const char *where, struct oci_platform *ret,
			   berth_error_t **err)
{
	struct oci_platform p = { 0 };
	if (oci_get_str(obj, where, "os", OCI_REQ, &p.os, err) < 0 ||
	    oci_get_str(obj, where, "architecture", OCI_REQ, &p.architecture, err) < 0 ||
	    oci_get_str(obj, where, "variant", OCI_OPT, &p.variant, err) < 0 ||
	    oci_get_str(obj, where, "os.version", OCI_OPT, &p.os_version, err) < 0 ||
	    oci_get_strv(obj, where, "os.features", OCI_OPT, &p.os_features, &p.n_os_features,
			 err) < 0) {
		oci_platform_release(&p);
		return -1;
	}
	*ret = p;
	return 0;
}

/* ---- normalisation -------------------------------------------------------- */

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static void clear_str(char **field)
{
	free(*field);
	*field = NULL;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

void oci_platform_normalize(struct oci_platform *p)
{
	lower(p->os);
	lower(p->architecture);
	lower(p->variant);
	if (p->variant && *p->variant == '\0')
		clear_str(&p->variant);
	if (eq(p->os, "macos"))
		set_str(&p->os, "darwin");
	const char *a = p->architecture ? p->architecture : "";
	const char *v = p->variant;
	if (eq(a, "i386") || eq(a, "i486") || eq(a, "i586") || eq(a, "i686") || eq(a, "x86")) {
		set_str(&p->architecture, "386");
		clear_str(&p->variant);
	} else if (eq(a, "x86_64") || eq(a, "x86-64") || eq(a, "amd64")) {
		set_str(&p->architecture, "amd64");
		if (eq(v, "v1"))
			clear_str(&p->variant);
	} else if (eq(a, "aarch64") || eq(a, "arm64")) {
		set_str(&p->architecture, "arm64");
		/* containerd spells v8 as no variant; we spell it v8 (the
		 * default), which compares the same way */
		if (v == NULL || eq(v, "8") || eq(v, "v8.0"))
			set_str(&p->variant, "v8");
		else if (eq(v, "9") || eq(v, "9.0") || eq(v, "v9.0"))
			set_str(&p->variant, "v9");
	} else if (eq(a, "armhf") || eq(a, "armv7l") || eq(a, "armv7")) {
		/* Debian's armhf is ARMv7 hard-float, armel ARMv6 (as containerd) */
		set_str(&p->architecture, "arm");
		set_str(&p->variant, "v7");
	} else if (eq(a, "armel") || eq(a, "armv6l") || eq(a, "armv6")) {
		set_str(&p->architecture, "arm");
		set_str(&p->variant, "v6");
	} else if (eq(a, "armv5tel") || eq(a, "armv5l") || eq(a, "armv5")) {
		set_str(&p->architecture, "arm");
		set_str(&p->variant, "v5");
	} else if (eq(a, "arm")) {
		if (v == NULL || eq(v, "7"))
			set_str(&p->variant, "v7");
		else if (eq(v, "5") || eq(v, "6") || eq(v, "8")) {
			char vn[3] = { 'v', v[0], '\0' };
			set_str(&p->variant, vn);
		}
	}
}

/* ---- parsing and formatting ----------------------------------------------- */

static const char *const known_os[] = { "aix",    "android", "darwin",  "dragonfly", "freebsd",
					"hurd",   "illumos", "ios",     "js",        "linux",
					"nacl",   "netbsd",  "openbsd", "plan9",     "solaris",
					"wasip1", "windows", "zos",     "macos",     NULL };

static const char *const known_arch[] = {
	"386",     "amd64",   "amd64p32", "arm",    "armbe",    "arm64",     "arm64be",
	"loong64", "mips",    "mipsle",   "mips64", "mips64le", "mips64p32", "mips64p32le",
	"ppc",     "ppc64",   "ppc64le",  "riscv",  "riscv64",  "s390",      "s390x",
	"sparc",   "sparc64", "wasm",     "x86_64", "x86-64",   "aarch64",   "armhf",
	"armel",   "i386",    NULL
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcasecmp(*list, s) == 0)
			return true;
	return false;
}

/* containerd's specifier: [A-Za-z0-9_.-]+ */
static bool valid_part(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

int oci_platform_parse(const char *s, struct oci_platform *ret, berth_error_t **err)
{
	const char *parts[3];
	size_t lens[3];
	size_t n = 0;
	const char *p = s ? s : "";
	for (;;) {
		size_t l = strcspn(p, "/");
		if (n == 3 || !valid_part(p, l))
			return berth_error_fail(
				err, EINVAL,
				"invalid platform '%.*s': want os[/arch[/variant]] of [A-Za-z0-9_.-]",
				OCI_QUOTE_MAX, s ? s : "");
		parts[n] = p;
		lens[n++] = l;
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	struct oci_platform r = { 0 };
	if (n == 1) {
		cleanup_free char *one = xstrndup(parts[0], lens[0]);
		struct oci_platform host;
		oci_platform_host(&host);
		if (in_list(known_os, one)) {
			/* "linux": the host's architecture */
			r.os = steal_pointer(&one);
			r.architecture = steal_pointer(&host.architecture);
			r.variant = steal_pointer(&host.variant);
		} else if (in_list(known_arch, one)) {
			/* "arm64": the host's OS (always linux here) */
			r.os = steal_pointer(&host.os);
			r.architecture = steal_pointer(&one);
		} else {
			oci_platform_release(&host);
			return berth_error_fail(
				err, EINVAL,
				"invalid platform '%.*s': unknown operating system or architecture",
				OCI_QUOTE_MAX, s);
		}
		oci_platform_release(&host);
	} else {
		r.os = xstrndup(parts[0], lens[0]);
		r.architecture = xstrndup(parts[1], lens[1]);
		if (n == 3)
			r.variant = xstrndup(parts[2], lens[2]);
	}
	oci_platform_normalize(&r);
	*ret = r;
	return 0;
}

char *oci_platform_format(const struct oci_platform *p)
{
	struct oci_platform c;
	oci_platform_copy(&c, p);
	oci_platform_normalize(&c);
	char *s = xasprintf("%s/%s%s%s", c.os ? c.os : "unknown",
			    c.architecture ? c.architecture : "unknown", c.variant ? "/" : "",
			    c.variant ? c.variant : "");
	oci_platform_release(&c);
	return s;
}

void oci_platform_host(struct oci_platform *ret)
{
	struct utsname u;
	struct oci_platform p = { .os = xstrdup("linux") };
	/* uname cannot fail with a valid buffer; fall back to the build's
	 * architecture name anyway rather than leave it unset */
	if (uname(&u) == 0)
		p.architecture = xstrdup(u.machine);
	else
		p.architecture = xstrdup(
#if defined(__x86_64__)
			"amd64"
#elif defined(__aarch64__)
			"arm64"
#elif defined(__arm__)
			"arm"
#elif defined(__i386__)
			"386"
#else
			"unknown"
#endif
		);
	oci_platform_normalize(&p);
	*ret = p;
}

/* ---- matching ------------------------------------------------------------- */

/* "vN" or "vN.M" as N*100+M; -1 when it is not that shape */
static int variant_version(const char *v)
{
	if (v == NULL || v[0] != 'v' || !isdigit((unsigned char)v[1]))
		return -1;
	char *end = NULL;
	long major = strtol(v + 1, &end, 10);
	long minor = 0;
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		minor = strtol(end + 1, &end, 10);
	}
	if (*end != '\0' || major > 99 || minor > 99)
		return -1;
	return (int)(major * 100 + minor);
}

static bool is_unknown(const char *s)
{
	return s == NULL || *s == '\0' || strcmp(s, "unknown") == 0;
}

/* Rank of normalised have for normalised want; see oci_platform_rank */
static int rank_normalized(const struct oci_platform *w, const struct oci_platform *h)
{
	if (is_unknown(h->os) || is_unknown(h->architecture) || !eq(w->os, h->os))
		return -1;
	/* Windows images must match the build too; compare when both say */
	if (w->os_version && h->os_version && !eq(w->os_version, h->os_version))
		return -1;
	bool same_arch = eq(w->architecture, h->architecture);
	if (same_arch && ((w->variant == NULL && h->variant == NULL) || eq(w->variant, h->variant)))
		return 0;
	const char *a = w->architecture ? w->architecture : "";
	int wv = variant_version(w->variant);
	int hv = variant_version(h->variant);
	if (eq(a, "amd64")) {
		/* amd64 microarchitecture levels: v3 runs v2 and v1 (no variant) */
		if (w->variant == NULL)
			wv = 100;
		if (h->variant == NULL)
			hv = 100;
		if (same_arch && wv > 0 && hv > 0 && hv <= wv)
			return 1 + (wv - hv);
		return -1;
	}
	if (eq(a, "arm64")) {
		if (same_arch && wv > 0 && hv > 0 && hv <= wv)
			return 1 + (wv - hv);
		/* 64-bit arm runs 32-bit arm/v8 and older (containerd assumes so too) */
		if (eq(h->architecture, "arm") && hv > 0 && hv <= 800)
			return 10000 + (800 - hv);
		return -1;
	}
	if (eq(a, "arm")) {
		if (same_arch && wv > 0 && hv >= 500 && hv <= wv)
			return 1 + (wv - hv);
		return -1;
	}
	return -1;
}

int oci_platform_rank(const struct oci_platform *want, const struct oci_platform *have)
{
	struct oci_platform w, h;
	oci_platform_copy(&w, want);
	oci_platform_copy(&h, have);
	oci_platform_normalize(&w);
	oci_platform_normalize(&h);
	int r = rank_normalized(&w, &h);
	oci_platform_release(&w);
	oci_platform_release(&h);
	return r;
}

bool oci_platform_match(const struct oci_platform *want, const struct oci_platform *have)
{
	return oci_platform_rank(want, have) >= 0;
}

/* ---- choosing in an index -------------------------------------------------- */

/* An entry platform selection may pick: a manifest with a real platform,
 * not an attestation (buildx marks those two ways) */
static bool selectable(const struct oci_descriptor *d)
{
	if (!d->has_platform || oci_media_type_kind(d->media_type) != OCI_MEDIA_MANIFEST)
		return false;
	if (is_unknown(d->platform.os) || is_unknown(d->platform.architecture))
		return false;
	return oci_descriptor_annotation(d, "vnd.docker.reference.type") == NULL;
}

size_t oci_image_index_candidates(const struct oci_image_index *idx,
				  const struct oci_platform *want, size_t *ret)
{
	struct oci_platform w;
	oci_platform_copy(&w, want);
	oci_platform_normalize(&w);
	cleanup_free int *ranks = xcalloc(idx->n_manifests + 1, sizeof(int));
	size_t n = 0;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		if (!selectable(d))
			continue;
		struct oci_platform h;
		oci_platform_copy(&h, &d->platform);
		oci_platform_normalize(&h);
		int r = rank_normalized(&w, &h);
		oci_platform_release(&h);
		if (r < 0)
			continue;
		/* insertion sort by rank, stable so document order breaks ties */
		size_t j = n;
		while (j > 0 && ranks[j - 1] > r) {
			ranks[j] = ranks[j - 1];
			ret[j] = ret[j - 1];
			j--;
		}
		ranks[j] = r;
		ret[j] = i;
		n++;
	}
	oci_platform_release(&w);
	return n;
}

int oci_image_index_select(const struct oci_image_index *idx, const struct oci_platform *want,
			   size_t *ret, berth_error_t **err)
{
	cleanup_free size_t *cand = xcalloc(idx->n_manifests + 1, sizeof(size_t));
	if (oci_image_index_candidates(idx, want, cand) > 0) {
		*ret = cand[0];
		return 0;
	}
	cleanup_free char *w = oci_platform_format(want);
	cleanup_strbuf struct strbuf have = STRBUF_INIT;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		if (!selectable(&idx->manifests[i]))
			continue;
		cleanup_free char *p = oci_platform_format(&idx->manifests[i].platform);
		strbuf_addstr(&have, have.len ? ", " : "");
		strbuf_addf(&have, "%.*s", OCI_QUOTE_MAX, p);
		if (have.len > 1024) {
			strbuf_addstr(&have, ", ...");
			break;
		}
	}
	return berth_error_fail(err, ENOENT, "no manifest for platform '%.*s' (have %s)",
				OCI_QUOTE_MAX, w, have.len ? have.buf : "none");
}
