/*
 * kafka-mock: librdkafka's Kafka-protocol mock cluster as a standalone
 * process for tests; any Kafka client can produce/consume. See README.md.
 *
 * kafka-mock [-b BROKERS] [-p PORT] [-t TOPIC[:PARTITIONS]]... [-s SCHEDULE]
 *   -b  number of brokers, ids 1..BROKERS (default 1)
 *   -p  listen on 127.0.0.1:PORT, PORT+1, ... (default: ephemeral ports).
 *       librdkafka 2.0.2 has no API for this: bind() is interposed while
 *       the cluster is created. Exit 1 if a port is in use.
 *   -t  pre-create TOPIC (PARTITIONS default 1, replication min(3,BROKERS));
 *       repeatable or comma-separated. Unknown topics are auto-created
 *       (4 partitions) when a client asks for them.
 *   -s  comma-separated ACTION@SECONDS since the bootstrap line, ACTION =
 *       down|up|down:ID|up:ID|quit, e.g. "down@2.5,up@6" (logged to stderr)
 * stdout: first line exactly "bootstrap=HOST:PORT[,HOST:PORT...]", then one
 * flushed reply line "ok ..." / "error ..." per stdin command, written after
 * the command took effect. Logs go to stderr. Commands (one per line):
 *   down [ID|all]   rd_kafka_mock_broker_set_down (default all)
 *   up [ID|all]     rd_kafka_mock_broker_set_up (default all)
 *   errors N CODE   the next N Produce requests (cluster-wide) fail with CODE:
 *                   number or rd_kafka_err2name() name, e.g. REQUEST_TIMED_OUT,
 *                   NOT_LEADER_FOR_PARTITION, _TRANSPORT (= drop connection)
 *   quit            exit 0
 * EOF on stdin does not stop it. A FIFO/pipe stdin is re-opened read-write
 * so it never hits EOF and successive writers ("echo up > fifo") all work.
 * SIGTERM/SIGINT: destroy the cluster, exit 0. SIGUSR1: all brokers down,
 * SIGUSR2: all brokers up. Exit status: 0 ok, 1 startup failure, 2 usage.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#ifndef RD_KAFKAP_Produce
#define RD_KAFKAP_Produce 0 /* Kafka ApiKey; only in librdkafka's private headers */
#endif

static volatile sig_atomic_t g_stop, g_usr1, g_usr2;
static int g_next_port; /* > 0 only while creating the cluster with -p */
static rd_kafka_mock_cluster_t *g_mc;
static int g_nbrokers = 1;

/* With -p: give the mock's listen sockets (127.0.0.1:0) fixed ports. */
int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len) {
        static int (*real_bind)(int, const struct sockaddr *, socklen_t);
        const struct sockaddr *sa = addr.__sockaddr__;
        struct sockaddr_in sin;

        if (!real_bind)
                *(void **)&real_bind = dlsym(RTLD_NEXT, "bind");
        if (g_next_port > 0 && sa && sa->sa_family == AF_INET && len >= sizeof(sin)) {
                memcpy(&sin, sa, sizeof(sin));
                if (sin.sin_port == 0) {
                        sin.sin_port = htons((uint16_t)g_next_port++);
                        sa = (const struct sockaddr *)&sin;
                        len = sizeof(sin);
                }
        }
        return real_bind(fd, sa, len);
}

/* librdkafka 2.0.2 asserts (abort) if a mock listener cannot bind: pre-check. */
static int ports_free(int port, int n) {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        int i, fd, one = 1, ok = 1;

        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (i = 0; i < n && ok; i++) {
                sin.sin_port = htons((uint16_t)(port + i));
                if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
                        return 0;
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
                        fprintf(stderr, "kafka-mock: port %d: %s\n", port + i,
                                strerror(errno));
                        ok = 0;
                }
                close(fd);
        }
        return ok;
}

static void on_signal(int sig) {
        *(sig == SIGUSR1 ? &g_usr1 : sig == SIGUSR2 ? &g_usr2 : &g_stop) = 1;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *d;
        size_t i, n;
        char *end;
        long v = strtol(s, &end, 10);

        if (*s && !*end)
                return *out = (rd_kafka_resp_err_t)v, 0;
        s += !strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18) ? 18
             : !strncasecmp(s, "ERR_", 4)              ? 4 : 0;
        rd_kafka_get_err_descs(&d, &n);
        for (i = 0; i < n; i++)
                if (d[i].name && !strcasecmp(d[i].name, s))
                        return *out = d[i].code, 0;
        return -1;
}

