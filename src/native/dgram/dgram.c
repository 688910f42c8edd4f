/*
 * Unix datagram sockets for Node (which has only UDP in core), written for
 * one job: draining a local syslog socket fast. Each time the socket becomes
 * readable, every queued datagram (up to one batch) is read with recv()
 * straight into a buffer JavaScript gave at listen() and reads again for
 * every batch, so the cost of a wake-up and of entering JavaScript is paid
 * per batch, not per message, and a batch allocates nothing (a copy per
 * wake-up was megabytes a second of garbage outside the V8 heap).
 * MSG_TRUNC reports a datagram's real length, so truncation is exact.
 *
 * Node-API (C), so the binary does not depend on the Node version.
 *
 * JS API:
 *   listen(path, maxMessageBytes, data: Buffer, lengths: Uint32Array, onBatch) -> handle
 *       onBatch(errno, count): the batch is count messages back to back from
 *       data[0], lengths[0, count) the length of each, bit 31 set when the
 *       message was longer than maxMessageBytes. errno is 0, or a
 *       positive errno when recv failed (count 0). Both buffers are rewritten
 *       by the next batch: onBatch must take what it keeps. data must hold at
 *       least maxMessageBytes.
 *   close(handle)
 *   socket() -> fd; sendto(fd, path, buffer) -> 0 or -errno; closefd(fd)
 *       (a non-blocking client, used by tests and benchmarks)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define MAX_MESSAGE (64 * 1024)
#define TRUNCATED 0x80000000u

typedef struct {
  uv_poll_t poll;
  int fd;
  size_t max;
  napi_env env;
  napi_ref callback;
  /* The JavaScript buffers, held by reference so that they outlive every batch. */
  napi_ref data_ref, lengths_ref;
  char *data;
  size_t data_bytes;
  uint32_t *lengths;
  size_t max_msgs;
} listener_t;

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "tmsp_dgram: " #call " failed");           \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value text, e, code;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, NULL, text, &e);
  napi_create_int32(env, err, &code);
  napi_set_named_property(env, e, "errno", code);
  napi_throw(env, e);
  return NULL;
}

static void deliver(listener_t *l, int err, size_t count) {
  napi_env env = l->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, argv[2], result;
  napi_get_reference_value(env, l->callback, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, err, &argv[0]);
  napi_create_uint32(env, (uint32_t)count, &argv[1]);
  if (napi_call_function(env, global, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc); /* becomes 'uncaughtException' in JS */
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  listener_t *l = (listener_t *)handle;
  size_t used = 0, n = 0;
  int err = 0;
  if (status < 0) return;
  (void)events;
  while (n < l->max_msgs && used + l->max <= l->data_bytes) {
    ssize_t r = recv(l->fd, l->data + used, l->max, MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
      break;
    }
    size_t got = (size_t)r > l->max ? l->max : (size_t)r;
    l->lengths[n++] = (uint32_t)got | ((size_t)r > l->max ? TRUNCATED : 0);
    used += got;
  }
  if (n > 0) deliver(l, 0, n);
  /* The batch's callback may have closed the listener: its callback reference is gone. */
  if (err && l->fd >= 0) deliver(l, err, 0);
}

static napi_value listen_(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  size_t len, data_bytes, lengths_count;
  uint32_t max;
  uv_loop_t *loop;
  void *data, *lengths;
  napi_typedarray_type lengths_type;
  bool is_buffer;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "listen(path, maxMessageBytes, data, lengths, onBatch)");
    return NULL;
  }
  CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  if (len >= sizeof path - 1) {
    napi_throw_range_error(env, NULL, "socket path too long");
    return NULL;
  }
  CHECK(napi_get_value_uint32(env, argv[1], &max));
  if (max < 1 || max > MAX_MESSAGE) {
    napi_throw_range_error(env, NULL, "maxMessageBytes must be 1..65536");
    return NULL;
  }
  CHECK(napi_is_buffer(env, argv[2], &is_buffer));
  if (!is_buffer) {
    napi_throw_type_error(env, NULL, "data must be a Buffer");
    return NULL;
  }
  CHECK(napi_get_buffer_info(env, argv[2], &data, &data_bytes));
  if (data_bytes < max) {
    napi_throw_range_error(env, NULL, "data must hold at least maxMessageBytes");
    return NULL;
  }
  if (napi_get_typedarray_info(env, argv[3], &lengths_type, &lengths_count, &lengths, NULL, NULL) != napi_ok ||
      lengths_type != napi_uint32_array || lengths_count < 1) {
    napi_throw_type_error(env, NULL, "lengths must be a non-empty Uint32Array");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, len);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  listener_t *l = calloc(1, sizeof *l);
  if (!l) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  l->fd = fd;
  l->max = max;
  l->env = env;
  l->data = data;
  l->data_bytes = data_bytes;
  l->lengths = lengths;
  l->max_msgs = lengths_count;
  CHECK(napi_create_reference(env, argv[2], 1, &l->data_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &l->lengths_ref));
  CHECK(napi_create_reference(env, argv[4], 1, &l->callback));
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &l->poll, fd) != 0 || uv_poll_start(&l->poll, UV_READABLE, on_readable) != 0) {
    napi_delete_reference(env, l->callback);
    napi_delete_reference(env, l->data_ref);
    napi_delete_reference(env, l->lengths_ref);
    close(fd);
    free(l);
    return throw_errno(env, "uv_poll", EIO);
  }
  napi_value handle;
  CHECK(napi_create_external(env, l, NULL, NULL, &handle));
  return handle;
}

static void free_listener(uv_handle_t *h) {
  free(h);
}

static napi_value close_(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  listener_t *l;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_external(env, argv[0], (void **)&l));
  if (l->fd < 0) return NULL;
  uv_poll_stop(&l->poll);
  close(l->fd);
  l->fd = -1;
  napi_delete_reference(env, l->callback);
  napi_delete_reference(env, l->data_ref);
  napi_delete_reference(env, l->lengths_ref);
  uv_close((uv_handle_t *)&l->poll, free_listener);
  return NULL;
}

static napi_value socket_(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  napi_value v;
  CHECK(napi_create_int32(env, fd, &v));
  return v;
}

static napi_value sendto_(napi_env env, napi_callback_info info) {
  size_t argc = 3, len, blen;
  napi_value argv[3];
  int32_t fd;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  void *buf;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[1], path, sizeof path, &len));
  CHECK(napi_get_buffer_info(env, argv[2], &buf, &blen));
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, len);
  ssize_t r;
  do r = sendto(fd, buf, blen, 0, (struct sockaddr *)&addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  napi_value v;
  CHECK(napi_create_int32(env, r < 0 ? -errno : 0, &v));
  return v;
}

static napi_value closefd_(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "listen", NULL, listen_, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_, NULL, NULL, NULL, napi_default, NULL },
    { "socket", NULL, socket_, NULL, NULL, NULL, napi_default, NULL },
    { "sendto", NULL, sendto_, NULL, NULL, NULL, napi_default, NULL },
    { "closefd", NULL, closefd_, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
