// connect-burst: the benchmark's native connection generator. Opens MQTT 3.1.1 connections to one
// broker as cheaply as a client can (epoll, non-blocking connect, one pre-encoded CONNECT per
// socket, CONNACK matched byte-wise), so a connection rate measures the broker, not the client.
//
// usage: connect-burst --host A --port N --count N [--concurrency 64] [--prefix P] [--warmup N]
//                      [--timeout-ms 120000] [--local A] [--wait-go] [--hold]
// stdout, one JSON object per line:
//   {"event":"warm",...}   after the warm-up connections were opened and closed again;
//   (--wait-go: then waits for a line on stdin before the measured burst)
//   {"event":"burst","accepted":N,"seconds":S,"cpuUserSeconds":U,"cpuSystemSeconds":Y}
//   (--hold: keeps every connection open until stdin closes, then)
//   {"event":"closed","lost":N}  connections the broker closed while they were held;
//   {"event":"error","message":"...","accepted":N} on the first failure (exit status 1).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ID_DIGITS 7
#define MAX_EVENTS 256
/* 3.1.1 CONNACK, session not present, accepted: the only reply an anonymous clean CONNECT gets. */
static const uint8_t CONNACK_ACCEPTED[4] = {0x20, 0x02, 0x00, 0x00};
/* epoll user data of the stdin control channel (connection indexes are below this). */
#define STDIN_TAG UINT64_MAX

enum { CONNECTING = 0, WAITING_CONNACK = 1, ACCEPTED = 2, CLOSED = 3 };

struct conn {
  int fd;
  uint8_t state;
  uint8_t matched; /* CONNACK bytes matched so far */
};

struct options {
  struct sockaddr_in target;
  struct in_addr local;
  int has_local;
  long count, concurrency, warmup, timeout_ms;
  const char *prefix;
  int wait_go, hold;
};

struct burst {
  const struct options *opt;
  const char *prefix;
  long count;
  struct conn *conns;
  uint8_t *slab; /* count CONNECT frames back to back */
  size_t frame_len;
  long started, accepted, pending, lost;
  int ep;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const struct burst *b, const char *what, int err) {
  printf("{\"event\":\"error\",\"message\":\"%s%s%s\",\"accepted\":%ld}\n", what, err ? ": " : "",
         err ? strerror(err) : "", b == NULL ? 0L : b->accepted);
  fflush(stdout);
  exit(1);
}

/* MQTT 3.1.1 CONNECT, clean session, keep-alive 0, client id <prefix><index, 7 digits> [MQTT-3.1]. */
static size_t encode_connect(uint8_t *out, const char *prefix, long index) {
  size_t id_len = strlen(prefix) + ID_DIGITS;
  size_t remaining = 10 + 2 + id_len;
  size_t at = 0;
  out[at++] = 0x10;
  do { /* variable-length remaining length [MQTT-2.2.3] */
    uint8_t byte = remaining % 128;
    remaining /= 128;
    out[at++] = remaining > 0 ? (byte | 0x80) : byte;
  } while (remaining > 0);
  static const uint8_t header[10] = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0};
  memcpy(out + at, header, sizeof header);
  at += sizeof header;
  out[at++] = (uint8_t)(id_len >> 8);
  out[at++] = (uint8_t)(id_len & 0xff);
  at += (size_t)sprintf((char *)out + at, "%s%0*ld", prefix, ID_DIGITS, index);
  return at;
}

static void burst_init(struct burst *b, const struct options *opt, const char *prefix, long count, int ep) {
  memset(b, 0, sizeof *b);
  b->opt = opt;
  b->prefix = prefix;
  b->count = count;
  b->ep = ep;
  b->conns = calloc((size_t)count, sizeof *b->conns);
  uint8_t frame[512];
  b->frame_len = encode_connect(frame, prefix, 0);
  b->slab = malloc(b->frame_len * (size_t)count + 1); /* +1: sprintf's terminating NUL */
  if (b->conns == NULL || b->slab == NULL) fail(b, "out of memory", 0);
  for (long i = 0; i < count; i++) encode_connect(b->slab + (size_t)i * b->frame_len, prefix, i);
}

static void write_connect(struct burst *b, long i) {
  struct conn *c = &b->conns[i];
  /* MSG_NOSIGNAL: a spawned child starts with SIGPIPE's default action (libuv resets it), and a
     write after the broker reset the connection would kill the generator instead of reporting it. */
  ssize_t n = send(c->fd, b->slab + (size_t)i * b->frame_len, b->frame_len, MSG_NOSIGNAL);
  if (n == (ssize_t)b->frame_len) {
    c->state = WAITING_CONNACK;
    return;
  }
  if (n >= 0) fail(b, "short write of a CONNECT", 0); /* a fresh socket's buffer holds 30 bytes */
  if (errno != EAGAIN && errno != ENOTCONN) fail(b, "write CONNECT", errno);
}

