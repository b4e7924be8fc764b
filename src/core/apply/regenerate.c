/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running the regeneration commands (update-initramfs, update-grub): argv, no shell; their
 * output goes to /var/lib/vfio-boot/rebuild.log and, line by line, to the progress callback.
 * Under a root other than / they would rebuild this machine's images, not the root's: they
 * are listed instead (the tests set VFIO_BOOT_TEST_RUN_COMMANDS=1 to run fakes from PATH).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "apply.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vb_command_text(const VbCommand *c, char *out, size_t size)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < c->argc && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "", c->argv[i]);
}

int vb_command_texts(const VbCommand *cmds, size_t n, VbStrv *out)
{
	char text[512];
	for (size_t i = 0; i < n; i++) {
		vb_command_text(&cmds[i], text, sizeof(text));
		if (vb_strv_append(out, text) < 0)
			return -ENOMEM;
	}
	return 0;
}

bool vb_output_names_image(const char *line)
{
	static const char *const marks[] = {
	    "update-initramfs: Generating /",	   /* initramfs-tools, a kernel's image begun */
	    "*** Creating image file '",	   /* dracut, begun (--parallel: several at once) */
	    "*** Creating initramfs image file '", /* dracut, "... done ***" */
	    "==> Creating ",			   /* mkinitcpio: "...-compressed initcpio image" */
	    "Found linux image: ",		   /* update-grub, grub-mkconfig: a menu entry */
	};
	for (size_t i = 0; i < ELEMENTSOF(marks); i++)
		if (strstr(line, marks[i]))
			return true;
	return false;
}

/* Runs one command, its output to logfd and the callback. Returns its exit status (128+N
 * for a signal, 127 when it could not start) or -errno. */
static int run_one(const VbCommand *c, int logfd, const VbApplyOptions *opts, double *elapsed)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	double start = now();
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]), close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL); /* ignored by the transaction, not by what it runs */
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		char *argv[VB_COMMAND_MAX_ARGS + 1] = {0};
		for (size_t i = 0; i < c->argc; i++)
			argv[i] = (char *)c->argv[i];
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "vfio-boot: cannot run %s: %s\n", c->argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char buf[4096], line[1024];
	size_t ll = 0;
	for (;;) {
		ssize_t n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (logfd >= 0 && write(logfd, buf, (size_t)n) < 0)
			logfd = -1; /* a full disk must not stop the rebuild; the log is a help */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && ll < sizeof(line) - 1) {
				line[ll++] = buf[i];
				continue;
			}
			if (buf[i] == '\n') {
				line[ll] = 0;
				if (opts->progress)
					opts->progress(opts->userdata, VB_PROGRESS_COMMAND_OUTPUT, line,
						       now() - start, 0);
				ll = 0;
			}
		}
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*elapsed = now() - start;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Under / (or in the tests) the commands run; elsewhere they are only listed. */
bool vb_commands_run_here(const VbContext *ctx)
{
	return strcmp(ctx->root, "/") == 0 || getenv("VFIO_BOOT_TEST_RUN_COMMANDS");
}

/* Whether execvp would find name: a path is taken as it is, a bare name is looked up in
 * PATH (execvp's default when PATH is unset). */
static bool on_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	char full[4096];
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");
		if (len > 0 &&
		    snprintf(full, sizeof(full), "%.*s/%s", (int)len, p, name) < (int)sizeof(full) &&
		    access(full, X_OK) == 0)
			return true;
		p += len;
		if (!*p)
			return false;
	}
}

int vb_commands_check(VbContext *ctx, const VbCommand *cmds, size_t n)
{
	if (!vb_commands_run_here(ctx))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!on_path(cmds[i].argv[0]))
			return vb_log_errno(
			    ctx, -ENOENT,
			    "%s, needed to rebuild the boot files, is not on PATH: install it, or "
			    "use --no-rebuild and rebuild them yourself",
			    cmds[i].argv[0]);
	return 0;
}

/* The last lines the last command wrote to the log (after its "==> " header): shown with
 * the failure, since revert removes the log with the rest of the state. */
