/* Tandem tests — a small lilv host for integration tests.
 *
 * Loads plugins the way a real host does (lilv_world_load_all, so LV2_PATH
 * decides what is found), offers each LV2 feature separately so that tests can
 * instantiate with any subset, and runs the worker either inline (like a host
 * in freewheel/export) or on demand (like a host's worker thread, but driven
 * by the test so that results are deterministic).
 *
 * This is test code: it allocates freely and is not realtime-safe.
 *
 * Threads: everything here — the test's own thread only.  Nothing is shared
 * between LvthHost objects except their LvthWorld, which must outlive them.
 */
#ifndef TANDEM_LV2_TEST_HOST_H
#define TANDEM_LV2_TEST_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

/* ---- World: lilv world, one plugin, the URID map shared by its hosts ---- */

typedef struct LvthWorld LvthWorld;

/* Loads every bundle on LV2_PATH and finds plugin_uri.  Returns NULL (after
 * printing why to stderr) if the world cannot be loaded or the plugin is not
 * found. */
LvthWorld* lvth_world_new(const char* plugin_uri);
void lvth_world_free(LvthWorld* world);

LilvWorld* lvth_world_lilv(LvthWorld* world);
const LilvPlugin* lvth_world_plugin(const LvthWorld* world);
LV2_URID_Map* lvth_world_map(LvthWorld* world);
LV2_URID_Unmap* lvth_world_unmap(LvthWorld* world);

/* Maps a URI with the world's map (the same numbers the plugin sees). */
LV2_URID lvth_urid(LvthWorld* world, const char* uri);

/* ---- Host: one plugin instance and the features given to it ---- */

/* Features a host may pass to instantiate; OR them together. */
enum {
  LVTH_FEATURE_MAP = 1u << 0,      /* urid:map */
  LVTH_FEATURE_UNMAP = 1u << 1,    /* urid:unmap */
  LVTH_FEATURE_SCHEDULE = 1u << 2, /* work:schedule */
  LVTH_FEATURE_LOG = 1u << 3,      /* log:log */
  LVTH_FEATURE_OPTIONS = 1u << 4,  /* options:options (sampleRate, maxBlockLength) */
  LVTH_FEATURES_NONE = 0u,
  LVTH_FEATURES_ALL = 0x1fu,
};

/* How many log lines of each kind the plugin wrote through log:log. */
typedef struct {
  unsigned error;
  unsigned warning;
  unsigned note;
  unsigned trace;
  char last[512]; /* the last line, for failure messages */
} LvthLogCounts;

typedef struct LvthHost LvthHost;

/* Instantiates the world's plugin with the given features.  Always returns a
 * host (NULL only when out of memory); lvth_host_instance() is NULL when the
 * plugin refused to instantiate. */
LvthHost* lvth_host_new(LvthWorld* world, double sample_rate, uint32_t max_block_frames,
                        unsigned features);
void lvth_host_free(LvthHost* host);

LilvInstance* lvth_host_instance(LvthHost* host);

/* The features array passed to instantiate (NULL-terminated), for passing the
 * same features on to state save/restore. */
const LV2_Feature* const* lvth_host_features(const LvthHost* host);

/* The worker interface from extension_data, or NULL. */
const LV2_Worker_Interface* lvth_host_worker(LvthHost* host);

/* Connects every port of the plugin to storage the host owns, as LV2 requires
 * before run(): control inputs hold their lv2:default (else minimum, else 0),
 * control outputs a float, audio and CV ports max_block_frames zeros, atom
 * ports atom_capacity bytes (inputs an empty sequence, outputs reset to their
 * capacity before every cycle).  Tests then reconnect the ports they look at,
 * so that ports added to the plugin later never stay unconnected.  Returns
 * false if out of memory. */
bool lvth_host_connect_all(LvthHost* host, uint32_t atom_capacity);

/* The host-owned value of a control port connected by lvth_host_connect_all,
 * or NULL if the plugin has no control port with that symbol. */
float* lvth_host_control(LvthHost* host, const char* symbol);

/* One port as lvth_host_connect_all connected it. */
typedef struct {
  const char* symbol;
  bool is_input;
  bool is_control; /* a control port: value points at the host's float */
  float* value;    /* control ports only, else NULL */
  bool has_range;  /* the TTL gives both lv2:minimum and lv2:maximum */
  float minimum;
  float maximum;
  float default_value; /* lv2:default, else minimum, else 0 */
} LvthPortInfo;

/* The number of ports connected by lvth_host_connect_all (0 before). */
uint32_t lvth_host_n_ports(const LvthHost* host);

/* Describes port index; false if index is out of range. */
bool lvth_host_port_info(LvthHost* host, uint32_t index, LvthPortInfo* info);

/* true: schedule_work calls work() at once (freewheel); false (the default):
 * requests wait for lvth_host_run_worker(). */
void lvth_host_set_worker_inline(LvthHost* host, bool inline_work);

/* Runs work() for every queued request; responses wait for the next cycle.
 * Returns the number of requests run. */
unsigned lvth_host_run_worker(LvthHost* host);

/* Requests scheduled so far that are still waiting for the worker. */
unsigned lvth_host_pending_work(const LvthHost* host);

/* One audio cycle the way hosts do it: empty the host-owned atom buffers,
 * run(n_frames), then work_response() for every queued response, then
 * end_run().  Only for a host whose instance is not NULL. */
void lvth_host_cycle(LvthHost* host, uint32_t n_frames);

const LvthLogCounts* lvth_host_log(const LvthHost* host);
void lvth_host_clear_log(LvthHost* host);

/* ---- Atom sequence helpers ---- */

/* Checks that the output sequence written into a buffer of capacity_bytes is
 * well formed: type atom:Sequence, size within capacity, every event's header
 * and body inside it, times not going backwards, and every property of an
 * object event inside that object.  Returns NULL if so, else a static
 * description of the first fault. */
const char* lvth_sequence_fault(LvthWorld* world, const LV2_Atom_Sequence* seq,
                                uint32_t capacity_bytes);

/* Forges, at frame 0 of the sequence open in forge, a rolling host transport
 * (time:Position) at the start of bar `bar` in 4/4 at bpm, its time:frame counted
 * at sample_rate.  Returns false if the buffer is full. */
bool lvth_forge_position(LvthWorld* world, LV2_Atom_Forge* forge, double sample_rate,
                         double bpm, int64_t bar);

/* Forges, at frame 0 of the sequence open in forge, a patch:Set of property to an
 * atom:Path.  Returns false if the buffer is full. */
bool lvth_forge_set_path(LvthWorld* world, LV2_Atom_Forge* forge, const char* property,
                         const char* path);

#endif
