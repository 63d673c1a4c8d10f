/* Unit tests for runtime-config: every field of config-all-fields.json
 * parsed, one bad input per error class with the exact field path in the
 * message, warnings for unknown fields, round trips through to_json, and
 * the runc-spec default.  Runs from the project root (tests/data/oci). */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/runtime-config.h"

#define DATA "tests/data/oci/"

static json_t *load(const char *path)
{
	json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load_file(path, 0, 0, &j, &err) < 0)
		fail_msg("load %s: %s", path, err->msg);
	return j;
}

static struct oci_config *parse_file(const char *path)
{
	cleanup_json json_t *j = load(path);
	struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_config_from_json(j, &c, &err) < 0)
		fail_msg("parse %s: %s", path, err->msg);
	return c;
}

static void test_top_and_process(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	assert_string_equal(c->oci_version, "1.1.0");
	assert_string_equal(c->root_path, "rootfs");
	assert_true(c->root_readonly);
	assert_string_equal(c->hostname, "box");
	assert_string_equal(c->domainname, "example.org");
	assert_int_equal(c->n_warnings, 0);
	assert_true(c->has_process);
	const struct oci_process *p = &c->process;
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 25);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 18);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[2], 4294967295u);
	assert_string_equal(p->user.username, "alice");
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "echo hello");
	assert_null(p->args[3]);
	assert_string_equal(p->command_line, "cmd.exe /c echo hello");
	assert_int_equal(p->n_env, 3);
	assert_string_equal(p->env[2], "EMPTY=");
	assert_string_equal(p->cwd, "/home/alice");
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "berth-default");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2");
	assert_string_equal(p->exec_cpu_affinity.initial, "0");
	assert_string_equal(p->exec_cpu_affinity.final, "1-3,7");
}

static void test_process_details(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	const struct oci_process *p = &c->process;
	const struct oci_capabilities *caps = &p->capabilities;
	assert_true(caps->present);
	assert_int_equal(caps->bounding.n, 4);
	assert_string_equal(caps->bounding.names[3], "CAP_CHECKPOINT_RESTORE");
	assert_true(caps->bounding.mask ==
		    ((1ull << 29) | (1ull << 5) | (1ull << 10) | (1ull << 40)));
	assert_true(caps->effective.mask == ((1ull << 29) | (1ull << 5)));
	assert_non_null(caps->inheritable.names);
	assert_int_equal(caps->inheritable.n, 0);
	assert_int_equal(caps->permitted.n, 3);
	assert_true(caps->ambient.mask == (1ull << 10));
	assert_int_equal(p->n_rlimits, 2);
	assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].resource, 7);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 4096);
	assert_int_equal(p->rlimits[1].resource, 4);
	assert_true(p->rlimits[1].hard == INT64_MAX);
	const struct oci_scheduler *s = &p->scheduler;
	assert_true(s->present);
	assert_string_equal(s->policy, "SCHED_FIFO");
	assert_int_equal(s->policy_num, 1);
	assert_int_equal(s->nice, -5);
	assert_int_equal(s->priority, 10);
	assert_int_equal(s->n_flags, 2);
	assert_int_equal(s->flags_mask, 0x09);
	assert_int_equal(s->runtime, 1000);
	assert_int_equal(s->deadline, 2000);
	assert_int_equal(s->period, 3000);
	assert_true(p->io_priority.present);
	assert_string_equal(p->io_priority.class_name, "IOPRIO_CLASS_BE");
	assert_int_equal(p->io_priority.class_num, 2);
	assert_int_equal(p->io_priority.priority, 4);
}

