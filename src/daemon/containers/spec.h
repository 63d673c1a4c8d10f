/* spec: what dockerd does between POST /containers/create and the OCI
 * runtime: merge the request's Config with the image's, validate the
 * HostConfig with docker's messages, and turn both into the runtime's
 * config.json (capabilities, seccomp, mounts, namespaces, cgroup
 * resources, user) plus the container's /etc/hostname, hosts and
 * resolv.conf.  Pure functions of their input except for reading the
 * rootfs's /etc/passwd and /etc/group and the host's resolv.conf. */
#ifndef BERTH_DAEMON_CONTAINERS_SPEC_H
#define BERTH_DAEMON_CONTAINERS_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* Docker's merge of the create request's Config with the image's config
 * (the image config's "config" object): Env (image's, overridden by
 * same-named user entries, order kept), Cmd (the user's when given; a user
 * Entrypoint without Cmd resets the image's Cmd), Entrypoint, WorkingDir,
 * User, Labels (merged), ExposedPorts, Volumes, StopSignal, Healthcheck,
 * OnBuild ignored. *ret is a new Config object. EINVAL for wrong types
 * with the field path ("Config.Env: want an array of strings"). */
int spec_merge_config(const json_t *create_config, const json_t *image_config, json_t **ret,
		      berth_error_t **err);
/* Docker's validation of HostConfig (400s with docker's messages, e.g.
 * "invalid restart policy ...", "Minimum memory limit allowed is 6MB",
 * "invalid CapAdd: unknown capability: \"CAP_FOO\"") */
int spec_check_host_config(const json_t *host_config, berth_error_t **err);
struct spec_input {
	const char *id;            /* 64 hex */
	const char *name;          /* without the leading '/' */
	const json_t *config;      /* the merged Config */
	const json_t *host_config; /* HostConfig (may be NULL: defaults) */
	const char *rootfs;        /* the mounted overlay dir */
	const char *container_dir; /* <data_root>/containers/<id>: hostname, hosts, resolv.conf */
	const char *cgroup_parent; /* daemon default ("berth") unless HostConfig.CgroupParent */
	const char *init_path; /* host path of docker-init for HostConfig.Init (tini-static) or NULL
				*/
	const json_t *default_ulimits; /* daemon default-ulimits, may be NULL */
	/* the container's mount points (containers/mounts.c): volumes with
	 * their host paths, --volumes-from binds; may be NULL */
	const json_t *mount_points;
	/* networking (containers/network.c): the network namespace to join
	 * (berth's netns file of a bridge/macvlan container, or another
	 * container's for container:<x>); NULL: a new one (none) or the
	 * host's (host) as NetworkMode says */
	const char *netns_path;
	/* lines added to /etc/hosts ("172.18.0.2\tname"), may be NULL */
	const char *hosts_extra;
	/* resolv.conf names the embedded DNS (nameserver 127.0.0.11,
	 * options ndots:0) instead of the host's resolvers */
	bool embedded_dns;
	/* the default bridge's gateway for --add-host x:host-gateway (NULL: none) */
	const char *host_gateway;
};
/* The OCI runtime config (config.json) for the container */
int spec_build(const struct spec_input *in, json_t **ret_spec, berth_error_t **err);
/* Write hostname, hosts and resolv.conf into in->container_dir (spec_build
 * bind-mounts them at /etc/hostname, /etc/hosts, /etc/resolv.conf) */
int spec_write_etc_files(const struct spec_input *in, berth_error_t **err);
/* Rewrite in->container_dir's resolv.conf in place, for a running
 * container (its bind mount holds the inode: a rename would go unseen);
 * network connect calls it when the embedded DNS comes with a network */
int spec_rewrite_resolv_conf(const struct spec_input *in, berth_error_t **err);
/* The OCI process for POST /containers/{id}/exec's ExecConfig (Cmd, Env
 * appended over the container's, User, WorkingDir, Tty, Privileged) based
 * on the container's spec process (caps, rlimits, apparmor, nnp kept) */
int spec_exec_process(const json_t *spec, const json_t *exec_config, json_t **ret_process,
		      berth_error_t **err);

#endif
