/* runtime-config: the top level of config.json (config.md): ociVersion,
 * root, process, hostname, domainname, mounts, hooks, annotations, linux;
 * loading from text or a bundle, freeing.  Sections live in their own
 * files.  Invariant: oci_config_from_json hands out a config only when it
 * parsed and validated; warnings about ignored fields travel inside it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"

#include "common/banned.h"

static int parse_mount(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
		       void *out, berth_error_t **err)
{
	static const char *const known[] = { "destination", "type",        "source", "options",
					     "uidMappings", "gidMappings", NULL };
	struct oci_mount *m = out;
	oci_pctx_check_keys(ctx, v, path, known);
	void *uid = NULL, *gid = NULL;
	if (oci_get_str(v, path, "destination", OCI_REQ, &m->destination, err) < 0 ||
	    oci_get_str(v, path, "type", OCI_OPT, &m->type, err) < 0 ||
	    oci_get_str(v, path, "source", OCI_OPT, &m->source, err) < 0 ||
	    oci_get_strv(v, path, "options", OCI_OPT, &m->options, &m->n_options, err) < 0 ||
	    oci_get_objarray(ctx, v, path, "uidMappings", sizeof(struct oci_id_mapping),
			     oci_id_mapping_parse, NULL, &uid, &m->n_uid_mappings, err) < 0)
		return -1;
	m->uid_mappings = uid;
	if (oci_get_objarray(ctx, v, path, "gidMappings", sizeof(struct oci_id_mapping),
			     oci_id_mapping_parse, NULL, &gid, &m->n_gid_mappings, err) < 0)
		return -1;
	m->gid_mappings = gid;
	return 0;
}

static void mount_release(void *elem)
{
	struct oci_mount *m = elem;
	free(m->destination);
	free(m->type);
	free(m->source);
	oci_strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

static int parse_hook(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
		      void *out, berth_error_t **err)
{
	static const char *const known[] = { "path", "args", "env", "timeout", NULL };
	struct oci_hook *h = out;
	oci_pctx_check_keys(ctx, v, path, known);
	h->has_timeout = oci_has(v, "timeout");
	if (oci_get_str(v, path, "path", OCI_REQ, &h->path, err) < 0 ||
	    oci_get_strv(v, path, "args", OCI_OPT, &h->args, &h->n_args, err) < 0 ||
	    oci_get_strv(v, path, "env", OCI_OPT, &h->env, &h->n_env, err) < 0 ||
	    oci_get_int32(v, path, "timeout", OCI_OPT, &h->timeout, err) < 0)
		return -1;
	return 0;
}

static void hook_release(void *elem)
{
	struct oci_hook *h = elem;
	free(h->path);
	oci_strv_free(h->args);
	oci_strv_free(h->env);
}

/* The hook lists in spec order; shared with validation and serialisation */
static const char *const hook_names[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	NULL
};

static struct oci_hook_list *hook_list(struct oci_hooks *h, size_t i)
{
	struct oci_hook_list *lists[] = { &h->prestart,         &h->create_runtime,
					  &h->create_container, &h->start_container,
					  &h->poststart,        &h->poststop };
	return lists[i];
}

