/* update: change a running container's cgroup limits (runc update), from
 * --resources FILE ('-' reads stdin: containerd's form) and/or the single
 * flags, which win over the file as in runc. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime-cli/cli.h"

enum {
	OPT_MEMORY = 256,
	OPT_SWAP,
	OPT_SHARES,
	OPT_QUOTA,
	OPT_PERIOD,
	OPT_CPUS,
	OPT_MEMS,
	OPT_PIDS,
	OPT_BLKIO
};

static int read_stdin_json(json_t **ret, berth_error_t **err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read resources from stdin");
		if (sb.len + (size_t)n > OCI_CONFIG_MAX_SIZE)
			return berth_error_fail(err, EFBIG, "resources on stdin exceed %u bytes",
						OCI_CONFIG_MAX_SIZE);
		strbuf_add(&sb, buf, (size_t)n);
	}
	return bjson_load(sb.buf, sb.len, "resources", OCI_CONFIG_MAX_SIZE, 0, ret, err);
}

static int load_resources(const char *path, struct oci_resources *r, berth_error_t **err)
{
	cleanup_json json_t *j = NULL;
	int rc = strcmp(path, "-") == 0 ?
			 read_stdin_json(&j, err) :
			 bjson_load_file(path, OCI_CONFIG_MAX_SIZE, OCI_CONFIG_MAX_DEPTH, &j, err);
	if (rc < 0 || oci_resources_from_json(j, "resources", r, err) < 0)
		return berth_error_wrap(err, "--resources");
	return 0;
}

static int parse_i64(const char *flag, const char *s, int64_t *ret, berth_error_t **err)
{
	if (parse_int64(s, 10, ret, err) < 0)
		return berth_error_wrap(err, "--%s", flag);
	return 0;
}

/* shares and period are unsigned in the cgroup files: "-5" is an error,
 * not 2^64 - 5 */
static int parse_u64(const char *flag, const char *s, uint64_t *ret, berth_error_t **err)
{
	if (parse_uint64(s, 10, ret, err) < 0)
		return berth_error_wrap(err, "--%s", flag);
	return 0;
}

/* One flag into r; the "present" bits tell the cgroup code what to touch */
static int apply_flag(int c, const char *arg, struct oci_resources *r, berth_error_t **err)
{
	int64_t v = -1;
	r->present = true;
	switch (c) {
	case OPT_MEMORY:
	case OPT_SWAP:
		/* -1: unlimited */
		if (strcmp(arg, "-1") != 0 && parse_size(arg, &v, err) < 0)
			return berth_error_wrap(err, "--%s",
						c == OPT_MEMORY ? "memory" : "memory-swap");
		r->memory.present = true;
		if (c == OPT_MEMORY) {
			r->memory.has_limit = true;
			r->memory.limit = v;
		} else {
			r->memory.has_swap = true;
			r->memory.swap = v;
		}
		return 0;
	case OPT_SHARES:
		r->cpu.present = r->cpu.has_shares = true;
		return parse_u64("cpu-shares", arg, &r->cpu.shares, err);
	case OPT_PERIOD:
		r->cpu.present = r->cpu.has_period = true;
		return parse_u64("cpu-period", arg, &r->cpu.period, err);
	case OPT_QUOTA:
		r->cpu.present = r->cpu.has_quota = true;
		return parse_i64("cpu-quota", arg, &r->cpu.quota, err);
	case OPT_CPUS:
	case OPT_MEMS:
		r->cpu.present = true;
		free(c == OPT_CPUS ? r->cpu.cpus : r->cpu.mems);
		*(c == OPT_CPUS ? &r->cpu.cpus : &r->cpu.mems) = xstrdup(arg);
		return 0;
	case OPT_PIDS:
		if (parse_i64("pids-limit", arg, &v, err) < 0)
			return -1;
		r->has_pids_limit = true;
		r->pids_limit = v;
		return 0;
	case OPT_BLKIO:
		if (parse_i64("blkio-weight", arg, &v, err) < 0)
			return -1;
		if (v < 10 || v > 1000)
			return berth_error_fail(err, EINVAL,
						"--blkio-weight: must be in [10, 1000]");
		r->blockio.present = r->blockio.has_weight = true;
		r->blockio.weight = (uint16_t)v;
		return 0;
	default:
		return berth_error_fail(err, EINVAL, "update: invalid option");
	}
}

struct pending {
	int opt;
	const char *arg;
};

int cmd_update(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "memory-swap", required_argument, NULL, OPT_SWAP },
		{ "cpu-shares", required_argument, NULL, OPT_SHARES },
		{ "cpu-share", required_argument, NULL, OPT_SHARES },
		{ "cpu-quota", required_argument, NULL, OPT_QUOTA },
		{ "cpu-period", required_argument, NULL, OPT_PERIOD },
		{ "cpuset-cpus", required_argument, NULL, OPT_CPUS },
		{ "cpuset-mems", required_argument, NULL, OPT_MEMS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "blkio-weight", required_argument, NULL, OPT_BLKIO },
		{ NULL, 0, NULL, 0 },
	};
	struct pending flags[16];
	size_t n_flags = 0;
	const char *file = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
		if (c == 'r')
			file = optarg;
		else if (c == '?')
			return cli_bad_option("update", err);
		else if (n_flags == sizeof(flags) / sizeof(flags[0]))
			return berth_error_fail(err, E2BIG, "update: more than %zu options",
						sizeof(flags) / sizeof(flags[0]));
		else
			flags[n_flags++] = (struct pending){ c, optarg ? optarg : "" };
	}
	if (cli_args("update", argc, argv, 1, err) < 0)
		return -1;
	struct oci_resources r = { 0 };
	int rc = file ? load_resources(file, &r, err) : 0;
	for (size_t i = 0; rc == 0 && i < n_flags; i++)
		rc = apply_flag(flags[i].opt, flags[i].arg, &r, err);
	if (rc == 0)
		rc = container_update(&cli->rt, argv[optind], &r, err);
	oci_resources_release(&r);
	return rc < 0 ? -1 : 0;
}
