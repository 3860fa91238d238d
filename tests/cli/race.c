/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cip-test-race: runs the clusterip program from several processes at once
 * on one state file, and checks that no update was lost.
 *
 *   cip-test-race allocate KIND DIR PROCS RUNS -- PROGRAM [ARG...]
 *   cip-test-race init KIND DIR PROCS ROUNDS -- PROGRAM [ARG...]
 *
 * KIND is range or ports; PROGRAM [ARG...] runs clusterip (through a
 * launcher such as valgrind, if any); DIR is a scratch directory.
 *
 * allocate: PROCS processes each run "KIND allocate --state DIR/state" RUNS
 * times, in turn: one item, two items (-n 2), one item, and every fourth
 * run one given item of the static band that all processes ask for. Every
 * run must succeed, except that exactly one process gets each contested
 * item (the others fail with "already allocated"). Then "KIND list" must
 * print exactly the items the runs printed, none twice. Without a lock,
 * runs that overlap read the same old state and one's update is lost.
 *
 * init: in each of ROUNDS rounds, PROCS processes run "KIND init" with
 * different ranges on one path that does not exist, released at once:
 * exactly one must succeed, the others fail with "already exists", and the
 * file must be the winner's.
 *
 * Exit status 0 when every check passed, 1 otherwise (with the reason on
 * standard error), 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_CAP 65536
#define ERR_CAP 4096
#define PATH_CAP 4096
#define ITEM_CAP 64
#define STATIC_BAND 64

struct kind {
	const char *name;
	const char *spec; /* the range of the allocate test */
	int ports;	  /* 0: service addresses, 1: node ports */
};

static const struct kind kinds[] = {
	{ "range", "10.0.0.0/16", 0 },
	{ "ports", "30000-32767", 1 },
};

/* Contested item @p i, in the static band of kinds[].spec. */
static void contested_item(const struct kind *k, int i, char *buf, size_t cap)
{
	if (k->ports) {
		snprintf(buf, cap, "%d", 30000 + i);
	} else {
		snprintf(buf, cap, "10.0.0.%d", 1 + i);
	}
}

/* The range of process @p i (1-9) in the init test, and the first line
 * "show" prints for it. */
static void init_spec(const struct kind *k, int i, char *buf, size_t cap)
{
	if (k->ports) {
		snprintf(buf, cap, "3%d000-3%d099", i, i);
	} else {
		snprintf(buf, cap, "10.%d.0.0/24", i);
	}
}

static void init_show_line(const struct kind *k, int i, char *buf, size_t cap)
{
	if (k->ports) {
		snprintf(buf, cap, "range:        3%d000-3%d099\n", i, i);
	} else {
		snprintf(buf, cap, "cidr:         10.%d.0.0/24\n", i);
	}
}

/* The program and its leading arguments, from after "--". */
static char **program;
static int program_len;

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static int failf(const char *format, ...) PRINTF_LIKE(1, 2);