static int parse_hooks(struct oci_pctx *ctx, const json_t *obj, struct oci_hooks *hooks,
		       berth_error_t **err)
{
	json_t *o = NULL;
	if (bjson_get_object(obj, NULL, "hooks", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	oci_pctx_check_keys(ctx, o, "hooks", hook_names);
	for (size_t i = 0; hook_names[i]; i++) {
		struct oci_hook_list *l = hook_list(hooks, i);
		void *arr = NULL;
		if (oci_get_objarray(ctx, o, "hooks", hook_names[i], sizeof(struct oci_hook),
				     parse_hook, hook_release, &arr, &l->n, err) < 0)
			return -1;
		l->hooks = arr;
	}
	return 0;
}

static int parse_root(struct oci_pctx *ctx, const json_t *obj, struct oci_config *c,
		      berth_error_t **err)
{
	static const char *const known[] = { "path", "readonly", NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, NULL, "root", OCI_REQ, &o, err) < 0)
		return -1;
	oci_pctx_check_keys(ctx, o, "root", known);
	if (oci_get_str(o, "root", "path", OCI_REQ, &c->root_path, err) < 0 ||
	    bjson_get_bool(o, "root", "readonly", OCI_OPT, &c->root_readonly, err) < 0)
		return -1;
	return 0;
}

static int parse_sections(struct oci_pctx *ctx, const json_t *root, struct oci_config *c,
			  berth_error_t **err)
{
	json_t *o = NULL;
	if (bjson_get_object(root, NULL, "process", OCI_OPT, &o, err) < 0)
		return -1;
	if (o) {
		c->has_process = true;
		if (oci_process_parse(ctx, o, "process", &c->process, err) < 0)
			return -1;
	}
	o = NULL;
	if (bjson_get_object(root, NULL, "linux", OCI_OPT, &o, err) < 0)
		return -1;
	if (o && oci_linux_parse(ctx, o, "linux", &c->linux_, err) < 0)
		return -1;
	return 0;
}

/* Platform sections that are part of the spec but mean nothing here */
static void warn_other_platforms(struct oci_pctx *ctx, const json_t *root)
{
	static const char *const other[] = { "windows", "solaris", "vm", "zos", "freebsd", NULL };
	for (const char *const *p = other; *p; p++)
		if (oci_has(root, *p))
			oci_pctx_warn(ctx, "field '%s' is for another platform, ignoring", *p);
}

static int parse_config(struct oci_pctx *ctx, const json_t *root, struct oci_config *c,
			berth_error_t **err)
{
	static const char *const known[] = { "ociVersion", "root",    "process", "hostname",
					     "domainname", "mounts",  "hooks",   "annotations",
					     "linux",      "windows", "solaris", "vm",
					     "zos",        "freebsd", NULL };
	if (!json_is_object(root))
		return berth_error_fail(err, EINVAL, "expected an object, got %s",
					bjson_type_name(root));
	oci_pctx_check_keys(ctx, root, NULL, known);
	warn_other_platforms(ctx, root);
	void *mounts = NULL;
	if (oci_get_str(root, NULL, "ociVersion", OCI_REQ, &c->oci_version, err) < 0 ||
	    parse_root(ctx, root, c, err) < 0 || parse_sections(ctx, root, c, err) < 0 ||
	    oci_get_str(root, NULL, "hostname", OCI_OPT, &c->hostname, err) < 0 ||
	    oci_get_str(root, NULL, "domainname", OCI_OPT, &c->domainname, err) < 0 ||
	    oci_get_objarray(ctx, root, NULL, "mounts", sizeof(struct oci_mount), parse_mount,
			     mount_release, &mounts, &c->n_mounts, err) < 0)
		return -1;
	c->mounts = mounts;
	if (parse_hooks(ctx, root, &c->hooks, err) < 0 ||
	    oci_get_kv(ctx, root, NULL, "annotations", &c->annotations, &c->n_annotations, err) < 0)
		return -1;
	return 0;
}

int oci_config_from_json(const json_t *root, struct oci_config **ret, berth_error_t **err)
{
	cleanup_oci_config struct oci_config *c = xzalloc(sizeof(*c));
	struct oci_pctx ctx = { &c->warnings, &c->n_warnings };
	if (parse_config(&ctx, root, c, err) < 0 || oci_config_validate(c, err) < 0)
		return -1;
	*ret = steal_pointer(&c);
	return 0;
}

int oci_config_parse(const char *buf, size_t len, struct oci_config **ret, berth_error_t **err)
{
	cleanup_json json_t *root = NULL;
	if (bjson_load(buf, len, "config.json", OCI_CONFIG_MAX_SIZE, OCI_CONFIG_MAX_DEPTH, &root,
		       err) < 0)
		return -1;
	if (oci_config_from_json(root, ret, err) < 0)
		return berth_error_wrap(err, "config.json");
	return 0;
}

int oci_config_load_bundle(const char *bundle, struct oci_config **ret, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_json json_t *root = NULL;
	if (bjson_load_file(path, OCI_CONFIG_MAX_SIZE, OCI_CONFIG_MAX_DEPTH, &root, err) < 0)
		return -1;
	if (oci_config_from_json(root, ret, err) < 0)
		return berth_error_wrap(err, "%s", path);
	return 0;
}

void oci_config_free(struct oci_config *c)
{
	if (c == NULL)
		return;
	free(c->oci_version);
	free(c->root_path);
	oci_process_release(&c->process);
	free(c->hostname);
	free(c->domainname);
	oci_array_free(c->mounts, c->n_mounts, sizeof(struct oci_mount), mount_release);
	for (size_t i = 0; hook_names[i]; i++) {
		struct oci_hook_list *l = hook_list(&c->hooks, i);
		oci_array_free(l->hooks, l->n, sizeof(struct oci_hook), hook_release);
	}
	oci_kv_free(c->annotations, c->n_annotations);
	oci_linux_release(&c->linux_);
	oci_strv_free(c->warnings);
	free(c);
}

/* ---- validation of the top level -------------------------------------- */

/* "1.0.0", "1.1.0-rc.1", "1.0.2-dev", "1.2": major 1, then digits */
static bool version_ok(const char *v)
{
	if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
		return false;
	v += 2 + strspn(v + 2, "0123456789");
	if (*v == '.') {
		if (v[1] < '0' || v[1] > '9')
			return false;
		v += 1 + strspn(v + 1, "0123456789");
	}
	return *v == '\0' || *v == '-' || *v == '+';
}

static int validate_mounts(const struct oci_config *c, berth_error_t **err)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const char *d = c->mounts[i].destination;
		if (d == NULL || d[0] != '/')
			return berth_error_fail(err, EINVAL,
						"mounts[%zu].destination: '%.*s' is not an absolute "
						"path",
						i, OCI_QUOTE_MAX, d ? d : "");
	}
	return 0;
}

