/* loop.h - the one sd-event loop of a service, and its talk with systemd.
 *
 * loop_new() blocks SIGTERM/SIGINT and turns them into a clean exit of the
 * loop, and enables the watchdog: a timer of the loop sends WATCHDOG=1, so
 * the heartbeat proves the loop is alive, not just a timer thread. Messages
 * to systemd go over one socket opened here (notify_socket.h): they need no new
 * descriptor, so a service out of descriptors is not killed on its watchdog. */
#pragma once

#include <systemd/sd-event.h>

int loop_new(sd_event **ret);

/* READY=1 with a STATUS= line a person reads in `systemctl status`. */
void notify_ready(const char *format, ...) __attribute__((format(printf, 1, 2)));
void notify_status(const char *format, ...) __attribute__((format(printf, 1, 2)));
void notify_stopping(void);

/* Every few seconds, FN writes the service's STATUS= line into BUF (what a
 * person sees in `systemctl status`: counters, not just "running"). */
typedef void (*status_fn)(char *buf, size_t size, void *userdata);
int loop_add_status(sd_event *e, status_fn fn, void *userdata);

/* Run the loop until SIGTERM/SIGINT; returns 0 or a negative errno. */
int loop_run(sd_event *e);

/* Microseconds on CLOCK_MONOTONIC, as seen by the loop. */
uint64_t loop_now(sd_event *e);
