/* image-config: the image configuration (OCI config.md and Docker's
 * container.image.v1 JSON): parse with field-path errors, serialise with
 * Docker's field names, build new configs, compute chain IDs (change lines
 * are in image-change.c).  Invariant: the image ID is the digest of the config's
 * exact bytes (raw), never of a re-serialisation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"
#include "oci/image.h"

#include "common/banned.h"

/* ---- helpers ---------------------------------------------------------------- */

/* {"k": {}, ...}, as Docker writes ExposedPorts and Volumes */
static json_t *set_to_json(char *const *v, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, v[i], json_object());
	return o;
}

/* obj[key] as a set: an object whose keys are the members; the values
 * are not looked at beyond being objects ("80/tcp": {}) or null */
static int get_set(const json_t *obj, const char *where, const char *key, char ***ret,
		   size_t *ret_n, berth_error_t **err)
{
	json_t *m = NULL;
	if (bjson_get_object(obj, where, key, OCI_OPT, &m, err) < 0)
		return -1;
	if (m == NULL)
		return 0;
	size_t n = json_object_size(m);
	cleanup_free char *path = bjson_path_key(where, key);
	if (n > OCI_IMAGE_MAX_ITEMS)
		return berth_error_fail(err, E2BIG, "%s: %zu entries, more than the limit of %u",
					path, n, OCI_IMAGE_MAX_ITEMS);
	cleanup_strv char **v = xcalloc(n + 1, sizeof(char *));
	size_t i = 0;
	const char *k;
	json_t *val;
	json_object_foreach(m, k, val)
	{
		if (!json_is_object(val) && !json_is_null(val)) {
			cleanup_free char *kp = bjson_path_key(path, k);
			return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", kp,
						bjson_type_name(val));
		}
		v[i++] = xstrdup(k);
	}
	*ret = steal_pointer(&v);
	*ret_n = n;
	return 0;
}

/* A copy of obj without the known keys; NULL when nothing is left */
static json_t *extra_fields(const json_t *obj, const char *const *known)
{
	json_t *extra = NULL;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		if (oci_strv_has(known, k))
			continue;
		if (extra == NULL)
			extra = json_object();
		json_object_set(extra, k, v);
	}
	return extra;
}

static void merge_extra(json_t *o, const json_t *extra)
{
	const char *k;
	json_t *v;
	if (extra)
		json_object_foreach((json_t *)extra, k, v) if (json_object_get(o, k) == NULL)
			json_object_set(o, k, v);
}

/* ---- free ------------------------------------------------------------------- */

static void healthcheck_release(struct oci_image_healthcheck *h)
{
	oci_strv_free(h->test);
	*h = (struct oci_image_healthcheck){ 0 };
}

static void exec_config_release(struct oci_image_exec_config *c)
{
	free(c->user);
	oci_strv_free(c->exposed_ports);
	oci_strv_free(c->env);
	oci_strv_free(c->entrypoint);
	oci_strv_free(c->cmd);
	oci_strv_free(c->volumes);
	free(c->working_dir);
	oci_kv_free(c->labels, c->n_labels);
	free(c->stop_signal);
	healthcheck_release(&c->healthcheck);
	oci_strv_free(c->on_build);
	oci_strv_free(c->shell);
	json_decref(c->extra);
	*c = (struct oci_image_exec_config){ 0 };
}

static void history_release(void *p)
{
	struct oci_image_history *h = p;
	free(h->created);
	free(h->created_by);
	free(h->author);
	free(h->comment);
}

void oci_image_config_free(struct oci_image_config *c)
{
	if (c == NULL)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->os_version);
	oci_strv_free(c->os_features);
	free(c->created);
	free(c->author);
	exec_config_release(&c->config);
	free(c->rootfs_type);
	free(c->diff_ids);
	oci_array_free(c->history, c->n_history, sizeof(struct oci_image_history), history_release);
	json_decref(c->extra);
	oci_raw_release(&c->raw);
	free(c);
}

/* ---- parse ------------------------------------------------------------------ */