static char *log_tail(const char *path, size_t max_lines)
{
	_cleanup_free_ char *text = NULL;
	size_t size;
	if (!path || read_file_at(AT_FDCWD, path, 16 * 1024 * 1024, &text, &size) < 0)
		return NULL;
	const char *start = text, *h;
	while ((h = strstr(start, "==> ")) && (h == text || h[-1] == '\n'))
		start = strchr(h, '\n') ? strchr(h, '\n') + 1 : h + strlen(h);
	const char *end = text + size, *p = end;
	if (p > start && p[-1] == '\n')
		p--;
	for (size_t lines = 0; p > start; p--)
		if (p[-1] == '\n' && ++lines == max_lines)
			break;
	return end > p ? strndup(p, (size_t)(end - p)) : NULL;
}

int vb_run_commands(VbContext *ctx, const VbCommand *cmds, size_t n, const VbApplyOptions *opts,
		    VbState *state, VbApplyResult *res)
{
	char text[512];
	VbRebuild outcome = VB_REBUILD_DONE;
	size_t n_done = n; /* the commands that ran to the end */
	int r = 0;
	res->n_commands = n < VB_MAX_COMMANDS ? n : VB_MAX_COMMANDS;
	memcpy(res->commands, cmds, res->n_commands * sizeof(*cmds));
	if (!vb_commands_run_here(ctx)) {
		for (size_t i = 0; i < n; i++) {
			vb_command_text(&cmds[i], text, sizeof(text));
			if (opts->progress)
				opts->progress(opts->userdata, VB_PROGRESS_LIST_COMMAND, text, 0, 0);
		}
		outcome = VB_REBUILD_LISTED;
		goto record;
	}
	int dirfd, logfd = -1;
	if (open_dir_beneath(ctx->root, VB_STATE_DIR, true, &dirfd) >= 0) {
		logfd =
		    openat(dirfd, VB_STATE_LOG, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		close(dirfd);
	}
	if (asprintf(&res->log_path, "%s/%s/%s", strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR,
		     VB_STATE_LOG) < 0)
		res->log_path = NULL;
	for (size_t i = 0; i < n; i++) {
		vb_command_text(&cmds[i], text, sizeof(text));
		if (logfd >= 0)
			dprintf(logfd, "==> %s (at %lld)\n", text, (long long)time(NULL));
		if (opts->progress)
			opts->progress(opts->userdata, VB_PROGRESS_COMMAND_START, text, 0, 0);
		double elapsed = 0;
		int status = run_one(&cmds[i], logfd, opts, &elapsed);
		if (opts->progress)
			opts->progress(opts->userdata, VB_PROGRESS_COMMAND_DONE, text, elapsed, status);
		if (status != 0) {
			res->rebuild_failed = true;
			if (asprintf(&res->failed_command,
				     "%s (%s %d)" /* not translated: JSON and the state keep it */, text,
				     status < 0 ? "error" : "exit status", status < 0 ? -status : status) < 0)
				res->failed_command = NULL;
			outcome = VB_REBUILD_FAILED;
			n_done = i;
			if (logfd >= 0)
				(void)fsync(logfd);
			res->failed_output = log_tail(res->log_path, 8);
			break;
		}
	}
	if (logfd >= 0)
		close(logfd);
record:;
	/* what is left: the failed command and those after it */
	VbStrv left = {0};
	if (vb_command_texts(cmds + n_done, n - n_done, &left) < 0) {
		vb_strv_done(&left);
		return -ENOMEM;
	}
	if (res->rebuild_failed)
		res->pending = vb_strv_join(&left, ", ");
	if (!state) {
		vb_strv_done(&left);
		return r;
	}
	free(state->rebuild_detail);
	state->rebuild = outcome;
	state->rebuild_detail = res->failed_command ? strdup(res->failed_command) : NULL;
	vb_strv_done(&state->rebuild_pending);
	state->rebuild_pending = left;
	return vb_state_save(ctx, state);
}
