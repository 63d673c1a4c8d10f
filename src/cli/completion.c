/* completion: `berth completion bash|zsh` prints a small shell script whose
 * only job is to call the hidden `berth __complete WORD...`, which walks the
 * same command and flag tables as the parser and prints the candidates for
 * the last word, one a line.  Names of containers, images, networks and
 * volumes come from the daemon; when it is down there are simply none (a
 * completion must never print an error into the user's command line).
 * Two directive lines ask the shell for its own completion: "__files__"
 * and "__dirs__". */
#include <string.h>

#include "cli/client.h"
#include "cli/core.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

struct comp {
	struct cli *cli;
	const char *cur;    /* the (part of the) word being completed */
	const char *prefix; /* printed before each candidate: "--format=" */
};

static void comp_add(const struct comp *c, const char *word)
{
	if (strncmp(word, c->cur, strlen(c->cur)) == 0)
		printf("%s%s\n", c->prefix, word);
}

static const char *const signals[] = {
	"SIGHUP",  "SIGINT",  "SIGQUIT", "SIGKILL",  "SIGUSR1", "SIGUSR2",
	"SIGTERM", "SIGSTOP", "SIGCONT", "SIGWINCH", NULL,
};

/* Names of objects from the daemon; nothing at all when it cannot answer */
static void comp_daemon(const struct comp *c, const char *path, const char *list_key,
			const char *field)
{
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (cli_get_json(c->cli, path, &j, &err) < 0)
		return;
	json_t *list = list_key ? json_object_get(j, list_key) : j;
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		json_t *v = json_object_get(o, field);
		if (json_is_string(v)) {
			comp_add(c, json_string_value(v));
			continue;
		}
		/* Names ("/web") and RepoTags ("busybox:latest") are arrays */
		size_t k;
		json_t *s;
		json_array_foreach(v, k, s)
		{
			const char *name = json_string_value(s);
			if (!name || strcmp(name, "<none>:<none>") == 0)
				continue;
			comp_add(c, name[0] == '/' ? name + 1 : name);
		}
	}
}

/* Complete a value of the given kind (cli_flag.complete / cli_command.complete) */
static void comp_kind(const struct comp *c, const char *kind)
{
	if (!kind)
		return;
	if (strcmp(kind, "files") == 0 || strcmp(kind, "dirs") == 0) {
		printf("__%s__\n", kind);
	} else if (strcmp(kind, "containers") == 0) {
		comp_daemon(c, "/containers/json?all=1", NULL, "Names");
	} else if (strcmp(kind, "running") == 0) {
		comp_daemon(c, "/containers/json", NULL, "Names");
	} else if (strcmp(kind, "images") == 0) {
		comp_daemon(c, "/images/json", NULL, "RepoTags");
	} else if (strcmp(kind, "networks") == 0) {
		comp_daemon(c, "/networks", NULL, "Name");
	} else if (strcmp(kind, "volumes") == 0) {
		comp_daemon(c, "/volumes", "Volumes", "Name");
	} else if (strcmp(kind, "signals") == 0) {
		for (size_t k = 0; signals[k]; k++)
			comp_add(c, signals[k]);
	} else {
		/* fixed words "a|b|c" */
		for (const char *p = kind; *p;) {
			size_t n = strcspn(p, "|");
			cleanup_free char *w = xstrndup(p, n);
			comp_add(c, w);
			p += n + (p[n] == '|');
		}
	}
}

/* A command's positionals: "networks containers" completes the first
 * positional with networks and every later one with containers (network
 * connect); a single kind serves them all */
static void comp_positional(const struct comp *c, const char *kinds, size_t index)
{
	if (!kinds || !strchr(kinds, ' ')) {
		comp_kind(c, kinds);
		return;
	}
	const char *p = kinds;
	for (size_t i = 0; i < index && strchr(p, ' '); i++)
		p = strchr(p, ' ') + 1;
	cleanup_free char *kind = xstrndup(p, strcspn(p, " "));
	comp_kind(c, kind);
}

static const struct cli_flag *flag_by_name(const struct cli_flag *flags, const char *name,
					   size_t len)
{
	for (const struct cli_flag *f = flags; f && f->name; f++)
		if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return f;
	return NULL;
}

static const struct cli_flag *flag_by_short(const struct cli_flag *flags, char c)
{
	for (const struct cli_flag *f = flags; f && f->name; f++)
		if (f->shorthand == c)
			return f;
	return NULL;
}

