/* spec-config: docker's merge of a create request's Config with the
 * image's config (moby daemon/commit.go merge).  The user's fields win;
 * the image fills what the user left empty, Env and Labels and the port
 * and volume sets are unions.  Inputs are checked for their JSON types
 * first, so that everything after the merge may trust the shapes. */
#include <string.h>

#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

/* A string slice of docker's API: an array of strings, a lone string (old
 * clients) or null */
int spec_check_strslice(const json_t *v, const char *path, berth_error_t **err)
{
	if (!v || json_is_null(v) || json_is_string(v))
		return 0;
	if (!json_is_array(v))
		return berth_error_fail(err, EINVAL, "%s: want an array of strings, got %s", path,
					bjson_type_name(v));
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return berth_error_fail(err, EINVAL,
						"%s: want an array of strings, got %s at [%zu]",
						path, bjson_type_name(e), i);
	}
	return 0;
}

static int check_string_map(const json_t *v, const char *path, berth_error_t **err)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return berth_error_fail(err, EINVAL, "%s: want an object of strings, got %s", path,
					bjson_type_name(v));
	const char *k;
	json_t *e;
	json_object_foreach((json_t *)v, k, e)
	{
		if (!json_is_string(e))
			return berth_error_fail(err, EINVAL, "%s.%s: want a string, got %s", path,
						k, bjson_type_name(e));
	}
	return 0;
}

static int check_type(const json_t *cfg, const char *where, const char *key, json_type t,
		      const char *want, berth_error_t **err)
{
	json_t *v = json_object_get(cfg, key);
	if (!v || json_is_null(v) || json_typeof(v) == t)
		return 0;
	return berth_error_fail(err, EINVAL, "%s.%s: want %s, got %s", where, key, want,
				bjson_type_name(v));
}

/* The shapes every later step relies on */
int spec_check_config(const json_t *cfg, const char *where, berth_error_t **err)
{
	if (!cfg || json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return berth_error_fail(err, EINVAL, "%s: want an object, got %s", where,
					bjson_type_name(cfg));
	static const char *const strings[] = { "User",       "WorkingDir", "StopSignal", "Hostname",
					       "Domainname", "Image",      NULL };
	static const char *const objects[] = { "ExposedPorts", "Volumes", "Healthcheck", NULL };
	for (const char *const *k = strings; *k; k++)
		if (check_type(cfg, where, *k, JSON_STRING, "a string", err) < 0)
			return -EINVAL;
	for (const char *const *k = objects; *k; k++)
		if (check_type(cfg, where, *k, JSON_OBJECT, "an object", err) < 0)
			return -EINVAL;
	json_t *env = json_object_get(cfg, "Env");
	if (env && !json_is_null(env)) {
		cleanup_free char *p = bjson_path_key(where, "Env");
		if (!json_is_array(env))
			return berth_error_fail(err, EINVAL, "%s: want an array of strings, got %s",
						p, bjson_type_name(env));
		if (spec_check_strslice(env, p, err) < 0)
			return -EINVAL;
	}
	static const char *const slices[] = { "Cmd", "Entrypoint", NULL };
	for (const char *const *k = slices; *k; k++) {
		cleanup_free char *p = bjson_path_key(where, *k);
		if (spec_check_strslice(json_object_get(cfg, *k), p, err) < 0)
			return -EINVAL;
	}
	cleanup_free char *lp = bjson_path_key(where, "Labels");
	return check_string_map(json_object_get(cfg, "Labels"), lp, err);
}

/* The array form of a string slice: a new reference, NULL for null/absent */
json_t *spec_strslice(const json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_pack("[O]", v);
	return json_incref((json_t *)v);
}

static size_t env_key_len(const char *e)
{
	const char *eq = strchr(e, '=');
	return eq ? (size_t)(eq - e) : strlen(e);
}

/* Docker's order: the user's entries, then the image's whose names the
 * user did not set */
static json_t *merge_env(const json_t *user, const json_t *image)
{
	json_t *out = json_array();
	size_t i, j;
	json_t *u, *m;
	json_array_foreach(user, i, u) json_array_append(out, u);
	json_array_foreach(image, i, m)
	{
		const char *ie = json_string_value(m);
		size_t il = env_key_len(ie);
		bool found = false;
		json_array_foreach(user, j, u)
		{
			const char *ue = json_string_value(u);
			if (env_key_len(ue) == il && strncmp(ue, ie, il) == 0) {
				found = true;
				break;
			}
		}
		if (!found)
			json_array_append(out, m);
	}
	return out;
}

static bool empty(const json_t *v)
{
	if (!v || json_is_null(v))
		return true;
	if (json_is_string(v))
		return json_string_length(v) == 0;
	if (json_is_array(v))
		return json_array_size(v) == 0;
	if (json_is_object(v))
		return json_object_size(v) == 0;
	return false;
}

/* Union of two objects, the user's keys first and winning */
static json_t *merge_set(const json_t *user, const json_t *image)
{
	json_t *out = json_object();
	if (json_is_object(user))
		json_object_update(out, (json_t *)user);
	if (json_is_object(image))
		json_object_update_missing(out, (json_t *)image);
	return out;
}

static void merge_healthcheck(json_t *out, const json_t *image_hc)
{
	json_t *hc = json_object_get(out, "Healthcheck");
	if (!json_is_object(image_hc))
		return;
	if (!json_is_object(hc)) {
		json_object_set_new(out, "Healthcheck", json_deep_copy(image_hc));
		return;
	}
	json_t *merged = json_deep_copy(hc);
	static const char *const keys[] = { "Test",          "Interval", "Timeout", "StartPeriod",
					    "StartInterval", "Retries",  NULL };
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(merged, *k);
		bool unset = empty(v) || (json_is_integer(v) && json_integer_value(v) == 0);
		json_t *iv = json_object_get(image_hc, *k);
		if (unset && iv)
			json_object_set(merged, *k, iv);
	}
	json_object_set_new(out, "Healthcheck", merged);
}

