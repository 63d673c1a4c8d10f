/* spec-check: spec_check_host_config, docker's validation of a create
 * request's HostConfig, with docker's own messages (the docker CLI shows
 * them verbatim after "Error response from daemon: ").  Each concern's
 * checks live with its translation; this file runs them all. */
#include <string.h>

#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

static int check_restart(const json_t *hc, berth_error_t **err)
{
	json_t *rp = json_object_get(hc, "RestartPolicy");
	if (!rp || json_is_null(rp))
		return 0;
	if (!json_is_object(rp))
		return berth_error_fail(err, EINVAL, "HostConfig.RestartPolicy: want an object");
	const char *name = "";
	int64_t max = 0;
	if (bjson_get_string(rp, "HostConfig.RestartPolicy", "Name", BJSON_ALLOW_NULL, &name, err) <
		    0 ||
	    bjson_get_int64(rp, "HostConfig.RestartPolicy", "MaximumRetryCount", BJSON_ALLOW_NULL,
			    &max, err) < 0)
		return -EINVAL;
	bool on_failure = strcmp(name, "on-failure") == 0;
	if (*name && strcmp(name, "no") != 0 && strcmp(name, "always") != 0 &&
	    strcmp(name, "unless-stopped") != 0 && !on_failure)
		return berth_error_fail(err, EINVAL,
					"invalid restart policy: unknown policy '%s'; use one of "
					"'no', 'always', 'on-failure', or 'unless-stopped'",
					name);
	if (max != 0 && !on_failure)
		return berth_error_fail(err, EINVAL,
					"invalid restart policy: maximum retry count can only be "
					"used with 'on-failure'");
	if (max < 0)
		return berth_error_fail(err, EINVAL,
					"invalid restart policy: maximum retry count cannot be "
					"negative");
	bool auto_remove = false;
	if (spec_hc_bool(hc, "AutoRemove", &auto_remove, err) < 0)
		return -EINVAL;
	if (auto_remove && *name && strcmp(name, "no") != 0)
		return berth_error_fail(err, EINVAL,
					"can't create 'AutoRemove' container with restart policy");
	return 0;
}

int spec_check_host_config(const json_t *host_config, berth_error_t **err)
{
	const json_t *hc = host_config;
	if (!hc || json_is_null(hc))
		return 0;
	if (!json_is_object(hc))
		return berth_error_fail(err, EINVAL, "HostConfig: want an object, got %s",
					bjson_type_name(hc));
	uint64_t caps;
	bool host_net, host_uts;
	struct spec_security sec;
	cleanup_json json_t *scratch = json_object();
	if (check_restart(hc, err) < 0 || spec_check_resources(hc, err) < 0 ||
	    spec_caps_tweak(hc, &caps, err) < 0 || spec_check_mounts(hc, err) < 0 ||
	    spec_check_devices(hc, err) < 0 || spec_security_opts(hc, &sec, err) < 0 ||
	    spec_check_modes(hc, &host_net, &host_uts, err) < 0 ||
	    spec_add_sysctls(scratch, hc, host_net, host_uts, err) < 0)
		return spec_err_code(err);
	return 0;
}