/* If word is a flag whose value is the next word, that flag */
static const struct cli_flag *flag_wanting_value(const struct cli_flag *flags, const char *word)
{
	if (word[0] != '-' || word[1] == '\0')
		return NULL;
	if (word[1] == '-') {
		if (strchr(word, '='))
			return NULL;
		const struct cli_flag *f = flag_by_name(flags, word + 2, strlen(word + 2));
		return f && f->type != CLI_BOOL ? f : NULL;
	}
	for (const char *p = word + 1; *p; p++) {
		const struct cli_flag *f = flag_by_short(flags, *p);
		if (f && f->type != CLI_BOOL)
			return p[1] == '\0' ? f : NULL;
	}
	return NULL;
}

static void comp_flags(const struct comp *c, const struct cli_flag *flags)
{
	for (const struct cli_flag *f = flags; f && f->name; f++) {
		if (f->flags & CLI_FLAG_HIDDEN)
			continue;
		cleanup_free char *w = xasprintf("--%s", f->name);
		comp_add(c, w);
	}
	comp_add(c, "--help");
}

/* cur is "--flag=part": complete the value after the '=' */
static bool comp_flag_value_inline(struct comp *c, const struct cli_flag *flags)
{
	const char *eq = strchr(c->cur, '=');
	if (c->cur[0] != '-' || c->cur[1] != '-' || !eq)
		return false;
	const struct cli_flag *f = flag_by_name(flags, c->cur + 2, (size_t)(eq - c->cur - 2));
	if (!f)
		return true;
	cleanup_free char *prefix = xstrndup(c->cur, (size_t)(eq - c->cur + 1));
	struct comp v = { .cli = c->cli, .cur = eq + 1, .prefix = prefix };
	comp_kind(&v, f->complete);
	return true;
}

/* Complete words[n] (the last word) for a command whose own words start at words[0] */
static void comp_command(struct comp *c, const struct cli_command *cmd, const char *const *words,
			 size_t n)
{
	const struct cli_flag *want = NULL;
	size_t positionals = 0;
	bool flags_done = false;
	for (size_t k = 0; k < n; k++) {
		const char *w = words[k];
		if (want) {
			want = NULL;
		} else if (!flags_done && strcmp(w, "--") == 0) {
			flags_done = true;
		} else if (!flags_done && w[0] == '-' && w[1] != '\0') {
			want = flag_wanting_value(cmd->flags, w);
		} else {
			positionals++;
			if (cmd->cmd_flags & CLI_CMD_STOP_AT_ARG)
				flags_done = true;
		}
	}
	if (want) {
		comp_kind(c, want->complete);
		return;
	}
	if (!flags_done && c->cur[0] == '-') {
		if (!comp_flag_value_inline(c, cmd->flags))
			comp_flags(c, cmd->flags);
		return;
	}
	/* after the image of run/create/exec comes the container's own command */
	if ((cmd->cmd_flags & CLI_CMD_STOP_AT_ARG) && positionals > 0)
		return;
	if (cmd->max_args >= 0 && positionals >= (size_t)cmd->max_args)
		return;
	comp_positional(c, cmd->complete, positionals);
}

static void comp_entries(const struct comp *c, const struct cli_entry *entries)
{
	for (const struct cli_entry *e = entries; e->name; e++)
		if (!cli_entry_hidden(e))
			comp_add(c, e->name);
}

static int complete_run(struct cli *cli, const struct cli_args *args)
{
	const char *const *words = cli_argv_from(args, 0);
	size_t n = cli_nargs(args);
	struct comp c = { .cli = cli, .cur = n ? words[n - 1] : "", .prefix = "" };
	if (n)
		n--; /* words[n] is now the current word */

	/* the global options before the command; -H must reach the daemon queries */
	size_t k = 0;
	const struct cli_flag *want = NULL;
	for (; k < n; k++) {
		const char *w = words[k];
		if (want) {
			if (strcmp(want->name, "host") == 0)
				cli->host = w;
			want = NULL;
			continue;
		}
		if (w[0] != '-')
			break;
		if (strncmp(w, "--host=", 7) == 0)
			cli->host = w + 7;
		want = flag_wanting_value(cli_global_flags, w);
	}
	if (want) {
		comp_kind(&c, want->complete);
		return 0;
	}
	if (k == n) {
		if (c.cur[0] == '-') {
			if (!comp_flag_value_inline(&c, cli_global_flags))
				comp_flags(&c, cli_global_flags);
		} else {
			comp_entries(&c, cli_entries);
			comp_add(&c, "help");
		}
		return 0;
	}
	if (strcmp(words[k], "help") == 0) {
		if (k + 1 == n)
			comp_entries(&c, cli_entries);
		return 0;
	}
	const struct cli_entry *e = cli_entry_find(cli_entries, words[k]);
	if (!e)
		return 0;
	k++;
	if (e->group) {
		if (k == n) {
			if (c.cur[0] == '-')
				comp_add(&c, "--help");
			else
				comp_entries(&c, e->group);
			return 0;
		}
		e = cli_entry_find(e->group, words[k]);
		if (!e)
			return 0;
		k++;
	}
	comp_command(&c, e->cmd, words + k, n - k);
	return 0;
}