static int validate_hooks(const struct oci_config *c, berth_error_t **err)
{
	for (size_t i = 0; hook_names[i]; i++) {
		const struct oci_hook_list *l = hook_list((struct oci_hooks *)&c->hooks, i);
		for (size_t j = 0; j < l->n; j++) {
			const struct oci_hook *h = &l->hooks[j];
			if (h->path == NULL || h->path[0] != '/')
				return berth_error_fail(err, EINVAL,
							"hooks.%s[%zu].path: '%.*s' is not an "
							"absolute path",
							hook_names[i], j, OCI_QUOTE_MAX,
							h->path ? h->path : "");
			if (h->has_timeout && h->timeout <= 0)
				return berth_error_fail(err, EINVAL,
							"hooks.%s[%zu].timeout: must be greater "
							"than zero",
							hook_names[i], j);
		}
	}
	return 0;
}

int oci_config_validate(const struct oci_config *c, berth_error_t **err)
{
	if (c->oci_version == NULL)
		return berth_error_fail(err, EINVAL, "missing required field 'ociVersion'");
	if (!version_ok(c->oci_version))
		return berth_error_fail(err, EINVAL,
					"ociVersion: unsupported version '%.*s', want 1.x",
					OCI_QUOTE_MAX, c->oci_version);
	if (c->root_path == NULL || c->root_path[0] == '\0')
		return berth_error_fail(err, EINVAL, "root.path: must not be empty");
	if (c->has_process && oci_process_validate(&c->process, "process", err) < 0)
		return -1;
	if (validate_mounts(c, err) < 0 || validate_hooks(c, err) < 0 ||
	    oci_linux_validate(c, err) < 0)
		return -1;
	return 0;
}