static void test_mounts_hooks_annotations(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	assert_int_equal(c->n_mounts, 4);
	assert_string_equal(c->mounts[0].destination, "/proc");
	assert_string_equal(c->mounts[0].type, "proc");
	assert_null(c->mounts[0].options);
	assert_int_equal(c->mounts[1].n_options, 4);
	assert_string_equal(c->mounts[1].options[3], "size=65536k");
	assert_int_equal(c->mounts[2].n_uid_mappings, 1);
	assert_int_equal(c->mounts[2].uid_mappings[0].host_id, 100000);
	assert_int_equal(c->mounts[2].gid_mappings[0].host_id, 200000);
	assert_int_equal(c->mounts[2].gid_mappings[0].size, 65536);
	assert_null(c->mounts[3].type);
	assert_non_null(c->mounts[3].options);
	assert_int_equal(c->mounts[3].n_options, 0);
	const struct oci_hooks *h = &c->hooks;
	assert_int_equal(h->prestart.n, 1);
	assert_string_equal(h->prestart.hooks[0].path, "/usr/bin/pre");
	assert_int_equal(h->prestart.hooks[0].n_args, 2);
	assert_string_equal(h->prestart.hooks[0].env[0], "A=1");
	assert_true(h->prestart.hooks[0].has_timeout);
	assert_int_equal(h->prestart.hooks[0].timeout, 5);
	assert_string_equal(h->create_runtime.hooks[0].path, "/usr/bin/cr");
	assert_false(h->create_runtime.hooks[0].has_timeout);
	assert_string_equal(h->create_container.hooks[0].args[0], "cc");
	assert_int_equal(h->start_container.hooks[0].n_env, 2);
	assert_int_equal(h->poststart.hooks[0].timeout, 10);
	assert_int_equal(h->poststop.n, 2);
	assert_non_null(h->poststop.hooks[1].args);
	assert_int_equal(c->n_annotations, 2);
	assert_string_equal(c->annotations[0].key, "org.opencontainers.image.ref.name");
	assert_string_equal(c->annotations[0].value, "busybox");
	assert_string_equal(c->annotations[1].value, "");
}

static void test_linux_fields(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	const struct oci_linux *l = &c->linux_;
	assert_true(l->present);
	assert_int_equal(l->n_namespaces, 8);
	assert_int_equal(l->namespaces[1].type, OCI_NS_NETWORK);
	assert_string_equal(l->namespaces[1].path, "/var/run/netns/n1");
	assert_int_equal(l->namespaces[7].type, OCI_NS_TIME);
	assert_null(l->namespaces[0].path);
	assert_int_equal(l->n_uid_mappings, 2);
	assert_int_equal(l->uid_mappings[1].container_id, 1);
	assert_int_equal(l->uid_mappings[1].size, 65535);
	assert_int_equal(l->gid_mappings[0].size, 65536);
	assert_int_equal(l->n_time_offsets, 2);
	assert_string_equal(l->time_offsets[0].clock, "monotonic");
	assert_int_equal(l->time_offsets[0].secs, -3600);
	assert_int_equal(l->time_offsets[0].nanosecs, 500);
	assert_int_equal(l->n_devices, 4);
	assert_int_equal(l->devices[0].type, 'c');
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode && l->devices[0].has_uid && l->devices[0].has_gid);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_false(l->devices[1].has_uid);
	assert_int_equal(l->devices[2].type, 'u');
	assert_int_equal(l->devices[3].type, 'p');
	assert_int_equal(l->n_net_devices, 2);
	assert_string_equal(l->net_devices[0].host_name, "eth1");
	assert_string_equal(l->net_devices[0].name, "ctr1");
	assert_null(l->net_devices[1].name);
	assert_string_equal(l->cgroups_path, "/berth/box");
	assert_string_equal(l->rootfs_propagation, "rslave");
	assert_int_equal(l->n_sysctl, 2);
	assert_string_equal(l->sysctl[1].key, "net.core.somaxconn");
	assert_string_equal(l->sysctl[1].value, "256");
	assert_int_equal(l->n_masked_paths, 2);
	assert_string_equal(l->readonly_paths[1], "/proc/sysrq-trigger");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
	assert_true(l->intel_rdt.present);
	assert_string_equal(l->intel_rdt.clos_id, "guaranteed_group");
	assert_string_equal(l->intel_rdt.l3_cache_schema, "L3:0=7f0;1=1f");
	assert_string_equal(l->intel_rdt.mem_bw_schema, "MB:0=20;1=70");
	assert_true(l->intel_rdt.enable_cmt && l->intel_rdt.enable_mbm);
	assert_true(l->personality.present);
	assert_string_equal(l->personality.domain, "LINUX32");
	assert_int_equal(l->personality.n_flags, 0);
	assert_true(l->memory_policy.present);
	assert_string_equal(l->memory_policy.mode, "MPOL_INTERLEAVE");
	assert_string_equal(l->memory_policy.nodes, "0-3");
	assert_string_equal(l->memory_policy.flags[0], "MPOL_F_STATIC_NODES");
}