static int failf(const char *format, ...)
{
	va_list ap;

	fputs("cip-test-race: ", stderr);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* What one run of the program did. */
struct result {
	int status; /* exit status, or -1 when it did not exit */
	char out[OUT_CAP];
	size_t out_len;
	char err[ERR_CAP];
	size_t err_len;
};

/* Appends what can be read from @p fd; 0 at end of file. */
static int drain(int fd, char *buf, size_t cap, size_t *len)
{
	char scratch[512];
	ssize_t n;

	do {
		n = read(fd, scratch, sizeof(scratch));
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		return 0;
	}
	for (ssize_t i = 0; i < n && *len + 1 < cap; i++) {
		buf[(*len)++] = scratch[i];
	}
	buf[*len] = '\0';
	return 1;
}

static void exec_program(const char *const *args, int out_fd, int err_fd)
{
	char *argv[32];
	int n = 0;

	for (int i = 0; i < program_len && n < 31; i++) {
		argv[n++] = program[i];
	}
	for (int i = 0; args[i] != NULL && n < 31; i++) {
		argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) {
		_exit(127);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Runs PROGRAM with @p args (NULL-terminated), collecting its output. */
static int run(const char *const *args, struct result *r)
{
	int out[2], err[2], status, open_fds = 2;
	struct pollfd pfd[2];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(out) != 0 || pipe(err) != 0) {
		return failf("pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		return failf("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		exec_program(args, out[1], err[1]);
	}
	close(out[1]);
	close(err[1]);
	pfd[0].fd = out[0];
	pfd[1].fd = err[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return failf("poll: %s", strerror(errno));
		}
		if (pfd[0].revents != 0 && !drain(out[0], r->out, OUT_CAP, &r->out_len)) {
			pfd[0].fd = -1;
			open_fds--;
		}
		if (pfd[1].revents != 0 && !drain(err[0], r->err, ERR_CAP, &r->err_len)) {
			pfd[1].fd = -1;
			open_fds--;
		}
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return failf("waitpid: %s", strerror(errno));
		}
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++) {
		n += *text == '\n';
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* allocate                                                           */
/* ------------------------------------------------------------------ */

/* Appends each line of @p text to @p f as "item LINE". */
static void record_items(FILE *f, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		fprintf(f, "item %.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
}

/* Worker @p w: RUNS runs; writes what it got to DIR/out.W. */
static int worker(const struct kind *k, const char *dir, const char *state, int w, int runs)
{
	static struct result r;
	char path[PATH_CAP], item[ITEM_CAP];
	FILE *f;

	snprintf(path, sizeof(path), "%s/out.%d", dir, w);
	f = fopen(path, "w");
	if (f == NULL) {
		return failf("%s: %s", path, strerror(errno));
	}
	for (int j = 0; j < runs; j++) {
		const char *one[] = { k->name, "allocate", "--state", state, NULL };
		const char *two[] = { k->name, "allocate", "--state", state, "-n", "2", NULL };
		const char *given[] = { k->name, "allocate", "--state", state, item, NULL };
		int contested = j % 4 == 3, want = j % 4 == 1 ? 2 : 1;

		contested_item(k, j / 4, item, sizeof(item));
		if (run(contested ? given : want == 2 ? two : one, &r) != 0) {
			fclose(f);
			return 1;
		}
		if (contested && r.status == 1 && strstr(r.err, "already allocated") != NULL &&
		    r.out_len == 0) {
			fprintf(f, "lost %d\n", j / 4);
			continue;
		}
		if (r.status != 0 || r.err_len != 0 || count_lines(r.out) != want) {
			fclose(f);
			return failf("worker %d, run %d: exit status %d, output '%s', error '%s'",
				     w, j, r.status, r.out, r.err);
		}
		if (contested) {
			fprintf(f, "won %d\n", j / 4);
		}
		record_items(f, r.out);
	}
	return fclose(f) == 0 ? 0 : failf("%s: %s", path, strerror(errno));
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct tally {
	char **items;
	int count;
	int cap;
	int *won;  /* per contested item */
	int *seen; /* per contested item: won or lost */
};

/* Reads DIR/out.W into @p t. */
static int read_worker(const char *dir, int w, int contested, struct tally *t)
{
	char path[PATH_CAP], line[ITEM_CAP + 16];
	FILE *f;
	int index;

	snprintf(path, sizeof(path), "%s/out.%d", dir, w);
	f = fopen(path, "r");
	if (f == NULL) {
		return failf("%s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "item ", 5) == 0 && t->count < t->cap) {
			t->items[t->count] = strdup(line + 5);
			if (t->items[t->count++] == NULL) {
				fclose(f);
				return failf("out of memory");
			}
		} else if (sscanf(line, "won %d", &index) == 1 && index < contested) {
			t->won[index]++;
			t->seen[index]++;
		} else if (sscanf(line, "lost %d", &index) == 1 && index < contested) {
			t->seen[index]++;
		} else {
			fclose(f);
			return failf("%s: unexpected line '%s'", path, line);
		}
	}
	fclose(f);
	return 0;
}

/* The contested items went to one process each; the file holds all items. */
static int check_tally(const struct kind *k, const char *state, struct tally *t, int procs,
		       int contested)
{
	static struct result r;
	const char *list[] = { k->name, "list", "--state", state, NULL };
	int listed = 0;
	char *p;

	for (int i = 0; i < contested; i++) {
		if (t->won[i] != 1 || t->seen[i] != procs) {
			return failf("contested item %d: %d of %d processes got it", i, t->won[i],
				     t->seen[i]);
		}
	}
	qsort(t->items, (size_t)t->count, sizeof(*t->items), compare_strings);
	for (int i = 1; i < t->count; i++) {
		if (strcmp(t->items[i - 1], t->items[i]) == 0) {
			return failf("%s was allocated twice", t->items[i]);
		}
	}
	if (run(list, &r) != 0) {
		return 1;
	}
	if (r.status != 0 || r.err_len != 0) {
		return failf("list: exit status %d, error '%s'", r.status, r.err);
	}
	/* list prints in ascending order, which is not strcmp's order. */
	p = r.out;
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		char *key = p;

		if (nl == NULL) {
			return failf("list: no final newline");
		}
		*nl = '\0';
		if (bsearch(&key, t->items, (size_t)t->count, sizeof(*t->items), compare_strings) ==
		    NULL) {
			return failf("list: %s was not allocated by any run", p);
		}
		listed++;
		p = nl + 1;
	}
	if (listed != t->count) {
		return failf("the file holds %d items, the runs allocated %d: updates were lost",
			     listed, t->count);
	}
	printf("%s: %d processes, %d items allocated, all of them in the file\n", k->name, procs,
	       t->count);
	return 0;
}

static int wait_workers(const pid_t *pids, int procs)
{
	int failed = 0;

	for (int w = 0; w < procs; w++) {
		int status;

		while (waitpid(pids[w], &status, 0) < 0) {
			if (errno != EINTR) {
				return failf("waitpid: %s", strerror(errno));
			}
		}
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	return failed ? failf("a worker failed") : 0;
}

static void free_tally(struct tally *t)
{
	for (int i = 0; i < t->count; i++) {
		free(t->items[i]);
	}
	free(t->items);
	free(t->won);
	free(t->seen);
}

static int race_allocate(const struct kind *k, const char *dir, int procs, int runs)
{
	static struct result r;
	char state[PATH_CAP], band[16];
	const char *init[] = { k->name, "init",		 k->spec, "--state",
			       state,	"--static-band", band,	  NULL };
	int contested = runs / 4, rc = 0;
	struct tally t = { 0 };
	pid_t *pids;

	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(band, sizeof(band), "%d", STATIC_BAND);
	if (contested > STATIC_BAND) {
		return failf("too many runs");
	}
	unlink(state);
	if (run(init, &r) != 0) {
		return 1;
	}
	if (r.status != 0) {
		return failf("init: exit status %d, error '%s'", r.status, r.err);
	}
	pids = calloc((size_t)procs, sizeof(*pids));
	if (pids == NULL) {
		return failf("out of memory");
	}
	for (int w = 0; w < procs; w++) {
		fflush(NULL);
		pids[w] = fork();
		if (pids[w] < 0) {
			return failf("fork: %s", strerror(errno));
		}
		if (pids[w] == 0) {
			_exit(worker(k, dir, state, w, runs));
		}
	}
	rc = wait_workers(pids, procs);
	free(pids);
	t.cap = procs * runs * 2;
	t.items = calloc((size_t)t.cap, sizeof(*t.items));
	t.won = calloc((size_t)contested + 1, sizeof(*t.won));
	t.seen = calloc((size_t)contested + 1, sizeof(*t.seen));
	if (t.items == NULL || t.won == NULL || t.seen == NULL) {
		rc = failf("out of memory");
	}
	for (int w = 0; rc == 0 && w < procs; w++) {
		rc = read_worker(dir, w, contested, &t);
	}
	if (rc == 0) {
		rc = check_tally(k, state, &t, procs, contested);
	}
	free_tally(&t);
	return rc;
}

/* ------------------------------------------------------------------ */
/* init                                                               */
/* ------------------------------------------------------------------ */

/* Process @p i of a round: waits on @p gate, then runs init; exits 0 if it
 * created the file, 1 if it found it there, 2 on anything else. */
static int initializer(const struct kind *k, const char *state, int i, int gate)
{
	static struct result r;
	char spec[32];
	const char *init[] = { k->name, "init", spec, "--state", state, NULL };
	char byte;

	init_spec(k, i + 1, spec, sizeof(spec));
	/* The parent closes its end to release every process at once. */
	while (read(gate, &byte, 1) < 0 && errno == EINTR) {
	}
	if (run(init, &r) != 0) {
		return 2;
	}
	if (r.status == 0 && r.err_len == 0) {
		return 0;
	}
	if (r.status == 1 && strstr(r.err, "already exists") != NULL) {
		return 1;
	}
	failf("init %s: exit status %d, error '%s'", spec, r.status, r.err);
	return 2;
}

static int init_round(const struct kind *k, const char *state, int procs, pid_t *pids)
{
	static struct result r;
	const char *show[] = { k->name, "show", "--state", state, NULL };
	char want[64];
	int gate[2], winner = -1;

	unlink(state);
	if (pipe(gate) != 0) {
		return failf("pipe: %s", strerror(errno));
	}
	for (int i = 0; i < procs; i++) {
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] < 0) {
			return failf("fork: %s", strerror(errno));
		}
		if (pids[i] == 0) {
			close(gate[1]);
			_exit(initializer(k, state, i, gate[0]));
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < procs; i++) {
		int status, code;

		while (waitpid(pids[i], &status, 0) < 0) {
			if (errno != EINTR) {
				return failf("waitpid: %s", strerror(errno));
			}
		}
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
		if (code == 2 || (code == 0 && winner >= 0)) {
			return failf("init: process %d exited %d (winner so far: %d)", i, code,
				     winner);
		}
		if (code == 0) {
			winner = i;
		}
	}
	if (winner < 0) {
		return failf("init: no process created the file");
	}
	if (run(show, &r) != 0) {
		return 1;
	}
	init_show_line(k, winner + 1, want, sizeof(want));
	if (r.status != 0 || strncmp(r.out, want, strlen(want)) != 0) {
		return failf("show after init: exit status %d, output '%s', expected '%s...'",
			     r.status, r.out, want);
	}
	return 0;
}

static int race_init(const struct kind *k, const char *dir, int procs, int rounds)
{
	char state[PATH_CAP];
	pid_t *pids = calloc((size_t)procs, sizeof(*pids));
	int rc = 0;

	if (pids == NULL) {
		return failf("out of memory");
	}
	snprintf(state, sizeof(state), "%s/init", dir);
	for (int round = 0; rc == 0 && round < rounds; round++) {
		rc = init_round(k, state, procs, pids);
	}
	free(pids);
	if (rc == 0) {
		printf("%s: %d rounds of %d concurrent inits, one winner each\n", k->name, rounds,
		       procs);
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct kind *k = NULL;
	int procs, count;

	if (argc < 8 || strcmp(argv[6], "--") != 0) {
		fputs("usage: cip-test-race allocate|init KIND DIR PROCS N -- PROGRAM [ARG...]\n",
		      stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].name, argv[2]) == 0) {
			k = &kinds[i];
		}
	}
	procs = atoi(argv[4]);
	count = atoi(argv[5]);
	if (k == NULL || procs < 2 || procs > 9 || count < 1 || count > 4 * STATIC_BAND) {
		return failf("bad arguments");
	}
	program = argv + 7;
	program_len = argc - 7;
	if (mkdir(argv[3], 0777) != 0 && errno != EEXIST) {
		return failf("%s: %s", argv[3], strerror(errno));
	}
	if (strcmp(argv[1], "allocate") == 0) {
		return race_allocate(k, argv[3], procs, count);
	}
	if (strcmp(argv[1], "init") == 0) {
		return race_init(k, argv[3], procs, count);
	}
	return failf("unknown mode '%s'", argv[1]);
}
