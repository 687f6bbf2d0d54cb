/* Tandem fuzzing — an in-process host for the libFuzzer harnesses.
 *
 * The harnesses compile the plugin's sources straight into the fuzzer (so that
 * libFuzzer sees coverage of the plugin itself) and call lv2_descriptor(0)
 * directly.  This host gives the plugin urid:map/unmap, a silent log:log and a
 * synchronous work:schedule (work() runs inside schedule_work, as in a
 * freewheeling host); responses reach work_response() after run().
 *
 * Test code: allocates freely, not realtime-safe.  Threads: the fuzzer's own
 * thread only; each FuzzPlugin is independent.
 */
#ifndef TANDEM_FUZZ_PLUGIN_H
#define TANDEM_FUZZ_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>

typedef struct FuzzPlugin FuzzPlugin;

/* Instantiates Tandem at 48 kHz with every port connected (control inputs 0,
 * audio silent, control sequence empty, notify 64 KiB) and activates it.
 * Returns NULL if the plugin refused. */
FuzzPlugin* fuzz_plugin_new(void);
void fuzz_plugin_free(FuzzPlugin* fp);

LV2_URID fuzz_plugin_urid(FuzzPlugin* fp, const char* uri);
LV2_URID_Map* fuzz_plugin_map(FuzzPlugin* fp);
const char* fuzz_plugin_unmap(FuzzPlugin* fp, LV2_URID urid);

/* Connects the control input port to seq (NULL: the host's empty sequence). */
void fuzz_plugin_set_control(FuzzPlugin* fp, const LV2_Atom_Sequence* seq);

/* One cycle: reset notify, run(n_frames) on the given input (NULL: silence),
 * deliver worker responses, end_run.  Returns false if the notify sequence the
 * plugin wrote is malformed (the harness then aborts). */
bool fuzz_plugin_cycle(FuzzPlugin* fp, uint32_t n_frames);

/* The plugin's state interface (NULL if it has none) and its handle. */
const LV2_State_Interface* fuzz_plugin_state(FuzzPlugin* fp);
LV2_Handle fuzz_plugin_handle(FuzzPlugin* fp);

#endif