static void test_seccomp_fields(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	const struct oci_seccomp *s = &c->linux_.seccomp;
	assert_true(s->present);
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_true(s->has_default_errno_ret);
	assert_int_equal(s->default_errno_ret, 1);
	assert_int_equal(s->n_architectures, 3);
	assert_string_equal(s->architectures[2], "SCMP_ARCH_X32");
	assert_int_equal(s->n_flags, 2);
	assert_string_equal(s->listener_path, "/run/seccomp-agent.sock");
	assert_string_equal(s->listener_metadata, "MKNOD=/dev/null");
	assert_int_equal(s->n_syscalls, 5);
	assert_int_equal(s->syscalls[0].n_names, 3);
	assert_false(s->syscalls[0].has_errno_ret);
	assert_true(s->syscalls[1].has_errno_ret);
	assert_int_equal(s->syscalls[1].errno_ret, 38);
	assert_int_equal(s->syscalls[2].n_args, 2);
	assert_int_equal(s->syscalls[2].args[1].index, 1);
	assert_true(s->syscalls[2].args[1].value == 4294967295u);
	assert_int_equal(s->syscalls[2].args[1].value_two, 8);
	assert_string_equal(s->syscalls[2].args[1].op, "SCMP_CMP_MASKED_EQ");
	assert_string_equal(s->syscalls[4].action, "SCMP_ACT_KILL_PROCESS");
}

static void test_resources_fields(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-all-fields.json");
	const struct oci_resources *r = &c->linux_.resources;
	assert_true(r->present);
	assert_int_equal(r->n_devices, 4);
	assert_false(r->devices[0].allow);
	assert_int_equal(r->devices[0].type, 'a');
	assert_false(r->devices[0].has_major);
	assert_string_equal(r->devices[0].access, "rwm");
	assert_int_equal(r->devices[1].type, 'c');
	assert_true(r->devices[2].has_major && !r->devices[2].has_minor);
	assert_null(r->devices[3].access);
	const struct oci_memory *m = &r->memory;
	assert_true(m->present && m->has_limit && m->has_swappiness && m->has_kernel_tcp);
	assert_int_equal(m->limit, 536870912);
	assert_int_equal(m->reservation, 268435456);
	assert_int_equal(m->swap, 1073741824);
	assert_int_equal(m->kernel, -1);
	assert_int_equal(m->kernel_tcp, -1);
	assert_int_equal(m->swappiness, 60);
	assert_true(m->has_disable_oom_killer && !m->disable_oom_killer);
	assert_true(m->use_hierarchy && m->check_before_update);
	const struct oci_cpu *cpu = &r->cpu;
	assert_true(cpu->present);
	assert_int_equal(cpu->shares, 1024);
	assert_int_equal(cpu->quota, 1000000);
	assert_int_equal(cpu->burst, 500000);
	assert_int_equal(cpu->period, 500000);
	assert_int_equal(cpu->realtime_runtime, 950000);
	assert_int_equal(cpu->realtime_period, 1000000);
	assert_string_equal(cpu->cpus, "2-3");
	assert_string_equal(cpu->mems, "0-7");
	assert_true(cpu->has_idle);
	assert_int_equal(cpu->idle, 1);
	assert_true(r->has_pids_limit);
	assert_int_equal(r->pids_limit, 32771);
	const struct oci_blockio *b = &r->blockio;
	assert_int_equal(b->weight, 10);
	assert_int_equal(b->leaf_weight, 20);
	assert_int_equal(b->n_weight_devices, 2);
	assert_int_equal(b->weight_devices[0].leaf_weight, 300);
	assert_false(b->weight_devices[1].has_leaf_weight);
	assert_int_equal(b->throttle_read_bps[0].rate, 600);
	assert_int_equal(b->throttle_write_bps[0].rate, 700);
	assert_int_equal(b->throttle_read_iops[0].minor, 16);
	assert_int_equal(b->throttle_write_iops[0].rate, 300);
	assert_int_equal(r->n_hugepage_limits, 2);
	assert_string_equal(r->hugepage_limits[1].page_size, "1GB");
	assert_int_equal(r->hugepage_limits[1].limit, 1073741824);
	assert_true(r->has_net_class_id);
	assert_int_equal(r->net_class_id, 1048577);
	assert_int_equal(r->n_net_priorities, 2);
	assert_string_equal(r->net_priorities[1].name, "eth1");
	assert_int_equal(r->net_priorities[1].priority, 1000);
	assert_int_equal(r->n_rdma, 2);
	assert_string_equal(r->rdma[0].device, "mlx5_1");
	assert_int_equal(r->rdma[0].hca_handles, 3);
	assert_false(r->rdma[1].has_hca_handles);
	assert_int_equal(r->rdma[1].hca_objects, 1000);
	assert_int_equal(r->n_unified, 2);
	assert_string_equal(r->unified[0].key, "io.max");
}