/* up/down; id is NULL, "all" or a broker id. */
static void set_brokers(int up, const char *id, char *reply, size_t sz) {
        const char *what = up ? "up" : "down";
        int b = -1; /* -1 = all brokers in a single mock op */
        rd_kafka_resp_err_t err;
        char *end;

        if (id && strcmp(id, "all")) {
                b = (int)strtol(id, &end, 10);
                if (!*id || *end || b < 1 || b > g_nbrokers) {
                        snprintf(reply, sz, "error %s: bad broker id '%s'", what, id);
                        return;
                }
        }
        err = up ? rd_kafka_mock_broker_set_up(g_mc, b)
                 : rd_kafka_mock_broker_set_down(g_mc, b);
        if (err)
                snprintf(reply, sz, "error %s: %s", what, rd_kafka_err2str(err));
        else
                snprintf(reply, sz, "ok %s %s", what, id ? id : "all");
}

/* Executes one command line, writes a one-line reply (no newline). */
static void run_cmd(const char *cmdline, char *reply, size_t sz) {
        char line[512], *argv[4] = {0}, *tok, *save = NULL;
        int argc = 0;

        snprintf(line, sizeof(line), "%s", cmdline);
        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 4;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;
        if (argc == 0) {
                snprintf(reply, sz, "error empty command");
        } else if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                if (argc > 2)
                        snprintf(reply, sz, "error usage: %s [ID|all]", argv[0]);
                else
                        set_brokers(argv[0][0] == 'u', argv[1], reply, sz);
        } else if (!strcmp(argv[0], "errors")) {
                rd_kafka_resp_err_t code, errs[1000];
                char *end = NULL;
                long i, n = argc == 3 ? strtol(argv[1], &end, 10) : 0;

                if (argc != 3 || *end || n < 1 || n > 1000) {
                        snprintf(reply, sz, "error usage: errors N(1-1000) CODE");
                } else if (parse_err(argv[2], &code)) {
                        snprintf(reply, sz, "error unknown error code '%s'", argv[2]);
                } else {
                        for (i = 0; i < n; i++)
                                errs[i] = code;
                        rd_kafka_mock_push_request_errors_array(
                            g_mc, RD_KAFKAP_Produce, (size_t)n, errs);
                        snprintf(reply, sz, "ok errors %ld %s (%d)", n,
                                 rd_kafka_err2name(code), (int)code);
                }
        } else if (!strcmp(argv[0], "quit") && argc == 1) {
                g_stop = 1;
                snprintf(reply, sz, "ok quit");
        } else {
                snprintf(reply, sz, "error unknown command '%s'", argv[0]);
        }
}

/* Runs a command not coming from stdin: the reply goes to stderr. */
static void run_logged(const char *why, const char *cmd) {
        char reply[256];

        run_cmd(cmd, reply, sizeof(reply));
        fprintf(stderr, "kafka-mock: %s: %s: %s\n", why, cmd, reply);
}

struct sched {
        double at;
        char cmd[16];
        int done;
};

static int parse_sched(char *s, struct sched *ev, int max) {
        char *tok, *save = NULL, *at, *end, *colon;
        int n = 0;

        for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (n == max || !(at = strchr(tok, '@')))
                        return -1;
                *at = '\0';
                ev[n].at = strtod(at + 1, &end);
                if ((colon = strchr(tok, ':')))
                        *colon = ' '; /* "down:2" -> "down 2" */
                if (at[1] == '\0' || *end || ev[n].at < 0 ||
                    strlen(tok) >= sizeof(ev[n].cmd) ||
                    (strncmp(tok, "down", 4) && strncmp(tok, "up", 2) &&
                     strcmp(tok, "quit")))
                        return -1;
                strcpy(ev[n].cmd, tok);
                ev[n++].done = 0;
        }
        return n;
}

