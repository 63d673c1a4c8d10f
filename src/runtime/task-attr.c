/* task-attr: personality(2) and set_mempolicy(2) for the container's
 * process.  glibc has no set_mempolicy wrapper (libnuma does), so it is a
 * raw syscall with the kernel's constants spelled out here.  The node list
 * is parsed into a fixed mask of TASK_ATTR_MAX_NODES bits: a larger node
 * number is an error, not a truncation. */
#include "runtime/task-attr.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TASK_ATTR_MAX_NODES 1024
#define ULONG_BITS (8 * sizeof(unsigned long))

static const struct {
	const char *name;
	int value;
} mpol_modes[] = {
	{ "MPOL_DEFAULT", 0 },
	{ "MPOL_PREFERRED", 1 },
	{ "MPOL_BIND", 2 },
	{ "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 },
	{ "MPOL_PREFERRED_MANY", 5 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6 },
};

static const struct {
	const char *name;
	int value;
} mpol_flags[] = {
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 },
	{ "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
};

static int mpol_mode(const char *name)
{
	for (size_t i = 0; name && i < sizeof(mpol_modes) / sizeof(mpol_modes[0]); i++)
		if (strcmp(mpol_modes[i].name, name) == 0)
			return mpol_modes[i].value;
	return -1;
}

static int mpol_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(mpol_flags) / sizeof(mpol_flags[0]); i++)
		if (strcmp(mpol_flags[i].name, name) == 0)
			return mpol_flags[i].value;
	return -1;
}

static int node_number(const char **s, unsigned *ret)
{
	const char *p = *s;
	unsigned v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p++ - '0');
		if (v >= TASK_ATTR_MAX_NODES)
			return -1;
	}
	*s = p;
	*ret = v;
	return 0;
}

/* "0-3,7" into mask; NULL or "" is the empty mask */
static int parse_nodes(const char *nodes, unsigned long *mask, berth_error_t **err)
{
	memset(mask, 0, TASK_ATTR_MAX_NODES / 8);
	for (const char *p = nodes ? nodes : ""; *p;) {
		unsigned lo, hi;
		if (node_number(&p, &lo) < 0)
			goto bad;
		hi = lo;
		if (*p == '-' && (p++, node_number(&p, &hi) < 0 || hi < lo))
			goto bad;
		for (unsigned n = lo; n <= hi; n++)
			mask[n / ULONG_BITS] |= 1UL << (n % ULONG_BITS);
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	return berth_error_fail(err, EINVAL,
				"linux.memoryPolicy.nodes: '%s' is not a node list "
				"(nodes 0 to %d)",
				nodes, TASK_ATTR_MAX_NODES - 1);
}

int task_attr_check(const struct oci_linux *l, berth_error_t **err)
{
	const struct oci_personality *p = &l->personality;
	if (p->present && p->n_flags)
		return berth_error_fail(err, EINVAL,
					"linux.personality.flags: '%s' is not supported "
					"(runtime-spec defines no flags)",
					p->flags[0]);
	const struct oci_memory_policy *m = &l->memory_policy;
	if (!m->present)
		return 0;
	if (mpol_mode(m->mode) < 0)
		return berth_error_fail(err, EINVAL, "linux.memoryPolicy.mode: unknown mode '%s'",
					m->mode ? m->mode : "");
	for (size_t i = 0; i < m->n_flags; i++)
		if (mpol_flag(m->flags[i]) < 0)
			return berth_error_fail(err, EINVAL,
						"linux.memoryPolicy.flags: unknown flag '%s'",
						m->flags[i]);
	unsigned long mask[TASK_ATTR_MAX_NODES / ULONG_BITS];
	return parse_nodes(m->nodes, mask, err);
}

int task_attr_set_personality(const struct oci_personality *p, berth_error_t **err)
{
	if (!p->present)
		return 0;
	unsigned long persona = strcmp(p->domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
	if (personality(persona) < 0)
		return berth_error_set(err, errno, "linux.personality: set domain %s", p->domain);
	return 0;
}

int task_attr_set_mempolicy(const struct oci_memory_policy *m, berth_error_t **err)
{
	if (!m->present)
		return 0;
	int mode = mpol_mode(m->mode);
	for (size_t i = 0; i < m->n_flags; i++)
		mode |= mpol_flag(m->flags[i]);
	unsigned long mask[TASK_ATTR_MAX_NODES / ULONG_BITS];
	if (mode < 0)
		return berth_error_fail(err, EINVAL, "linux.memoryPolicy.mode: unknown mode '%s'",
					m->mode ? m->mode : "");
	if (parse_nodes(m->nodes, mask, err) < 0)
		return -1;
	bool empty = !m->nodes || !*m->nodes;
	/* maxnode counts one bit more than the mask holds: the kernel has
	 * always dropped the last bit (see set_mempolicy(2), BUGS) */
	if (syscall(SYS_set_mempolicy, mode, empty ? NULL : mask,
		    empty ? 0UL : (unsigned long)TASK_ATTR_MAX_NODES + 1) < 0)
		return berth_error_set(err, errno,
				       "linux.memoryPolicy: set_mempolicy %s nodes '%s'", m->mode,
				       m->nodes ? m->nodes : "");
	return 0;
}