static void test_minimal(void **state)
{
	cleanup_oci_config struct oci_config *c = parse_file(DATA "config-minimal.json");
	assert_string_equal(c->oci_version, "1.0.0");
	assert_false(c->has_process);
	assert_false(c->linux_.present);
	assert_int_equal(c->n_mounts, 0);
	assert_int_equal(c->n_warnings, 0);
}

/* parse -> to_json -> parse -> to_json gives equal JSON */
static void roundtrip(const char *path, bool equals_file)
{
	cleanup_json json_t *orig = load(path);
	cleanup_oci_config struct oci_config *c1 = parse_file(path);
	cleanup_json json_t *j1 = oci_config_to_json(c1);
	cleanup_oci_config struct oci_config *c2 = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_config_from_json(j1, &c2, &err) < 0)
		fail_msg("reparse %s: %s", path, err->msg);
	cleanup_json json_t *j2 = oci_config_to_json(c2);
	if (!json_equal(j1, j2)) {
		cleanup_free char *a = bjson_dump(j1), *b = bjson_dump(j2);
		fail_msg("round trip of %s differs:\n%s\n%s", path, a, b);
	}
	if (equals_file && !json_equal(orig, j1)) {
		cleanup_free char *a = bjson_dump(orig), *b = bjson_dump(j1);
		fail_msg("%s serialises differently:\n%s\n%s", path, a, b);
	}
}

static void test_roundtrip(void **state)
{
	roundtrip(DATA "config-all-fields.json", true);
	roundtrip(DATA "config-minimal.json", true);
	roundtrip(DATA "config-runc-spec.json", true);
	roundtrip(DATA "config-runc-spec-rootless.json", false);
}

static void test_default_spec(void **state)
{
	cleanup_json json_t *def = oci_config_default_spec(false);
	cleanup_json json_t *file = load(DATA "config-runc-spec.json");
	assert_true(json_equal(def, file));
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_config_from_json(def, &c, &err), 0);
	assert_int_equal(c->n_warnings, 0);
	assert_true(c->process.capabilities.bounding.mask ==
		    ((1ull << 29) | (1ull << 5) | (1ull << 10)));
	assert_int_equal(c->n_mounts, 7);
	assert_int_equal(c->linux_.n_namespaces, 6);
	assert_int_equal(c->linux_.namespaces[5].type, OCI_NS_CGROUP);
}

static void test_default_spec_rootless(void **state)
{
	cleanup_json json_t *def = oci_config_default_spec(true);
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_config_from_json(def, &c, &err), 0);
	const struct oci_linux *l = &c->linux_;
	for (size_t i = 0; i < l->n_namespaces; i++)
		assert_int_not_equal(l->namespaces[i].type, OCI_NS_NETWORK);
	assert_int_equal(l->namespaces[l->n_namespaces - 1].type, OCI_NS_USER);
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].host_id, geteuid());
	assert_int_equal(l->gid_mappings[0].host_id, getegid());
	assert_int_equal(l->uid_mappings[0].size, 1);
	assert_false(l->resources.present);
	assert_string_equal(c->mounts[5].destination, "/sys");
	assert_string_equal(c->mounts[5].options[0], "rbind");
	for (size_t i = 0; i < c->mounts[2].n_options; i++)
		assert_true(strncmp(c->mounts[2].options[i], "gid=", 4) != 0);
}

static void test_name_tables(void **state)
{
	assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(oci_cap_from_name("CAP_FOO"), -1);
	assert_string_equal(oci_cap_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(oci_cap_name(oci_cap_last() + 1));
	assert_int_equal(oci_cap_last(), 40);
	assert_int_equal(oci_rlimit_from_name("RLIMIT_NOFILE"), 7);
	assert_string_equal(oci_rlimit_name(15), "RLIMIT_RTTIME");
	assert_int_equal(oci_rlimit_from_name("RLIMIT_FOO"), -1);
	enum oci_ns_type t;
	assert_int_equal(oci_ns_type_parse("cgroup", &t), 0);
	assert_int_equal(t, OCI_NS_CGROUP);
	assert_int_equal(oci_ns_type_parse("net", &t), -1);
	assert_string_equal(oci_ns_type_name(OCI_NS_TIME), "time");
	assert_null(oci_ns_type_name(OCI_NS_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_and_process),
		cmocka_unit_test(test_process_details),
		cmocka_unit_test(test_mounts_hooks_annotations),
		cmocka_unit_test(test_linux_fields),
		cmocka_unit_test(test_seccomp_fields),
		cmocka_unit_test(test_resources_fields),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_default_spec),
		cmocka_unit_test(test_default_spec_rootless),
		cmocka_unit_test(test_name_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
