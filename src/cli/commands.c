/* commands: the command tree of berth, docker's names and aliases.  Top-level
 * commands come first, then the groups (container, image, system), whose
 * entries reuse the same struct cli_command under docker's subcommand
 * names.  Help, man pages and completion walk this one table. */
#include <string.h>

#include "cli/core.h"

/* docker container ... */
static const struct cli_entry container_entries[] = {
	{ .name = "attach", .cmd = &cli_cmd_attach },
	{ .name = "commit", .cmd = &cli_cmd_commit },
	{ .name = "cp", .cmd = &cli_cmd_cp },
	{ .name = "create", .cmd = &cli_cmd_create },
	{ .name = "diff", .cmd = &cli_cmd_diff },
	{ .name = "exec", .cmd = &cli_cmd_exec },
	{ .name = "export", .cmd = &cli_cmd_export },
	{ .name = "inspect", .cmd = &cli_cmd_container_inspect },
	{ .name = "kill", .cmd = &cli_cmd_kill },
	{ .name = "logs", .cmd = &cli_cmd_logs },
	{ .name = "ls", .aliases = "list ps", .cmd = &cli_cmd_ps },
	{ .name = "pause", .cmd = &cli_cmd_pause },
	{ .name = "port", .cmd = &cli_cmd_port },
	{ .name = "prune", .cmd = &cli_cmd_container_prune },
	{ .name = "rename", .cmd = &cli_cmd_rename },
	{ .name = "restart", .cmd = &cli_cmd_restart },
	{ .name = "rm", .aliases = "remove", .cmd = &cli_cmd_rm },
	{ .name = "run", .cmd = &cli_cmd_run },
	{ .name = "start", .cmd = &cli_cmd_start },
	{ .name = "stats", .cmd = &cli_cmd_stats },
	{ .name = "stop", .cmd = &cli_cmd_stop },
	{ .name = "top", .cmd = &cli_cmd_top },
	{ .name = "unpause", .cmd = &cli_cmd_unpause },
	{ .name = "update", .cmd = &cli_cmd_update },
	{ .name = "wait", .cmd = &cli_cmd_wait },
	{ NULL },
};

/* docker image ... */
static const struct cli_entry image_entries[] = {
	{ .name = "history", .cmd = &cli_cmd_history },
	{ .name = "import", .cmd = &cli_cmd_import },
	{ .name = "inspect", .cmd = &cli_cmd_image_inspect },
	{ .name = "load", .cmd = &cli_cmd_load },
	{ .name = "ls", .aliases = "list", .cmd = &cli_cmd_images },
	{ .name = "prune", .cmd = &cli_cmd_image_prune },
	{ .name = "pull", .cmd = &cli_cmd_pull },
	{ .name = "push", .cmd = &cli_cmd_push },
	{ .name = "rm", .aliases = "remove", .cmd = &cli_cmd_rmi },
	{ .name = "save", .cmd = &cli_cmd_save },
	{ .name = "tag", .cmd = &cli_cmd_tag },
	{ NULL },
};

/* docker network ... */
static const struct cli_entry network_entries[] = {
	{ .name = "connect", .cmd = &cli_cmd_network_connect },
	{ .name = "create", .cmd = &cli_cmd_network_create },
	{ .name = "disconnect", .cmd = &cli_cmd_network_disconnect },
	{ .name = "inspect", .cmd = &cli_cmd_network_inspect },
	{ .name = "ls", .aliases = "list", .cmd = &cli_cmd_network_ls },
	{ .name = "prune", .cmd = &cli_cmd_network_prune },
	{ .name = "rm", .aliases = "remove", .cmd = &cli_cmd_network_rm },
	{ NULL },
};

/* docker system ... */
static const struct cli_entry system_entries[] = {
	{ .name = "df", .cmd = &cli_cmd_system_df },
	{ .name = "events", .cmd = &cli_cmd_events },
	{ .name = "info", .cmd = &cli_cmd_info },
	{ .name = "prune", .cmd = &cli_cmd_system_prune },
	{ NULL },
};

/* docker volume ... */
static const struct cli_entry volume_entries[] = {
	{ .name = "create", .cmd = &cli_cmd_volume_create },
	{ .name = "inspect", .cmd = &cli_cmd_volume_inspect },
	{ .name = "ls", .aliases = "list", .cmd = &cli_cmd_volume_ls },
	{ .name = "prune", .cmd = &cli_cmd_volume_prune },
	{ .name = "rm", .aliases = "remove", .cmd = &cli_cmd_volume_rm },
	{ NULL },
};

