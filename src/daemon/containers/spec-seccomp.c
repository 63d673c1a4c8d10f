/* spec-seccomp: resolve a seccomp profile in docker's format (the default
 * one or a user's, as `--security-opt seccomp=<file>` sends it) into the
 * OCI linux.seccomp object, as moby's profiles/seccomp setupSeccomp does:
 * archMap picks this host's arches; rules whose includes/excludes (arches,
 * caps, minKernel) do not match this container are dropped.  Caps compare
 * against the final bounding set: adding CAP_SYS_ADMIN unlocks mount. */
#include <string.h>
#include <sys/utsname.h>

#include "daemon/containers/spec-internal.h"
#include "oci/runtime-config.h"

#include "common/banned.h"

/* Go's GOARCH name of this host (what profiles' arches lists use) */
#if defined(__x86_64__)
#define HOST_GOARCH "amd64"
#elif defined(__aarch64__)
#define HOST_GOARCH "arm64"
#elif defined(__i386__)
#define HOST_GOARCH "386"
#elif defined(__arm__)
#define HOST_GOARCH "arm"
#elif defined(__s390x__)
#define HOST_GOARCH "s390x"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_GOARCH "ppc64le"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_GOARCH "riscv64"
#else
#error "unknown architecture: add its GOARCH name here and in scmp_arch_of"
#endif

static const char *scmp_arch_of(const char *goarch)
{
	static const char *const map[][2] = {
		{ "amd64", "SCMP_ARCH_X86_64" },    { "arm64", "SCMP_ARCH_AARCH64" },
		{ "386", "SCMP_ARCH_X86" },         { "arm", "SCMP_ARCH_ARM" },
		{ "s390x", "SCMP_ARCH_S390X" },     { "ppc64le", "SCMP_ARCH_PPC64LE" },
		{ "riscv64", "SCMP_ARCH_RISCV64" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], goarch) == 0)
			return map[i][1];
	return "";
}

static bool in_strings(const json_t *a, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) if (json_is_string(e) &&
					strcmp(json_string_value(e), s) == 0) return true;
	return false;
}

/* "5.10.0-21-amd64" -> 5, 10; the rest is ignored */
static void kernel_version(const char *s, long *major, long *minor)
{
	char *end;
	*major = strtol(s, &end, 10);
	*minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
}

static bool kernel_at_least(const char *kernel, const char *min)
{
	long kmaj, kmin, mmaj, mmin;
	kernel_version(kernel, &kmaj, &kmin);
	kernel_version(min, &mmaj, &mmin);
	return kmaj > mmaj || (kmaj == mmaj && kmin >= mmin);
}

static int cap_in(uint64_t caps, const char *name)
{
	int c = oci_cap_from_name(name);
	return c >= 0 && c < 64 && (caps & (1ULL << c));
}

struct filter_ctx {
	uint64_t caps;
	const char *goarch, *kernel;
};

static int check_strings(const json_t *f, const char *path, const char *key, berth_error_t **err)
{
	json_t *v = json_object_get(f, key);
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *p = bjson_path_key(path, key);
	if (!json_is_array(v))
		return berth_error_fail(err, EINVAL, "%s: want an array of strings, got %s", p,
					bjson_type_name(v));
	return spec_check_strslice(v, p, err);
}

/* includes: every condition given must hold; excludes: none may */
static int rule_applies(const json_t *call, const char *path, const struct filter_ctx *ctx,
			bool *ret, berth_error_t **err)
{
	json_t *inc = json_object_get(call, "includes");
	json_t *exc = json_object_get(call, "excludes");
	cleanup_free char *ip = bjson_path_key(path, "includes");
	cleanup_free char *ep = bjson_path_key(path, "excludes");
	if ((inc && !json_is_null(inc) && !json_is_object(inc)) ||
	    (exc && !json_is_null(exc) && !json_is_object(exc)))
		return berth_error_fail(err, EINVAL, "%s: includes and excludes must be objects",
					path);
	if (check_strings(inc, ip, "arches", err) < 0 || check_strings(inc, ip, "caps", err) < 0 ||
	    check_strings(exc, ep, "arches", err) < 0 || check_strings(exc, ep, "caps", err) < 0)
		return -EINVAL;
	*ret = false;
	json_t *a = json_object_get(inc, "arches");
	if (json_array_size(a) && !in_strings(a, ctx->goarch))
		return 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(inc, "caps"), i,
			   e) if (!cap_in(ctx->caps, json_string_value(e))) return 0;
	const char *mk = json_string_value(json_object_get(inc, "minKernel"));
	if (mk && *mk && !kernel_at_least(ctx->kernel, mk))
		return 0;
	if (in_strings(json_object_get(exc, "arches"), ctx->goarch))
		return 0;
	json_array_foreach(json_object_get(exc, "caps"), i,
			   e) if (cap_in(ctx->caps, json_string_value(e))) return 0;
	mk = json_string_value(json_object_get(exc, "minKernel"));
	if (mk && *mk && kernel_at_least(ctx->kernel, mk))
		return 0;
	*ret = true;
	return 0;
}

