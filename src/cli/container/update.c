/* update: `berth update [OPTIONS] CONTAINER...`, docker's
 * container/update.go.  The flags become one Resources body sent to every
 * container (zero meaning "unchanged", as docker sends it); names that
 * were updated are printed, then the daemon's warnings, then the errors.
 * Values are checked before anything is sent, with pflag's messages. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag update_flags[] = {
	{ .name = "blkio-weight",
	  .type = CLI_INT,
	  .value_name = "uint16",
	  .usage = "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)" },
	{ .name = "cpu-period",
	  .type = CLI_INT,
	  .usage = "Limit CPU CFS (Completely Fair Scheduler) period" },
	{ .name = "cpu-quota",
	  .type = CLI_INT,
	  .usage = "Limit CPU CFS (Completely Fair Scheduler) quota" },
	{ .name = "cpu-rt-period",
	  .type = CLI_INT,
	  .usage = "Limit the CPU real-time period in microseconds" },
	{ .name = "cpu-rt-runtime",
	  .type = CLI_INT,
	  .usage = "Limit the CPU real-time runtime in microseconds" },
	{ .name = "cpu-shares",
	  .shorthand = 'c',
	  .type = CLI_INT,
	  .usage = "CPU shares (relative weight)" },
	{ .name = "cpus", .type = CLI_STRING, .value_name = "decimal", .usage = "Number of CPUs" },
	{ .name = "cpuset-cpus",
	  .type = CLI_STRING,
	  .usage = "CPUs in which to allow execution (0-3, 0,1)" },
	{ .name = "cpuset-mems",
	  .type = CLI_STRING,
	  .usage = "MEMs in which to allow execution (0-3, 0,1)" },
	{ .name = "memory",
	  .shorthand = 'm',
	  .type = CLI_STRING,
	  .value_name = "bytes",
	  .usage = "Memory limit" },
	{ .name = "memory-reservation",
	  .type = CLI_STRING,
	  .value_name = "bytes",
	  .usage = "Memory soft limit" },
	{ .name = "memory-swap",
	  .type = CLI_STRING,
	  .value_name = "bytes",
	  .usage = "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
	{ .name = "pids-limit",
	  .type = CLI_INT,
	  .usage = "Tune container pids limit (set -1 for unlimited)" },
	{ .name = "restart",
	  .type = CLI_STRING,
	  .usage = "Restart policy to apply when a container exits",
	  .complete = "no|always|on-failure|unless-stopped" },
	CLI_FLAGS_END
};

/* opts.MemBytes: a size with docker's units; the message is pflag's */
static int update_bytes(struct cli *cli, const struct cli_args *args, const char *name,
			char shorthand, bool swap, int64_t *ret)
{
	const char *v = cli_flag_string(args, name);
	*ret = 0;
	if (!cli_flag_changed(args, name) || !v)
		return 0;
	if (swap && strcmp(v, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	cleanup_error berth_error_t *err = NULL;
	if (parse_size(v, ret, &err) < 0 || *ret < 0) {
		cleanup_free char *flag = shorthand ? xasprintf("-%c, --%s", shorthand, name) :
						      xasprintf("--%s", name);
		return cli_flag_error(cli,
				      "invalid argument \"%s\" for \"%s\" flag: invalid size: '%s'",
				      v, flag, v);
	}
	return 0;
}

/* opts.NanoCPUs: a decimal number of CPUs, exact to the nanosecond */
static int update_cpus(struct cli *cli, const struct cli_args *args, int64_t *ret)
{
	const char *v = cli_flag_string(args, "cpus");
	*ret = 0;
	if (!cli_flag_changed(args, "cpus") || !v)
		return 0;
	const char *dot = strchr(v, '.');
	size_t frac = dot ? strlen(dot + 1) : 0;
	cleanup_free char *whole = dot ? xstrndup(v, (size_t)(dot - v)) : xstrdup(v);
	int64_t w = 0, f = 0;
	cleanup_error berth_error_t *err = NULL;
	bool ok = (*whole == '\0' && dot) || parse_int64(whole, 10, &w, &err) == 0;
	if (ok && frac)
		ok = strspn(dot + 1, "0123456789") == frac;
	if (!ok || (!dot && !*whole))
		return cli_flag_error(
			cli,
			"invalid argument \"%s\" for \"--cpus\" flag: failed to parse %s as a "
			"rational number",
			v, v);
	if (frac > 9)
		return cli_flag_error(
			cli, "invalid argument \"%s\" for \"--cpus\" flag: value is too precise",
			v);
	if (frac) {
		cleanup_free char *digits =
			xasprintf("%.*s%0*d", (int)frac, dot + 1, (int)(9 - frac), 0);
		parse_int64(digits, 10, &f, NULL);
	}
	if (w < 0 || w > INT64_MAX / 1000000000 - 1)
		return cli_flag_error(
			cli, "invalid argument \"%s\" for \"--cpus\" flag: value is too precise",
			v);
	*ret = w * 1000000000 + f;
	return 0;
}

/* opts.ParseRestartPolicy; the daemon checks the name */
static int update_restart(struct cli *cli, const char *policy, json_t *body)
{
	const char *colon = strchr(policy, ':');
	cleanup_free char *name = colon ? xstrndup(policy, (size_t)(colon - policy)) :
					  xstrdup(policy);
	int count = 0;
	cleanup_error berth_error_t *err = NULL;
	if (colon && !*name)
		berth_error_fail(&err, EINVAL,
				 "invalid restart policy format: no policy provided before colon");
	else if (colon && colon[1] && parse_int(colon + 1, &count, NULL) < 0)
		berth_error_fail(
			&err, EINVAL,
			"invalid restart policy format: maximum retry count must be an integer");
	if (err)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	json_object_set_new(body, "RestartPolicy",
			    json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", count));
	return 0;
}

static bool update_any_flag(const struct cli_args *args)
{
	for (const struct cli_flag *f = update_flags; f->name; f++)
		if (cli_flag_changed(args, f->name))
			return true;
	return false;
}

/* 0 and the body, or the exit code when a value is bad (already reported) */
static int update_body(struct cli *cli, const struct cli_args *args, json_t **ret)
{
	int64_t mem, mres, mswap, cpus;
	int r;
	if ((r = update_bytes(cli, args, "memory", 'm', false, &mem)) ||
	    (r = update_bytes(cli, args, "memory-reservation", 0, false, &mres)) ||
	    (r = update_bytes(cli, args, "memory-swap", 0, true, &mswap)) ||
	    (r = update_cpus(cli, args, &cpus)))
		return r;
	int64_t weight = cli_flag_int(args, "blkio-weight");
	if (weight < 0 || weight > 65535)
		return cli_flag_error(
			cli,
			"invalid argument \"%lld\" for \"--blkio-weight\" flag: strconv.ParseUint: "
			"parsing \"%lld\": value out of range",
			(long long)weight, (long long)weight);
	const char *cpuset_cpus = cli_flag_string(args, "cpuset-cpus");
	const char *cpuset_mems = cli_flag_string(args, "cpuset-mems");
	cleanup_json json_t *body = json_pack(
		"{s:I, s:[], s:[], s:[], s:[], s:[], s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"BlkioWeight", (json_int_t)weight, "BlkioWeightDevice", "BlkioDeviceReadBps",
		"BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpusetCpus",
		cpuset_cpus ? cpuset_cpus : "", "CpusetMems", cpuset_mems ? cpuset_mems : "",
		"CpuShares", (json_int_t)cli_flag_int(args, "cpu-shares"), "Memory",
		(json_int_t)mem, "MemoryReservation", (json_int_t)mres, "MemorySwap",
		(json_int_t)mswap, "CpuPeriod", (json_int_t)cli_flag_int(args, "cpu-period"),
		"CpuQuota", (json_int_t)cli_flag_int(args, "cpu-quota"), "CpuRealtimePeriod",
		(json_int_t)cli_flag_int(args, "cpu-rt-period"), "CpuRealtimeRuntime",
		(json_int_t)cli_flag_int(args, "cpu-rt-runtime"), "NanoCpus", (json_int_t)cpus);
	int64_t pids = cli_flag_int(args, "pids-limit");
	if (pids != 0)
		json_object_set_new(body, "PidsLimit", json_integer(pids));
	const char *restart = cli_flag_string(args, "restart");
	if (restart && *restart) {
		if ((r = update_restart(cli, restart, body)))
			return r;
	} else {
		json_object_set_new(body, "RestartPolicy",
				    json_pack("{s:s, s:i}", "Name", "", "MaximumRetryCount", 0));
	}
	*ret = steal_pointer(&body);
	return 0;
}

static int update_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	if (!update_any_flag(args)) {
		berth_error_fail(&err, EINVAL,
				 "you must provide one or more flags when using this command");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	cleanup_json json_t *body = NULL;
	int r = update_body(cli, args, &body);
	if (r)
		return r;
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_free char *id = cli_escape(cli_arg(args, i));
		cleanup_free char *path = xasprintf("/containers/%s/update", id);
		cleanup_json json_t *resp = NULL;
		berth_error_release(&err);
		if (cli_post_json(cli, path, body, &resp, &err) < 0) {
			strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", err->msg);
			continue;
		}
		printf("%s\n", cli_arg(args, i));
		size_t k;
		json_t *w;
		json_array_foreach(json_object_get(resp, "Warnings"), k,
				   w) if (json_string_value(w))
			strbuf_addf(&warnings, "%s%s", warnings.len ? "\n" : "",
				    json_string_value(w));
	}
	if (warnings.len)
		printf("%s\n", warnings.buf);
	if (!errors.len)
		return 0;
	cleanup_error berth_error_t *all = NULL;
	berth_error_fail(&all, EIO, "%s", errors.buf);
	fflush(stdout);
	return cli_error(cli, all, CLI_EXIT_ERROR);
}

const struct cli_command cli_cmd_update = {
	.name = "update",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Update configuration of one or more containers",
	.flags = update_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = update_run,
};
