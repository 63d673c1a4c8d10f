/* spec-exec: the OCI process of `docker exec`.  It starts from the
 * container's own process (capabilities, rlimits, AppArmor profile,
 * no_new_privs and OOM score stay: an exec must not escape what the
 * container was given) and takes Cmd, Env (over the container's), User,
 * WorkingDir, Tty and ConsoleSize from the ExecConfig.  Privileged gives
 * every capability, as docker's exec --privileged does. */
#include <string.h>

#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

static void env_replace_or_append(json_t *env, const char *entry)
{
	size_t kl = strcspn(entry, "=");
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && strncmp(s, entry, kl) == 0 && (s[kl] == '=' || s[kl] == '\0')) {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

static int exec_user(json_t *process, const json_t *spec, const char *user, bool privileged,
		     berth_error_t **err)
{
	json_t *caps = json_object_get(process, "capabilities");
	json_t *bounding = json_object_get(caps, "bounding");
	if (privileged) {
		bounding = spec_caps_json(spec_caps_all());
		json_object_set_new(process, "capabilities",
				    json_pack("{s:o}", "bounding", bounding));
		caps = json_object_get(process, "capabilities");
		json_object_del(process, "apparmorProfile");
	}
	json_int_t uid =
		json_integer_value(json_object_get(json_object_get(process, "user"), "uid"));
	if (user && *user) {
		const char *rootfs =
			json_string_value(json_object_get(json_object_get(spec, "root"), "path"));
		if (!rootfs)
			return berth_error_fail(err, EINVAL,
						"the container's spec has no root.path");
		struct spec_user u;
		if (spec_user_resolve(rootfs, user, NULL, &u, err) < 0)
			return spec_err_code(err);
		json_t *gids = json_array();
		for (size_t i = 0; i < u.n_gids; i++)
			json_array_append_new(gids, json_integer(u.gids[i]));
		json_object_set_new(process, "user",
				    json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)u.uid, "gid",
					      (json_int_t)u.gid, "additionalGids", gids));
		uid = u.uid;
		spec_user_release(&u);
	}
	/* effective and permitted follow the user: root gets the bounding
	 * set, anyone else none (what execve gives a non-root process) */
	if (json_is_object(caps)) {
		if (uid == 0 && bounding) {
			json_object_set(caps, "effective", bounding);
			json_object_set(caps, "permitted", bounding);
		} else {
			json_object_del(caps, "effective");
			json_object_del(caps, "permitted");
			json_object_del(caps, "inheritable");
			json_object_del(caps, "ambient");
		}
	}
	return 0;
}

int spec_exec_process(const json_t *spec, const json_t *exec_config, json_t **ret_process,
		      berth_error_t **err)
{
	const char *where = "ExecConfig";
	const json_t *base = json_object_get(spec, "process");
	if (!json_is_object(base))
		return berth_error_fail(err, EINVAL, "the container's spec has no process");
	if (!json_is_object(exec_config))
		return berth_error_fail(err, EINVAL, "%s: want an object", where);
	cleanup_json json_t *cmd = NULL;
	json_t *cmd_v = json_object_get(exec_config, "Cmd");
	if (spec_check_strslice(cmd_v, "ExecConfig.Cmd", err) < 0)
		return -EINVAL;
	cmd = spec_strslice(cmd_v);
	if (!json_array_size(cmd))
		return berth_error_fail(err, EINVAL, "No exec command specified");
	const char *user = NULL, *cwd = NULL;
	bool tty = false, privileged = false;
	json_t *env = NULL;
	if (bjson_get_string(exec_config, where, "User", BJSON_ALLOW_NULL, &user, err) < 0 ||
	    bjson_get_string(exec_config, where, "WorkingDir", BJSON_ALLOW_NULL, &cwd, err) < 0 ||
	    bjson_get_bool(exec_config, where, "Tty", BJSON_ALLOW_NULL, &tty, err) < 0 ||
	    bjson_get_bool(exec_config, where, "Privileged", BJSON_ALLOW_NULL, &privileged, err) <
		    0 ||
	    bjson_get_array(exec_config, where, "Env", BJSON_ALLOW_NULL, &env, err) < 0 ||
	    spec_check_strslice(env, "ExecConfig.Env", err) < 0)
		return -EINVAL;
	if (cwd && *cwd && cwd[0] != '/')
		return berth_error_fail(err, EINVAL,
					"the working directory '%s' is invalid, it needs to be an "
					"absolute path",
					cwd);
	cleanup_json json_t *p = json_deep_copy(base);
	json_object_set(p, "args", cmd);
	json_object_set_new(p, "terminal", json_boolean(tty));
	json_object_del(p, "consoleSize");
	json_t *cs = json_object_get(exec_config, "ConsoleSize");
	if (tty && json_is_array(cs) && json_array_size(cs) == 2 &&
	    json_integer_value(json_array_get(cs, 0)) > 0 &&
	    json_integer_value(json_array_get(cs, 1)) > 0)
		json_object_set_new(p, "consoleSize",
				    json_pack("{s:O, s:O}", "height", json_array_get(cs, 0),
					      "width", json_array_get(cs, 1)));
	json_t *penv = json_object_get(p, "env");
	if (!json_is_array(penv)) {
		penv = json_array();
		json_object_set_new(p, "env", penv);
	}
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e) env_replace_or_append(penv, json_string_value(e));
	if (cwd && *cwd)
		json_object_set_new(p, "cwd", json_string(cwd));
	if (exec_user(p, spec, user, privileged, err) < 0)
		return spec_err_code(err);
	*ret_process = steal_pointer(&p);
	return 0;
}