static int healthcheck_parse(const json_t *obj, const char *where, struct oci_image_healthcheck *h,
			     berth_error_t **err)
{
	h->present = true;
	if (oci_get_strv(obj, where, "Test", OCI_OPT, &h->test, &h->n_test, err) < 0 ||
	    bjson_get_int_range(obj, where, "Interval", OCI_OPT, 0, INT64_MAX, &h->interval, err) <
		    0 ||
	    bjson_get_int_range(obj, where, "Timeout", OCI_OPT, 0, INT64_MAX, &h->timeout, err) <
		    0 ||
	    bjson_get_int_range(obj, where, "StartPeriod", OCI_OPT, 0, INT64_MAX, &h->start_period,
				err) < 0 ||
	    bjson_get_int_range(obj, where, "StartInterval", OCI_OPT, 0, INT64_MAX,
				&h->start_interval, err) < 0 ||
	    bjson_get_int_range(obj, where, "Retries", OCI_OPT, 0, INT32_MAX, &h->retries, err) < 0)
		return -1;
	return 0;
}

static int exec_config_parse(const json_t *obj, struct oci_image_exec_config *c,
			     berth_error_t **err)
{
	static const char *const known[] = {
		"User",        "ExposedPorts", "Env",    "Entrypoint", "Cmd",
		"Volumes",     "WorkingDir",   "Labels", "StopSignal", "ArgsEscaped",
		"Healthcheck", "OnBuild",      "Shell",  NULL
	};
	const char *w = "config";
	json_t *hc = NULL;
	if (oci_get_str(obj, w, "User", OCI_OPT, &c->user, err) < 0 ||
	    get_set(obj, w, "ExposedPorts", &c->exposed_ports, &c->n_exposed_ports, err) < 0 ||
	    oci_get_strv(obj, w, "Env", OCI_OPT, &c->env, &c->n_env, err) < 0 ||
	    oci_get_strv(obj, w, "Entrypoint", OCI_OPT, &c->entrypoint, &c->n_entrypoint, err) <
		    0 ||
	    oci_get_strv(obj, w, "Cmd", OCI_OPT, &c->cmd, &c->n_cmd, err) < 0 ||
	    get_set(obj, w, "Volumes", &c->volumes, &c->n_volumes, err) < 0 ||
	    oci_get_str(obj, w, "WorkingDir", OCI_OPT, &c->working_dir, err) < 0 ||
	    oci_get_kv(NULL, obj, w, "Labels", &c->labels, &c->n_labels, err) < 0 ||
	    oci_get_str(obj, w, "StopSignal", OCI_OPT, &c->stop_signal, err) < 0 ||
	    bjson_get_bool(obj, w, "ArgsEscaped", OCI_OPT, &c->args_escaped, err) < 0 ||
	    bjson_get_object(obj, w, "Healthcheck", OCI_OPT, &hc, err) < 0 ||
	    (hc && healthcheck_parse(hc, "config.Healthcheck", &c->healthcheck, err) < 0) ||
	    oci_get_strv(obj, w, "OnBuild", OCI_OPT, &c->on_build, &c->n_on_build, err) < 0 ||
	    oci_get_strv(obj, w, "Shell", OCI_OPT, &c->shell, &c->n_shell, err) < 0)
		return -1;
	c->extra = extra_fields(obj, known);
	return 0;
}

static int history_elem(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			void *out, berth_error_t **err)
{
	(void)ctx;
	(void)key;
	struct oci_image_history *h = out;
	if (oci_get_str(v, path, "created", OCI_OPT, &h->created, err) < 0 ||
	    oci_get_str(v, path, "created_by", OCI_OPT, &h->created_by, err) < 0 ||
	    oci_get_str(v, path, "author", OCI_OPT, &h->author, err) < 0 ||
	    oci_get_str(v, path, "comment", OCI_OPT, &h->comment, err) < 0 ||
	    bjson_get_bool(v, path, "empty_layer", OCI_OPT, &h->empty_layer, err) < 0)
		return -1;
	return 0;
}