static int resolve_call(const json_t *call, const char *path, const struct filter_ctx *ctx,
			json_t *out, berth_error_t **err)
{
	if (!json_is_object(call))
		return berth_error_fail(err, EINVAL, "%s: want an object, got %s", path,
					bjson_type_name(call));
	json_t *name = json_object_get(call, "name");
	json_t *names = json_object_get(call, "names");
	if (name && !json_is_null(name) && names && json_array_size(names))
		return berth_error_fail(err, EINVAL,
					"%s: use either 'name' or 'names' in a seccomp rule", path);
	if (name && !json_is_null(name) && !json_is_string(name))
		return berth_error_fail(err, EINVAL, "%s.name: want a string", path);
	if (check_strings(call, path, "names", err) < 0)
		return -EINVAL;
	const char *action = NULL;
	if (bjson_get_string(call, path, "action", BJSON_REQUIRED, &action, err) < 0)
		return -EINVAL;
	bool applies;
	if (rule_applies(call, path, ctx, &applies, err) < 0)
		return -EINVAL;
	if (!applies)
		return 0;
	json_t *o = json_object();
	json_object_set_new(o, "names",
			    json_is_string(name) ? json_pack("[O]", name) :
						   json_incref(names ? names : json_array()));
	json_object_set_new(o, "action", json_string(action));
	json_t *er = json_object_get(call, "errnoRet");
	if (er && !json_is_null(er))
		json_object_set(o, "errnoRet", er);
	json_t *args = json_object_get(call, "args");
	if (json_array_size(args)) {
		json_t *oa = json_array();
		size_t i;
		json_t *a;
		json_array_foreach(args, i, a)
		{
			json_t *arg = json_object();
			static const char *const keys[] = { "index", "value", "valueTwo", "op",
							    NULL };
			for (const char *const *k = keys; *k; k++) {
				json_t *v = json_object_get(a, *k);
				/* docker's Go struct sends valueTwo: 0 always */
				if (v && !json_is_null(v))
					json_object_set(arg, *k, v);
			}
			json_array_append_new(oa, arg);
		}
		json_object_set_new(o, "args", oa);
	}
	json_array_append_new(out, o);
	return 0;
}

static json_t *host_arches(const json_t *profile, const char *goarch)
{
	const char *native = scmp_arch_of(goarch);
	json_t *archs = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(profile, "archMap"), i, m)
	{
		const char *a = json_string_value(json_object_get(m, "architecture"));
		if (!a || strcmp(a, native) != 0)
			continue;
		json_array_append_new(archs, json_string(a));
		size_t j;
		json_t *s;
		json_array_foreach(json_object_get(m, "subArchitectures"), j,
				   s) if (json_is_string(s)) json_array_append(archs, s);
	}
	return archs;
}

int spec_seccomp_resolve_for(const json_t *profile, uint64_t caps, const char *goarch,
			     const char *kernel, json_t **ret, berth_error_t **err)
{
	const char *where = "seccomp profile";
	if (!json_is_object(profile))
		return berth_error_fail(err, EINVAL, "%s: want an object, got %s", where,
					bjson_type_name(profile));
	json_t *archs = json_object_get(profile, "architectures");
	json_t *amap = json_object_get(profile, "archMap");
	if (json_array_size(archs) && json_array_size(amap))
		return berth_error_fail(err, EINVAL,
					"%s: both 'architectures' and 'archMap' are specified, "
					"use either 'architectures' or 'archMap'",
					where);
	if (check_strings(profile, where, "architectures", err) < 0 ||
	    check_strings(profile, where, "flags", err) < 0)
		return -EINVAL;
	if (amap && !json_is_null(amap) && !json_is_array(amap))
		return berth_error_fail(err, EINVAL, "%s.archMap: want an array", where);
	const char *def = NULL;
	if (bjson_get_string(profile, where, "defaultAction", BJSON_REQUIRED, &def, err) < 0)
		return -EINVAL;
	json_t *calls;
	if (bjson_get_array(profile, where, "syscalls", BJSON_ALLOW_NULL, &calls, err) < 0)
		return -EINVAL;

	cleanup_json json_t *out = json_pack("{s:s}", "defaultAction", def);
	static const char *const copy[] = { "defaultErrnoRet", "listenerPath", "listenerMetadata",
					    "flags", NULL };
	for (const char *const *k = copy; *k; k++) {
		json_t *v = json_object_get(profile, *k);
		if (v && !json_is_null(v) && !(json_is_array(v) && !json_array_size(v)) &&
		    !(json_is_string(v) && !json_string_length(v)))
			json_object_set(out, *k, v);
	}
	json_object_set_new(out, "architectures",
			    json_array_size(archs) ? json_incref(archs) :
						     host_arches(profile, goarch));
	struct filter_ctx ctx = { .caps = caps, .goarch = goarch, .kernel = kernel };
	json_t *ocalls = json_array();
	json_object_set_new(out, "syscalls", ocalls);
	size_t i;
	json_t *c;
	json_array_foreach(calls, i, c)
	{
		cleanup_free char *p = bjson_path_index("seccomp profile.syscalls", i);
		if (resolve_call(c, p, &ctx, ocalls, err) < 0)
			return -EINVAL;
	}
	*ret = steal_pointer(&out);
	return 0;
}

int spec_seccomp_resolve(const json_t *profile, uint64_t caps, json_t **ret, berth_error_t **err)
{
	struct utsname u;
	if (uname(&u) < 0)
		return berth_error_set(err, errno, "uname");
	return spec_seccomp_resolve_for(profile, caps, HOST_GOARCH, u.release, ret, err);
}