static void fill_string(json_t *out, const json_t *image, const char *key)
{
	json_t *v = json_object_get(out, key);
	json_t *iv = json_object_get(image, key);
	if (empty(v) && json_is_string(iv))
		json_object_set(out, key, iv);
}

static void merge_cmd(json_t *out, const json_t *image)
{
	cleanup_json json_t *ep = spec_strslice(json_object_get(out, "Entrypoint"));
	cleanup_json json_t *cmd = spec_strslice(json_object_get(out, "Cmd"));
	if (ep)
		json_object_set(out, "Entrypoint", ep);
	if (cmd)
		json_object_set(out, "Cmd", cmd);
	if (!empty(ep))
		return; /* the user's entrypoint takes the user's Cmd only */
	if (empty(cmd)) {
		json_t *icmd = json_object_get(image, "Cmd");
		if (icmd && !json_is_null(icmd))
			json_object_set_new(out, "Cmd", spec_strslice(icmd));
		json_t *ae = json_object_get(image, "ArgsEscaped");
		if (ae)
			json_object_set(out, "ArgsEscaped", ae);
	}
	/* An explicit empty entrypoint (`--entrypoint ""`) resets the image's */
	if (!ep) {
		json_t *iep = json_object_get(image, "Entrypoint");
		if (iep && !json_is_null(iep))
			json_object_set_new(out, "Entrypoint", spec_strslice(iep));
	}
}

int spec_merge_config(const json_t *create_config, const json_t *image_config, json_t **ret,
		      berth_error_t **err)
{
	if (spec_check_config(create_config, "Config", err) < 0 ||
	    spec_check_config(image_config, "image config", err) < 0)
		return -EINVAL;
	cleanup_json json_t *out = json_is_object(create_config) ? json_deep_copy(create_config) :
								   json_object();
	const json_t *image = json_is_object(image_config) ? image_config : NULL;
	if (!image) {
		merge_cmd(out, NULL);
		*ret = steal_pointer(&out);
		return 0;
	}
	fill_string(out, image, "User");
	fill_string(out, image, "WorkingDir");
	fill_string(out, image, "StopSignal");

	json_t *uenv = json_object_get(out, "Env");
	json_t *ienv = json_object_get(image, "Env");
	if (empty(uenv)) {
		if (json_is_array(ienv))
			json_object_set(out, "Env", ienv);
	} else if (json_is_array(ienv)) {
		json_object_set_new(out, "Env", merge_env(uenv, ienv));
	}

	json_object_set_new(out, "Labels",
			    merge_set(json_object_get(out, "Labels"),
				      json_object_get(image, "Labels")));
	static const char *const sets[] = { "ExposedPorts", "Volumes", NULL };
	for (const char *const *k = sets; *k; k++) {
		json_t *iv = json_object_get(image, *k);
		if (!json_is_object(iv))
			continue;
		json_object_set_new(out, *k, merge_set(json_object_get(out, *k), iv));
	}
	merge_cmd(out, image);
	merge_healthcheck(out, json_object_get(image, "Healthcheck"));
	/* OnBuild triggers run only in builds */
	*ret = steal_pointer(&out);
	return 0;
}