static int rootfs_parse(const json_t *root, struct oci_image_config *c, berth_error_t **err)
{
	json_t *rootfs = NULL;
	json_t *ids = NULL;
	if (bjson_get_object(root, NULL, "rootfs", OCI_REQ, &rootfs, err) < 0 ||
	    oci_get_str(rootfs, "rootfs", "type", OCI_REQ, &c->rootfs_type, err) < 0 ||
	    bjson_get_array(rootfs, "rootfs", "diff_ids", OCI_OPT, &ids, err) < 0)
		return -1;
	size_t n = ids ? json_array_size(ids) : 0;
	if (n > OCI_IMAGE_MAX_LAYERS)
		return berth_error_fail(err, E2BIG,
					"rootfs.diff_ids: %zu entries, more than the limit of %u",
					n, OCI_IMAGE_MAX_LAYERS);
	c->diff_ids = n ? xcalloc(n, sizeof(struct digest)) : NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(ids, i);
		if (!bjson_is_string(v))
			return berth_error_fail(err, EINVAL,
						"rootfs.diff_ids[%zu]: expected a string, got %s",
						i, bjson_type_name(v));
		if (digest_parse(json_string_value(v), &c->diff_ids[i], err) < 0)
			return berth_error_wrap(err, "rootfs.diff_ids[%zu]", i);
		c->n_diff_ids = i + 1;
	}
	return 0;
}

int oci_image_config_validate(const struct oci_image_config *c, berth_error_t **err)
{
	if (c->architecture == NULL || *c->architecture == '\0')
		return berth_error_fail(err, EINVAL, "architecture: required");
	if (c->os == NULL || *c->os == '\0')
		return berth_error_fail(err, EINVAL, "os: required");
	if (c->rootfs_type == NULL || strcmp(c->rootfs_type, "layers") != 0)
		return berth_error_fail(err, EINVAL, "rootfs.type: '%.*s' is not 'layers'",
					OCI_QUOTE_MAX, c->rootfs_type ? c->rootfs_type : "");
	if (c->n_diff_ids > OCI_IMAGE_MAX_LAYERS)
		return berth_error_fail(err, E2BIG,
					"rootfs.diff_ids: %zu entries, more than the limit of %u",
					c->n_diff_ids, OCI_IMAGE_MAX_LAYERS);
	size_t layers = 0;
	for (size_t i = 0; i < c->n_history; i++)
		layers += !c->history[i].empty_layer;
	if (c->n_history && layers > c->n_diff_ids)
		return berth_error_fail(
			err, EINVAL,
			"history: %zu entries with a layer, but rootfs.diff_ids has only %zu",
			layers, c->n_diff_ids);
	return 0;
}

