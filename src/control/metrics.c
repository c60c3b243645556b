/* metrics.c - the Prometheus endpoint: GET /metrics answers the last text
 * the control side published; any other method or path gets 404.
 *
 * libmicrohttpd (Debian's libmicrohttpd) runs one internal thread that
 * polls every connection (epoll), so a slow client costs a socket, never a
 * thread; connections are capped (METRICS_MAX_CONN) and time out after
 * METRICS_TIMEOUT_S. The request handler copies the published text under
 * `mu` into a response that libmicrohttpd frees once sent: the lock is held
 * for one memcpy, by the HTTP thread or by the publisher (the main thread),
 * never by a worker (the text is rendered from the workers' published
 * snapshots, see runtime.c).
 *
 * Thread ownership: `text` and `len` belong to whoever holds `mu`; the
 * daemon is the main thread's (start, stop). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "taishi/core/util.h"
#include "metrics.h"

#define METRICS_MAX_CONN 32
#define METRICS_TIMEOUT_S 10

struct metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    char *text;
    size_t len, cap;
    struct sockaddr_storage addr;
};

static const char not_found[] = "404 not found: only GET /metrics is served\n";

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, void *body, size_t len,
                             enum MHD_ResponseMemoryMode mode, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct metrics *m = cls;
    (void)version;
    (void)upload;
    (void)con_cls;

    if (strcmp(method, MHD_HTTP_METHOD_GET) || strcmp(url, "/metrics") || *upload_size)
        return reply(c, MHD_HTTP_NOT_FOUND, (void *)not_found, sizeof(not_found) - 1,
                     MHD_RESPMEM_PERSISTENT, "text/plain; charset=utf-8");
    pthread_mutex_lock(&m->mu);
    size_t n = m->len;
    char *copy = malloc(n ? n : 1);
    if (copy)
        memcpy(copy, m->text, n);
    pthread_mutex_unlock(&m->mu);
    if (!copy)
        return MHD_NO;
    return reply(c, MHD_HTTP_OK, copy, n, MHD_RESPMEM_MUST_FREE,
                 "text/plain; version=0.0.4; charset=utf-8");
}

/* "host:port" or "[v6]:port" into an address (numeric or a resolvable name). */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
    char host[128];
    const char *port;

    if (listen[0] == '[') {
        const char *e = strchr(listen, ']');
        if (!e || e[1] != ':' || (size_t)(e - listen - 1) >= sizeof(host))
            goto bad;
        memcpy(host, listen + 1, (size_t)(e - listen - 1));
        host[e - listen - 1] = 0;
        port = e + 2;
    } else {
        const char *c = strrchr(listen, ':');
        if (!c || c == listen || (size_t)(c - listen) >= sizeof(host) || strchr(listen, ':') != c)
            goto bad;
        memcpy(host, listen, (size_t)(c - listen));
        host[c - listen] = 0;
        port = c + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 1 || p > 65535)
        goto bad;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int r = getaddrinfo(host, port, &hints, &ai);
    if (r || !ai) {
        snprintf(err, errlen, "'%s': %s", listen, r ? gai_strerror(r) : "no address");
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return 0;
bad:
    snprintf(err, errlen, "'%s': expected host:port or [address]:port", listen);
    return -1;
}

struct metrics *metrics_start(const char *listen, char *err, size_t errlen)
{
    struct metrics *m = xcalloc(1, sizeof(*m));

    if (parse_listen(listen, &m->addr, err, errlen) < 0) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (m->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = m->addr.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&m->addr)->sin6_port)
                                                  : ntohs(((struct sockaddr_in *)&m->addr)->sin_port);
    m->d = MHD_start_daemon(flags, port, NULL, NULL, on_request, m,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&m->addr,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
                            MHD_OPTION_END);
    if (!m->d) {
        snprintf(err, errlen, "cannot listen on '%s' (address in use, or not this host's?)", listen);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    LOG(LVL_NOTICE, "metrics: http://%s/metrics", listen);
    return m;
}

void metrics_publish(struct metrics *m, const char *text, size_t len)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    if (len > m->cap) {
        m->text = xreallocarray(m->text, len, 1);
        m->cap = len;
    }
    memcpy(m->text, text, len);
    m->len = len;
    pthread_mutex_unlock(&m->mu);
}

void metrics_stop(struct metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
    free(m->text);
    free(m);
}