int main(int argc, char **argv) {
        static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2};
        char errstr[512], buf[4096], reply[256], *topics[64], *tok, *save, *c;
        struct sched ev[64];
        int ntopics = 0, nev = 0, port = 0, opt, i, parts, fd_in = 0, nfd;
        size_t blen = 0, len;
        rd_kafka_t *rk;
        rd_kafka_conf_t *conf;
        rd_kafka_resp_err_t err;
        struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
        sigset_t set, old;
        struct stat st;
        ssize_t r;
        double t0;

        while ((opt = getopt(argc, argv, "b:p:t:s:")) != -1) {
                if (opt == 'b' && (g_nbrokers = atoi(optarg)) >= 1)
                        continue;
                if (opt == 'p' && (port = atoi(optarg)) > 0 && port < 65536)
                        continue;
                if (opt == 's' && (nev = parse_sched(optarg, ev, 64)) >= 0)
                        continue;
                if (opt == 't') {
                        for (tok = strtok_r(optarg, ",", &save); tok;
                             tok = strtok_r(NULL, ",", &save))
                                if (ntopics < 64)
                                        topics[ntopics++] = tok;
                        continue;
                }
                fprintf(stderr, "usage: kafka-mock [-b BROKERS] [-p PORT] "
                                "[-t TOPIC[:PARTITIONS]]... [-s ACTION@SECS,...]\n");
                return 2;
        }
        if (optind != argc || port + g_nbrokers > 65536) {
                fprintf(stderr, "kafka-mock: bad arguments\n");
                return 2;
        }

        /* Signals stay blocked while librdkafka starts its threads, so they
         * are only ever delivered to the main thread. */
        sigemptyset(&set);
        for (i = 0; i < 4; i++) {
                sigaddset(&set, sigs[i]);
                sigaction(sigs[i], &sa, NULL);
        }
        pthread_sigmask(SIG_BLOCK, &set, &old);
        signal(SIGPIPE, SIG_IGN);

        if (port && !ports_free(port, g_nbrokers))
                return 1;
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr));
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        g_next_port = port;
        g_mc = rd_kafka_mock_cluster_new(rk, g_nbrokers);
        g_next_port = 0;
        if (!g_mc) {
                fprintf(stderr, "kafka-mock: cannot create mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        for (i = 0; i < ntopics && !g_stop; i++) {
                parts = 1;
                if ((c = strrchr(topics[i], ':'))) {
                        *c = '\0';
                        parts = atoi(c + 1);
                }
                err = !*topics[i] || parts < 1 ? RD_KAFKA_RESP_ERR__INVALID_ARG
                      : rd_kafka_mock_topic_create(g_mc, topics[i], parts,
                                                   g_nbrokers < 3 ? g_nbrokers : 3);
                if (err) {
                        fprintf(stderr, "kafka-mock: cannot create topic '%s': %s\n",
                                topics[i], rd_kafka_err2str(err));
                        g_stop = 2;
                }
        }
        if (!g_stop) {
                printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(g_mc));
                fflush(stdout);
                fprintf(stderr, "kafka-mock: %d broker(s) at %s\n", g_nbrokers,
                        rd_kafka_mock_cluster_bootstraps(g_mc));
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        t0 = now();
        /* FIFO/pipe stdin: re-open it read-write so that it never reaches EOF
         * when a writer closes, and further writers can still send commands. */
        if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode) &&
            (nfd = open("/proc/self/fd/0", O_RDWR | O_NONBLOCK)) >= 0) {
                dup2(nfd, 0);
                close(nfd);
        }

        while (!g_stop) {
                struct pollfd pfd = {.fd = fd_in, .events = POLLIN};

                if (g_usr1 && !(g_usr1 = 0))
                        run_logged("SIGUSR1", "down all");
                if (g_usr2 && !(g_usr2 = 0))
                        run_logged("SIGUSR2", "up all");
                for (i = 0; i < nev; i++)
                        if (!ev[i].done && now() - t0 >= ev[i].at) {
                                ev[i].done = 1;
                                run_logged("schedule", ev[i].cmd);
                        }
                if (g_stop || poll(&pfd, fd_in >= 0, 50) <= 0)
                        continue;
                r = read(fd_in, buf + blen, sizeof(buf) - 1 - blen);
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (r > 0)
                        blen += (size_t)r;
                if (r <= 0 || blen == sizeof(buf) - 1) /* EOF or overlong */
                        buf[blen++] = '\n';
                while ((c = memchr(buf, '\n', blen))) {
                        *c = '\0';
                        len = (size_t)(c - buf) + 1;
                        if (buf[strspn(buf, " \t\r")]) { /* skip blank lines */
                                run_cmd(buf, reply, sizeof(reply));
                                printf("%s\n", reply);
                                fflush(stdout);
                        }
                        memmove(buf, buf + len, blen - len);
                        blen -= len;
                }
                if (r <= 0) /* EOF or error: stop reading, keep running */
                        fd_in = -1;
        }

        fprintf(stderr, "kafka-mock: shutting down\n");
        rd_kafka_mock_cluster_destroy(g_mc);
        rd_kafka_destroy(rk);
        return g_stop == 2 ? 1 : 0;
}