int oci_image_config_parse(const char *buf, size_t len, struct oci_image_config **ret,
			   berth_error_t **err)
{
	static const char *const known[] = { "architecture", "os",      "variant", "os.version",
					     "os.features",  "created", "author",  "config",
					     "rootfs",       "history", NULL };
	if (len > OCI_IMAGE_CONFIG_MAX_SIZE)
		return berth_error_fail(err, E2BIG,
					"image config: %zu bytes, more than the limit of %u", len,
					OCI_IMAGE_CONFIG_MAX_SIZE);
	cleanup_json json_t *root = NULL;
	if (bjson_load(buf, len, "image config", OCI_IMAGE_CONFIG_MAX_SIZE, OCI_IMAGE_MAX_DEPTH,
		       &root, err) < 0)
		return -1;
	if (!json_is_object(root))
		return berth_error_fail(err, EINVAL, "image config: expected an object, got %s",
					bjson_type_name(root));
	cleanup_oci_image_config struct oci_image_config *c = xzalloc(sizeof(*c));
	json_t *config = NULL;
	json_t *hist = NULL;
	if (oci_get_str(root, NULL, "architecture", OCI_REQ, &c->architecture, err) < 0 ||
	    oci_get_str(root, NULL, "os", OCI_REQ, &c->os, err) < 0 ||
	    oci_get_str(root, NULL, "variant", OCI_OPT, &c->variant, err) < 0 ||
	    oci_get_str(root, NULL, "os.version", OCI_OPT, &c->os_version, err) < 0 ||
	    oci_get_strv(root, NULL, "os.features", OCI_OPT, &c->os_features, &c->n_os_features,
			 err) < 0 ||
	    oci_get_str(root, NULL, "created", OCI_OPT, &c->created, err) < 0 ||
	    oci_get_str(root, NULL, "author", OCI_OPT, &c->author, err) < 0 ||
	    bjson_get_object(root, NULL, "config", OCI_OPT, &config, err) < 0 ||
	    rootfs_parse(root, c, err) < 0 ||
	    bjson_get_array(root, NULL, "history", OCI_OPT, &hist, err) < 0)
		return -1;
	if (config) {
		c->has_config = true;
		if (exec_config_parse(config, &c->config, err) < 0)
			return -1;
	}
	if (hist && json_array_size(hist) > OCI_IMAGE_MAX_HISTORY)
		return berth_error_fail(err, E2BIG,
					"history: %zu entries, more than the limit of %u",
					json_array_size(hist), OCI_IMAGE_MAX_HISTORY);
	void *h = NULL;
	if (oci_get_objarray(NULL, root, NULL, "history", sizeof(struct oci_image_history),
			     history_elem, history_release, &h, &c->n_history, err) < 0)
		return -1;
	c->history = h;
	c->extra = extra_fields(root, known);
	if (oci_image_config_validate(c, err) < 0)
		return -1;
	oci_raw_set(&c->raw, buf, len);
	*ret = steal_pointer(&c);
	return 0;
}

/* ---- serialise -------------------------------------------------------------- */

static json_t *healthcheck_to_json(const struct oci_image_healthcheck *h)
{
	json_t *o = json_object();
	if (h->test)
		json_object_set_new(o, "Test", oci_strv_to_json(h->test, h->n_test));
	if (h->interval)
		json_object_set_new(o, "Interval", json_integer(h->interval));
	if (h->timeout)
		json_object_set_new(o, "Timeout", json_integer(h->timeout));
	if (h->start_period)
		json_object_set_new(o, "StartPeriod", json_integer(h->start_period));
	if (h->start_interval)
		json_object_set_new(o, "StartInterval", json_integer(h->start_interval));
	if (h->retries)
		json_object_set_new(o, "Retries", json_integer(h->retries));
	return o;
}

static json_t *exec_config_to_json(const struct oci_image_exec_config *c)
{
	json_t *o = json_object();
	if (c->user)
		json_object_set_new(o, "User", json_string(c->user));
	if (c->exposed_ports)
		json_object_set_new(o, "ExposedPorts",
				    set_to_json(c->exposed_ports, c->n_exposed_ports));
	if (c->env)
		json_object_set_new(o, "Env", oci_strv_to_json(c->env, c->n_env));
	if (c->entrypoint)
		json_object_set_new(o, "Entrypoint",
				    oci_strv_to_json(c->entrypoint, c->n_entrypoint));
	if (c->cmd)
		json_object_set_new(o, "Cmd", oci_strv_to_json(c->cmd, c->n_cmd));
	if (c->volumes)
		json_object_set_new(o, "Volumes", set_to_json(c->volumes, c->n_volumes));
	if (c->working_dir)
		json_object_set_new(o, "WorkingDir", json_string(c->working_dir));
	if (c->n_labels)
		json_object_set_new(o, "Labels", oci_kv_to_json(c->labels, c->n_labels));
	if (c->stop_signal)
		json_object_set_new(o, "StopSignal", json_string(c->stop_signal));
	if (c->args_escaped)
		json_object_set_new(o, "ArgsEscaped", json_true());
	if (c->healthcheck.present)
		json_object_set_new(o, "Healthcheck", healthcheck_to_json(&c->healthcheck));
	if (c->on_build)
		json_object_set_new(o, "OnBuild", oci_strv_to_json(c->on_build, c->n_on_build));
	if (c->shell)
		json_object_set_new(o, "Shell", oci_strv_to_json(c->shell, c->n_shell));
	merge_extra(o, c->extra);
	return o;
}