const struct cli_entry cli_entries[] = {
	{ .name = "attach", .cmd = &cli_cmd_attach },
	{ .name = "commit", .cmd = &cli_cmd_commit },
	{ .name = "completion", .cmd = &cli_cmd_completion },
	{ .name = "cp", .cmd = &cli_cmd_cp },
	{ .name = "create", .cmd = &cli_cmd_create },
	{ .name = "diff", .cmd = &cli_cmd_diff },
	{ .name = "events", .cmd = &cli_cmd_events },
	{ .name = "exec", .cmd = &cli_cmd_exec },
	{ .name = "export", .cmd = &cli_cmd_export },
	{ .name = "history", .cmd = &cli_cmd_history },
	{ .name = "images", .cmd = &cli_cmd_images },
	{ .name = "import", .cmd = &cli_cmd_import },
	{ .name = "info", .cmd = &cli_cmd_info },
	{ .name = "inspect", .cmd = &cli_cmd_inspect },
	{ .name = "kill", .cmd = &cli_cmd_kill },
	{ .name = "load", .cmd = &cli_cmd_load },
	{ .name = "login", .cmd = &cli_cmd_login },
	{ .name = "logout", .cmd = &cli_cmd_logout },
	{ .name = "logs", .cmd = &cli_cmd_logs },
	{ .name = "pause", .cmd = &cli_cmd_pause },
	{ .name = "port", .cmd = &cli_cmd_port },
	{ .name = "ps", .cmd = &cli_cmd_ps },
	{ .name = "pull", .cmd = &cli_cmd_pull },
	{ .name = "push", .cmd = &cli_cmd_push },
	{ .name = "rename", .cmd = &cli_cmd_rename },
	{ .name = "restart", .cmd = &cli_cmd_restart },
	{ .name = "rm", .cmd = &cli_cmd_rm },
	{ .name = "rmi", .cmd = &cli_cmd_rmi },
	{ .name = "run", .cmd = &cli_cmd_run },
	{ .name = "save", .cmd = &cli_cmd_save },
	{ .name = "start", .cmd = &cli_cmd_start },
	{ .name = "stats", .cmd = &cli_cmd_stats },
	{ .name = "stop", .cmd = &cli_cmd_stop },
	{ .name = "tag", .cmd = &cli_cmd_tag },
	{ .name = "top", .cmd = &cli_cmd_top },
	{ .name = "unpause", .cmd = &cli_cmd_unpause },
	{ .name = "update", .cmd = &cli_cmd_update },
	{ .name = "version", .cmd = &cli_cmd_version },
	{ .name = "wait", .cmd = &cli_cmd_wait },
	{ .name = "container", .group = container_entries, .group_summary = "Manage containers" },
	{ .name = "image", .group = image_entries, .group_summary = "Manage images" },
	{ .name = "network", .group = network_entries, .group_summary = "Manage networks" },
	{ .name = "system", .group = system_entries, .group_summary = "Manage berth" },
	{ .name = "volume", .group = volume_entries, .group_summary = "Manage volumes" },
	{ .name = "__complete", .cmd = &cli_cmd_complete_words },
	{ .name = "__man", .cmd = &cli_cmd_man },
	{ NULL },
};

bool cli_entry_present(const struct cli_entry *e)
{
	if (e->group) {
		for (const struct cli_entry *s = e->group; s->name; s++)
			if (cli_entry_present(s))
				return true;
		return false;
	}
	return e->cmd != NULL;
}

bool cli_entry_hidden(const struct cli_entry *e)
{
	if (!cli_entry_present(e))
		return true;
	return e->cmd && (e->cmd->cmd_flags & CLI_CMD_HIDDEN);
}

bool cli_entry_has_alias(const struct cli_entry *e, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = e->aliases; p && *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

const struct cli_entry *cli_entry_find(const struct cli_entry *entries, const char *name)
{
	for (const struct cli_entry *e = entries; e->name; e++)
		if (cli_entry_present(e) &&
		    (strcmp(e->name, name) == 0 || cli_entry_has_alias(e, name)))
			return e;
	return NULL;
}
