/* Tandem — URIs and the URID table, mapped once in instantiate.
 * Threads: tandem_uris_map — instantiate only; the struct is read-only after. */
#ifndef TANDEM_URIS_H
#define TANDEM_URIS_H

#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>

#define TANDEM_URI        "urn:tandem:plugin"
#define TANDEM_NS         "urn:tandem:plugin#"
#define TANDEM_STYLE_NS   "urn:tandem:style#"

/* Plugin properties (patch:Set / patch:Get and state keys). */
#define TANDEM__status       TANDEM_NS "status"
#define TANDEM__stateVersion TANDEM_NS "stateVersion"
#define TANDEM__styleFile    TANDEM_NS "styleFile"
#define TANDEM__exportPath   TANDEM_NS "exportPath"
#define TANDEM__profilePath  TANDEM_NS "profilePath" /* where save_profile writes */
/* Language model: setting prompt sends it; send re-sends the current prompt. */
#define TANDEM__prompt         TANDEM_NS "prompt"
#define TANDEM__send           TANDEM_NS "send"
#define TANDEM__llmUrl         TANDEM_NS "llmUrl"
#define TANDEM__llmModel       TANDEM_NS "llmModel"
#define TANDEM__llmProvider    TANDEM_NS "llmProvider"
#define TANDEM__llmTimeout     TANDEM_NS "llmTimeout"
#define TANDEM__llmTemperature TANDEM_NS "llmTemperature"
#define TANDEM__llmMaxTokens   TANDEM_NS "llmMaxTokens"
#define TANDEM__llmFallbacks   TANDEM_NS "llmFallbacks"

typedef struct {
  LV2_URID atom_Blank;
  LV2_URID atom_Bool;
  LV2_URID atom_Double;
  LV2_URID atom_Float;
  LV2_URID atom_Int;
  LV2_URID atom_Long;
  LV2_URID atom_Object;
  LV2_URID atom_Path;
  LV2_URID atom_Sequence;
  LV2_URID atom_String;
  LV2_URID atom_URID;
  LV2_URID atom_eventTransfer;
  LV2_URID bufsz_maxBlockLength;
  LV2_URID bufsz_nominalBlockLength;
  LV2_URID midi_MidiEvent;
  LV2_URID param_sampleRate;
  LV2_URID patch_Get;
  LV2_URID patch_Set;
  LV2_URID patch_property;
  LV2_URID patch_subject;
  LV2_URID patch_value;
  LV2_URID time_Position;
  LV2_URID time_bar;
  LV2_URID time_barBeat;
  LV2_URID time_beatUnit;
  LV2_URID time_beatsPerBar;
  LV2_URID time_beatsPerMinute;
  LV2_URID time_frame;
  LV2_URID time_speed;
  LV2_URID tandem_status;
  LV2_URID tandem_stateVersion;
  LV2_URID tandem_styleFile;
  LV2_URID tandem_exportPath;
  LV2_URID tandem_profilePath;
  LV2_URID tandem_prompt;
  LV2_URID tandem_send;
  LV2_URID tandem_llmUrl;
  LV2_URID tandem_llmModel;
  LV2_URID tandem_llmProvider;
  LV2_URID tandem_llmTimeout;
  LV2_URID tandem_llmTemperature;
  LV2_URID tandem_llmMaxTokens;
  LV2_URID tandem_llmFallbacks;
} TandemURIs;

static inline void tandem_uris_map(TandemURIs* u, LV2_URID_Map* map)
{
  u->atom_Blank = map->map(map->handle, LV2_ATOM__Blank);
  u->atom_Bool = map->map(map->handle, LV2_ATOM__Bool);
  u->atom_Double = map->map(map->handle, LV2_ATOM__Double);
  u->atom_Float = map->map(map->handle, LV2_ATOM__Float);
  u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  u->atom_Long = map->map(map->handle, LV2_ATOM__Long);
  u->atom_Object = map->map(map->handle, LV2_ATOM__Object);
  u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
  u->atom_Sequence = map->map(map->handle, LV2_ATOM__Sequence);
  u->atom_String = map->map(map->handle, LV2_ATOM__String);
  u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
  u->atom_eventTransfer = map->map(map->handle, LV2_ATOM__eventTransfer);
  u->bufsz_maxBlockLength = map->map(map->handle, LV2_BUF_SIZE__maxBlockLength);
  u->bufsz_nominalBlockLength = map->map(map->handle, LV2_BUF_SIZE__nominalBlockLength);
  u->midi_MidiEvent = map->map(map->handle, LV2_MIDI__MidiEvent);
  u->param_sampleRate = map->map(map->handle, LV2_PARAMETERS__sampleRate);
  u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
  u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
  u->patch_property = map->map(map->handle, LV2_PATCH__property);
  u->patch_subject = map->map(map->handle, LV2_PATCH__subject);
  u->patch_value = map->map(map->handle, LV2_PATCH__value);
  u->time_Position = map->map(map->handle, LV2_TIME__Position);
  u->time_bar = map->map(map->handle, LV2_TIME__bar);
  u->time_barBeat = map->map(map->handle, LV2_TIME__barBeat);
  u->time_beatUnit = map->map(map->handle, LV2_TIME__beatUnit);
  u->time_beatsPerBar = map->map(map->handle, LV2_TIME__beatsPerBar);
  u->time_beatsPerMinute = map->map(map->handle, LV2_TIME__beatsPerMinute);
  u->time_frame = map->map(map->handle, LV2_TIME__frame);
  u->time_speed = map->map(map->handle, LV2_TIME__speed);
  u->tandem_status = map->map(map->handle, TANDEM__status);
  u->tandem_stateVersion = map->map(map->handle, TANDEM__stateVersion);
  u->tandem_styleFile = map->map(map->handle, TANDEM__styleFile);
  u->tandem_exportPath = map->map(map->handle, TANDEM__exportPath);
  u->tandem_profilePath = map->map(map->handle, TANDEM__profilePath);
  u->tandem_prompt = map->map(map->handle, TANDEM__prompt);
  u->tandem_send = map->map(map->handle, TANDEM__send);
  u->tandem_llmUrl = map->map(map->handle, TANDEM__llmUrl);
  u->tandem_llmModel = map->map(map->handle, TANDEM__llmModel);
  u->tandem_llmProvider = map->map(map->handle, TANDEM__llmProvider);
  u->tandem_llmTimeout = map->map(map->handle, TANDEM__llmTimeout);
  u->tandem_llmTemperature = map->map(map->handle, TANDEM__llmTemperature);
  u->tandem_llmMaxTokens = map->map(map->handle, TANDEM__llmMaxTokens);
  u->tandem_llmFallbacks = map->map(map->handle, TANDEM__llmFallbacks);
}

#endif