const struct cli_command cli_cmd_complete_words = {
	.name = "__complete",
	.usage = "[WORD...]",
	.summary = "Print the completions of the last word of a berth command line",
	.min_args = 0,
	.max_args = -1,
	.cmd_flags = CLI_CMD_HIDDEN | CLI_CMD_NO_DAEMON | CLI_CMD_RAW_ARGS,
	.run = complete_run,
};

static const char bash_script[] =
	"# bash completion for berth; generated by `berth completion bash`.\n"
	"# Every candidate comes from `berth __complete`, which reads berth's own\n"
	"# command tables (and asks berthd for names of containers and images).\n"
	"_berth()\n"
	"{\n"
	"\tlocal cur words cword\n"
	"\tif declare -F _get_comp_words_by_ref >/dev/null; then\n"
	"\t\t_get_comp_words_by_ref -n =: cur words cword\n"
	"\telse\n"
	"\t\t# COMP_WORDS is split at = and :, so split the line at blanks instead\n"
	"\t\tlocal line=${COMP_LINE:0:COMP_POINT}\n"
	"\t\tread -ra words <<<\"$line\"\n"
	"\t\t[[ $line == *[[:space:]] ]] && words+=(\"\")\n"
	"\t\tcword=$((${#words[@]} - 1)) cur=${words[cword]}\n"
	"\tfi\n"
	"\tlocal out IFS=$'\\n'\n"
	"\tout=$(\"${words[0]}\" __complete \"${words[@]:1:cword}\" 2>/dev/null)\n"
	"\tcase $out in\n"
	"\t__files__) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	"\t__dirs__) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
	"\t*) COMPREPLY=($out) ;;\n"
	"\tesac\n"
	"\t# bash splits words at = and :; complete only the part after them\n"
	"\tif declare -F __ltrim_colon_completions >/dev/null; then\n"
	"\t\t__ltrim_colon_completions \"$cur\"\n"
	"\tfi\n"
	"\tif [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then\n"
	"\t\tCOMPREPLY=(\"${COMPREPLY[@]#\"${cur%=*}=\"}\")\n"
	"\tfi\n"
	"}\n"
	"complete -F _berth berth\n";

static const char zsh_script[] =
	"#compdef berth\n"
	"# zsh completion for berth; generated by `berth completion zsh`.\n"
	"# Every candidate comes from `berth __complete`, which reads berth's own\n"
	"# command tables (and asks berthd for names of containers and images).\n"
	"_berth()\n"
	"{\n"
	"\tlocal out\n"
	"\tout=$(\"${words[1]}\" __complete \"${(@)words[2,CURRENT]}\" 2>/dev/null)\n"
	"\tcase $out in\n"
	"\t__files__) _files; return ;;\n"
	"\t__dirs__) _files -/; return ;;\n"
	"\tesac\n"
	"\t[[ -n $out ]] || return 1\n"
	"\tlocal -a cands\n"
	"\tcands=(\"${(@f)out}\")\n"
	"\tcompadd -- \"${cands[@]}\"\n"
	"}\n"
	"if [ \"$funcstack[1]\" = \"_berth\" ]; then\n"
	"\t_berth \"$@\"\n"
	"else\n"
	"\tcompdef _berth berth\n"
	"fi\n";

static int completion_run(struct cli *cli, const struct cli_args *args)
{
	const char *shell = cli_arg(args, 0);
	if (strcmp(shell, "bash") == 0)
		fputs(bash_script, stdout);
	else if (strcmp(shell, "zsh") == 0)
		fputs(zsh_script, stdout);
	else
		return cli_usage_error(cli, "unknown shell '%s': berth completes bash and zsh",
				       shell);
	return 0;
}

const struct cli_command cli_cmd_completion = {
	.name = "completion",
	.usage = "SHELL",
	.summary = "Generate the autocompletion script for the specified shell",
	.description = "Generate the autocompletion script for the specified shell (bash or zsh).\n"
		       "\n"
		       "bash:  berth completion bash > /etc/bash_completion.d/berth\n"
		       "zsh:   berth completion zsh > \"${fpath[1]}/_berth\"",
	.min_args = 1,
	.max_args = 1,
	.cmd_flags = CLI_CMD_NO_DAEMON,
	.complete = "bash|zsh",
	.run = completion_run,
};