static void start_one(struct burst *b) {
  long i = b->started++;
  struct conn *c = &b->conns[i];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(b, "socket", errno);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (b->opt->has_local) {
    /* Pick the source port at connect(), not bind(), so ports are shared across destinations. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = b->opt->local};
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) fail(b, "bind local address", errno);
  }
  c->fd = fd;
  c->state = CONNECTING;
  if (connect(fd, (const struct sockaddr *)&b->opt->target, sizeof b->opt->target) < 0 && errno != EINPROGRESS)
    fail(b, "connect", errno);
  /* On loopback the handshake has usually completed inside connect(): write at once and save an
     epoll round; only if the socket is not connected yet wait for it to become writable. */
  write_connect(b, i);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (c->state == CONNECTING ? EPOLLOUT : 0), .data.u64 = (uint64_t)i};
  if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) < 0) fail(b, "epoll_ctl add", errno);
  b->pending++;
}

/* Bytes (or an end) arrived on connection i. */
static void on_readable(struct burst *b, long i) {
  struct conn *c = &b->conns[i];
  uint8_t buf[256];
  for (;;) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN) return;
      if (c->state == ACCEPTED && (errno == ECONNRESET || errno == EPIPE)) n = 0;
      else fail(b, "read", errno);
    }
    if (n == 0) {
      if (c->state != ACCEPTED) {
        char what[96];
        snprintf(what, sizeof what, "connection %ld closed before CONNACK", i);
        fail(b, what, 0);
      }
      b->lost++;
      epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
      close(c->fd);
      c->state = CLOSED;
      return;
    }
    for (ssize_t k = 0; k < n && c->state == WAITING_CONNACK; k++) {
      if (buf[k] != CONNACK_ACCEPTED[c->matched]) {
        char what[96];
        snprintf(what, sizeof what, "connection %ld refused: %02x%02x%02x%02x", i, buf[0], n > 1 ? buf[1] : 0,
                 n > 2 ? buf[2] : 0, n > 3 ? buf[3] : 0);
        fail(b, what, 0);
      }
      if (++c->matched == sizeof CONNACK_ACCEPTED) {
        c->state = ACCEPTED;
        b->accepted++;
        b->pending--;
      }
    }
  }
}

static void on_event(struct burst *b, const struct epoll_event *ev) {
  long i = (long)ev->data.u64;
  struct conn *c = &b->conns[i];
  if (c->state == CLOSED) return;
  if (c->state == CONNECTING && (ev->events & (EPOLLERR | EPOLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    fail(b, "connect", err);
  }
  if (c->state == CONNECTING && (ev->events & EPOLLOUT)) {
    write_connect(b, i);
    if (c->state == WAITING_CONNACK) {
      struct epoll_event in = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)i};
      if (epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &in) < 0) fail(b, "epoll_ctl mod", errno);
    }
  }
  if (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(b, i);
}

/* Opens b->count connections, at most opt->concurrency waiting for their CONNACK at a time. */
static void run_burst(struct burst *b, double deadline) {
  struct epoll_event events[MAX_EVENTS];
  while (b->accepted < b->count) {
    while (b->pending < b->opt->concurrency && b->started < b->count) start_one(b);
    double left_ms = (deadline - now_seconds()) * 1000;
    if (left_ms <= 0) {
      char what[128];
      snprintf(what, sizeof what, "only %ld/%ld connections accepted within %ld ms", b->accepted, b->count, b->opt->timeout_ms);
      fail(b, what, 0);
    }
    /* Clamped: a --timeout-ms beyond INT_MAX would overflow the cast; the loop waits again. */
    int timeout = left_ms >= (double)INT_MAX ? INT_MAX : (int)left_ms;
    int n = epoll_wait(b->ep, events, MAX_EVENTS, timeout);
    if (n < 0 && errno != EINTR) fail(b, "epoll_wait", errno);
    for (int k = 0; k < n; k++) on_event(b, &events[k]);
  }
  if (b->lost > 0) fail(b, "the broker closed accepted connections during the burst", 0);
}

static void close_all(struct burst *b) {
  for (long i = 0; i < b->started; i++)
    if (b->conns[i].state != CLOSED) close(b->conns[i].fd);
  free(b->conns);
  free(b->slab);
}

/* --hold: watch the held connections (counting those the broker closes) until stdin closes. */
static void hold(struct burst *b) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = STDIN_TAG};
  if (epoll_ctl(b->ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) fail(b, "epoll_ctl stdin", errno);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(b->ep, events, MAX_EVENTS, -1);
    if (n < 0 && errno != EINTR) fail(b, "epoll_wait", errno);
    for (int k = 0; k < n; k++) {
      if (events[k].data.u64 != STDIN_TAG) {
        on_event(b, &events[k]);
        continue;
      }
      char line[64];
      ssize_t got = read(STDIN_FILENO, line, sizeof line);
      if (got <= 0) return; /* stdin closed: the run is over */
    }
  }
}