json_t *oci_image_config_to_json(const struct oci_image_config *c)
{
	json_t *o = json_object();
	if (c->created)
		json_object_set_new(o, "created", json_string(c->created));
	if (c->author)
		json_object_set_new(o, "author", json_string(c->author));
	json_object_set_new(o, "architecture", json_string(c->architecture ? c->architecture : ""));
	json_object_set_new(o, "os", json_string(c->os ? c->os : ""));
	if (c->os_version)
		json_object_set_new(o, "os.version", json_string(c->os_version));
	if (c->os_features)
		json_object_set_new(o, "os.features",
				    oci_strv_to_json(c->os_features, c->n_os_features));
	if (c->variant)
		json_object_set_new(o, "variant", json_string(c->variant));
	if (c->has_config)
		json_object_set_new(o, "config", exec_config_to_json(&c->config));
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "type", json_string(c->rootfs_type ? c->rootfs_type : ""));
	json_t *ids = json_array();
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		char d[DIGEST_STR_SIZE];
		digest_format(&c->diff_ids[i], d);
		json_array_append_new(ids, json_string(d));
	}
	json_object_set_new(rootfs, "diff_ids", ids);
	json_object_set_new(o, "rootfs", rootfs);
	if (c->history) {
		json_t *a = json_array();
		for (size_t i = 0; i < c->n_history; i++) {
			const struct oci_image_history *h = &c->history[i];
			json_t *e = json_object();
			if (h->created)
				json_object_set_new(e, "created", json_string(h->created));
			if (h->created_by)
				json_object_set_new(e, "created_by", json_string(h->created_by));
			if (h->author)
				json_object_set_new(e, "author", json_string(h->author));
			if (h->comment)
				json_object_set_new(e, "comment", json_string(h->comment));
			if (h->empty_layer)
				json_object_set_new(e, "empty_layer", json_true());
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "history", a);
	}
	merge_extra(o, c->extra);
	return o;
}

void oci_image_config_seal(struct oci_image_config *c)
{
	oci_raw_seal(&c->raw, oci_image_config_to_json(c));
}

/* ---- building ---------------------------------------------------------------- */

struct oci_image_config *oci_image_config_new(const struct oci_platform *p)
{
	struct oci_platform host = { 0 };
	if (p == NULL) {
		oci_platform_host(&host);
		p = &host;
	}
	struct oci_image_config *c = xzalloc(sizeof(*c));
	c->architecture = xstrdup(p->architecture);
	c->os = xstrdup(p->os);
	/* Docker writes no variant for arm64/v8, the default */
	if (p->variant && !(p->architecture && strcmp(p->architecture, "arm64") == 0 &&
			    strcmp(p->variant, "v8") == 0))
		c->variant = xstrdup(p->variant);
	c->os_version = xstrdup(p->os_version);
	c->rootfs_type = xstrdup("layers");
	c->has_config = true;
	oci_platform_release(&host);
	return c;
}

void oci_image_config_add_layer(struct oci_image_config *c, const struct digest *diff_id,
				const char *created, const char *created_by, const char *comment)
{
	if (diff_id) {
		c->diff_ids = xreallocarray(c->diff_ids, c->n_diff_ids + 1, sizeof(struct digest));
		c->diff_ids[c->n_diff_ids++] = *diff_id;
	}
	c->history = xreallocarray(c->history, c->n_history + 1, sizeof(struct oci_image_history));
	c->history[c->n_history++] = (struct oci_image_history){
		.created = xstrdup(created),
		.created_by = xstrdup(created_by),
		.comment = xstrdup(comment),
		.empty_layer = diff_id == NULL,
	};
}

void oci_image_chain_ids(const struct digest *diff_ids, size_t n, struct digest *ret)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			ret[0] = diff_ids[0];
			continue;
		}
		char buf[2 * DIGEST_STR_SIZE];
		digest_format(&ret[i - 1], buf);
		size_t l = strlen(buf);
		buf[l++] = ' ';
		digest_format(&diff_ids[i], buf + l);
		digest_buffer(buf, strlen(buf), &ret[i]);
	}
}