static long parse_long(const char *flag, const char *value, long min) {
  char *end;
  long n = strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || n < min) {
    fprintf(stderr, "%s: expected an integer >= %ld, got \"%s\"\n", flag, min, value);
    exit(2);
  }
  return n;
}

static void parse_options(int argc, char **argv, struct options *opt) {
  const char *host = "127.0.0.1";
  long port = -1;
  *opt = (struct options){.count = -1, .concurrency = 64, .timeout_ms = 120000, .prefix = "burst-"};
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (strcmp(flag, "--wait-go") == 0) { opt->wait_go = 1; continue; }
    if (strcmp(flag, "--hold") == 0) { opt->hold = 1; continue; }
    if (i + 1 >= argc) { fprintf(stderr, "%s needs a value\n", flag); exit(2); }
    const char *v = argv[++i];
    if (strcmp(flag, "--host") == 0) host = v;
    else if (strcmp(flag, "--port") == 0) port = parse_long(flag, v, 1);
    else if (strcmp(flag, "--count") == 0) opt->count = parse_long(flag, v, 1);
    else if (strcmp(flag, "--concurrency") == 0) opt->concurrency = parse_long(flag, v, 1);
    else if (strcmp(flag, "--warmup") == 0) opt->warmup = parse_long(flag, v, 0);
    else if (strcmp(flag, "--timeout-ms") == 0) opt->timeout_ms = parse_long(flag, v, 1);
    else if (strcmp(flag, "--prefix") == 0) opt->prefix = v;
    else if (strcmp(flag, "--local") == 0) {
      if (inet_pton(AF_INET, v, &opt->local) != 1) { fprintf(stderr, "--local: not an IPv4 address: %s\n", v); exit(2); }
      opt->has_local = 1;
    } else { fprintf(stderr, "unknown option %s\n", flag); exit(2); }
  }
  if (port < 0 || port > 65535 || opt->count < 0) { fprintf(stderr, "--port and --count are required\n"); exit(2); }
  if (opt->count >= 10000000 || opt->warmup >= 10000000) { fprintf(stderr, "at most 9999999 connections\n"); exit(2); }
  if (strlen(opt->prefix) > 200) { fprintf(stderr, "--prefix: at most 200 characters\n"); exit(2); }
  opt->target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &opt->target.sin_addr) != 1) { fprintf(stderr, "--host: not an IPv4 address: %s\n", host); exit(2); }
}

/* Every held connection is a descriptor: raise the soft limit to the hard one. */
static void raise_fd_limit(long needed) {
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  if ((long)lim.rlim_cur < needed + 16) {
    char what[128];
    snprintf(what, sizeof what, "%ld connections need more descriptors than the limit (%ld)", needed, (long)lim.rlim_cur);
    fail(NULL, what, 0);
  }
}

static double seconds_of(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv) {
  struct options opt;
  parse_options(argc, argv, &opt);
  raise_fd_limit(opt.count > opt.warmup ? opt.count : opt.warmup);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail(NULL, "epoll_create1", errno);
  double deadline = now_seconds() + (double)opt.timeout_ms / 1000;

  /* Warm-up first: what a broker builds on its first connections is not a cost per connection. */
  char warm_prefix[256];
  snprintf(warm_prefix, sizeof warm_prefix, "warm-%s", opt.prefix);
  struct burst warm;
  double warm_started = now_seconds();
  if (opt.warmup > 0) {
    burst_init(&warm, &opt, warm_prefix, opt.warmup, ep);
    run_burst(&warm, deadline);
    close_all(&warm);
  }
  printf("{\"event\":\"warm\",\"accepted\":%ld,\"seconds\":%.6f}\n", opt.warmup, now_seconds() - warm_started);
  fflush(stdout);
  if (opt.wait_go) {
    char line[64];
    if (read(STDIN_FILENO, line, sizeof line) <= 0) return 0; /* the parent went away: nothing to measure */
    deadline = now_seconds() + (double)opt.timeout_ms / 1000;
  }

  struct burst b;
  burst_init(&b, &opt, opt.prefix, opt.count, ep); /* encoding the slab is not part of the measurement */
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  double started = now_seconds();
  run_burst(&b, deadline);
  double seconds = now_seconds() - started;
  getrusage(RUSAGE_SELF, &after);
  printf("{\"event\":\"burst\",\"accepted\":%ld,\"seconds\":%.6f,\"cpuUserSeconds\":%.6f,\"cpuSystemSeconds\":%.6f}\n",
         b.accepted, seconds, seconds_of(after.ru_utime) - seconds_of(before.ru_utime),
         seconds_of(after.ru_stime) - seconds_of(before.ru_stime));
  fflush(stdout);
  if (opt.hold) {
    hold(&b);
    printf("{\"event\":\"closed\",\"lost\":%ld}\n", b.lost);
    fflush(stdout);
  }
  close_all(&b);
  close(ep);
  return 0;
}
