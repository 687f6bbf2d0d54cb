/* Tandem — the plugin window: an LV2 X11 UI drawn with cairo, no toolkit.
 *
 * A request box (sent once, on Enter or Send, as a patch:Set of tandem:prompt),
 * a file field whose name export, save-profile and load-style send as the path
 * property before pressing their trigger, the model's status, quick controls that write
 * control ports and follow port_event when the host automates them, the readouts of the
 * analysis output ports, and a piano roll of the part playing with the onsets heard
 * beneath it (fed by the plugin through the notify port, see plugin/ui_feed.h).
 *
 * The host's GUI thread calls everything here.  Nothing blocks it: idle() reads
 * only the X events already queued (XPending), and redraws at most
 * UI_MAX_FPS times a second and only after a change.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/ui/ui.h>
#include <lv2/urid/urid.h>

#include "atom_check.h"
#include "pattern.h"
#include "ui_feed.h"
#include "ui_labels.h"

/* After the LV2 headers: Xlib defines Bool, a field name in the atom forge. */
#include <X11/Xlib.h>
#include <X11/Xresource.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <cairo/cairo-xlib.h>
#include <cairo/cairo.h>

#define UI_URI        "urn:tandem:ui"
#define UI_WIDTH      880.0 /* logical pixels, times the scale factor */
#define UI_HEIGHT     594.0
#define UI_MAX_FPS    30.0
#define UI_FEED_MS    1000.0 /* patch:Get uiFeed this often (the plugin holds 3 s) */
#define UI_TRIGGER_MS 120.0  /* a trigger port goes back to 0 after this */
#define UI_TEXT_MAX   1024
#define UI_HISTORY    8
#define UI_ONSETS     256

/* Port numbers, as in ttl/tandem.ttl (ports are only ever appended). */
enum {
  P_CONTROL = 2,
  P_NOTIFY = 3,
  P_ROLE = 5,
  P_STYLE = 6,
  P_COMPLEXITY = 7,
  P_DENSITY = 8,
  P_ENERGY = 9,
  P_FOLLOW = 13,
  P_FILL = 14,
  P_REGENERATE = 21,
  P_HOLD = 22,
  P_BPM = 24,
  P_BPM_CONFIDENCE = 25,
  P_KEY = 26,
  P_KEY_CONFIDENCE = 27,
  P_CHORD = 28,
  P_RMS_DB = 29,
  P_PEAK_DB = 30,
  P_BAND_FIRST = 32, /* 7 bands, sub to brilliance */
  P_LIKE = 40,
  P_DISLIKE = 41,
  P_EXPORT = 43,
  P_ALTERNATIVE = 46,
  P_LLM_STATUS = 47,
  P_GENRE = 48,
  P_GENRE_CONFIDENCE = 49,
  P_SECTION = 50,
  P_LEARN = 52,
  P_SAVE_PROFILE = 53,
  P_COUNT = 54,
};

typedef struct {
  double x, y, w, h;
} Rect;

typedef struct {
  uint32_t tick;
  uint32_t length;
  uint8_t pitch;
  uint8_t velocity;
} RollNote;

typedef struct {
  int32_t tick;
  uint8_t drums;
  double time_ms;
} RollOnset;

typedef struct {
  uint32_t port;
  const char* label;
} Slider;

static const Slider sliders[] = {{P_ENERGY, "Energy"},
                                 {P_DENSITY, "Density"},
                                 {P_COMPLEXITY, "Complexity"},
                                 {P_FOLLOW, "Follow"},
                                 {P_FILL, "Fill"}};
#define N_SLIDERS (sizeof(sliders) / sizeof(sliders[0]))

typedef struct {
  LV2_URID atom_eventTransfer;
  LV2_URID atom_String;
  LV2_URID atom_Object;
  LV2_URID atom_Blank;
  LV2_URID atom_Vector;
  LV2_URID patch_Get;
  LV2_URID patch_Set;
  LV2_URID patch_property;
  LV2_URID patch_value;
  LV2_URID tandem_prompt;
  LV2_URID tandem_status;
  LV2_URID tandem_exportPath;
  LV2_URID tandem_profilePath;
  LV2_URID tandem_styleFile;
  TandemUiFeedURIs feed;
} UiURIs;

typedef struct {
  /* Host */
  LV2UI_Write_Function write;
  LV2UI_Controller controller;
  LV2_URID_Map* map;
  LV2UI_Resize* resize;
  UiURIs uris;
  LV2_Atom_Forge forge;

  /* Window */
  Display* dpy;
  Window win;
  cairo_surface_t* surface;
  int width, height; /* physical pixels */
  double scale;
  bool dirty;
  double last_draw_ms;

  /* What the plugin says */
  float port[P_COUNT];
  char status[512];

  /* Request box, and the file field for export, the learned profile and a style */
  char text[UI_TEXT_MAX];
  size_t text_len;
  bool text_focus;
  char file[UI_TEXT_MAX];
  size_t file_len;
  bool file_focus;
  char history[UI_HISTORY][UI_TEXT_MAX];
  int n_history;
  int history_pos; /* -1: editing new text */
  char last_sent[UI_TEXT_MAX];

  /* Controls */
  int dragging;                   /* slider index, -1 none */
  double trigger_off_ms[P_COUNT]; /* when to write 0 to a trigger, 0 none */
  double trigger_on_ms[P_COUNT];  /* when to press a trigger (after its path), 0 none */
  double last_get_ms;
  double last_pattern_get_ms;

  /* Piano roll */
  uint32_t serial;
  int role;
  uint32_t bars;
  uint32_t ticks_per_bar;
  uint32_t beats_per_bar;
  uint32_t n_notes;  /* the pattern's count */
  uint32_t received; /* notes received in order so far */
  RollNote notes[TANDEM_MAX_NOTES];
  int32_t position; /* tick in the pattern, -1 none */
  bool rolling;
  int32_t plan_chord; /* the chord playing now and beat 1 of the next bar's: */
  int32_t next_chord; /* root * 9 + quality, -1 none (UiPlay) */
  /* The pattern queued to start at the next bar line (UiNotes with pending). */
  uint32_t pending_serial; /* the one put together here */
  uint32_t pending_ticks_per_bar;
  uint32_t pending_count, pending_received;
  RollNote pending_notes[TANDEM_MAX_NOTES];
  uint32_t pending_now;                    /* UiPlay's pendingSerial: 0 none queued */
  int32_t alt_percent[TANDEM_UI_MAX_ALTS]; /* the model's alternatives' confidences */
  uint32_t n_alt_percent;
  RollOnset onsets[UI_ONSETS];
  uint32_t n_onsets, onset_head;
} TandemUi;

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- Layout (logical pixels) ---- */

static const Rect r_text = {12, 36, 640, 30};
static const Rect r_send = {660, 36, 80, 30};
static const Rect r_file = {60, 106, 376, 26};
static const Rect r_roll = {12, 154, 560, 218};
static const Rect r_onsets = {12, 378, 560, 54};
static const Rect r_chip = {12, 76, 16, 18};
static const Rect r_readouts = {592, 154, 276, 278};

static Rect alt_rect(int i)
{
  return (Rect){446 + i * 54.0, 74, 50, 24};
}
static Rect like_rect(int i) /* 0 like, 1 dislike */
{
  return (Rect){610 + i * 66.0, 74, 62, 24};
}
static Rect role_rect(int i)
{
  return (Rect){80 + i * 84.0, 448, 80, 26};
}
static Rect style_rect(int i)
{
  return (Rect){80 + (i % 6) * 84.0, 480 + (i / 6) * 30.0, 80, 26};
}
static Rect hold_rect(void)
{
  return (Rect){248, 540, 80, 26};
}
static Rect regen_rect(void)
{
  return (Rect){332, 540, 100, 26};
}
static Rect slider_rect(int i)
{
  return (Rect){700, 448 + i * 27.0, 168, 20};
}

/* Export MIDI, Save profile, Load style, Learn: beside the file field. */
static Rect file_button_rect(int i)
{
  static const double x[4] = {442, 546, 650, 756};
  static const double w[4] = {100, 100, 102, 112};
  return (Rect){x[i], 106, w[i], 26};
}

static bool inside(Rect r, double x, double y)
{
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

/* ---- Talking to the plugin ---- */

static void write_port(TandemUi* ui, uint32_t port, float value)
{
  if (port < P_COUNT) {
    ui->port[port] = value;
  }
  ui->write(ui->controller, port, sizeof(float), 0, &value);
  ui->dirty = true;
}

static void press_trigger(TandemUi* ui, uint32_t port)
{
  write_port(ui, port, 1.0f);
  ui->trigger_off_ms[port] = now_ms() + UI_TRIGGER_MS;
}

static void send_atom(TandemUi* ui, const LV2_Atom* atom)
{
  ui->write(ui->controller, P_CONTROL, lv2_atom_total_size(atom),
            ui->uris.atom_eventTransfer, atom);
}

/* patch:Get of property (0: every property). */
static void send_get(TandemUi* ui, LV2_URID property)
{
  uint8_t buf[256];
  lv2_atom_forge_set_buffer(&ui->forge, buf, sizeof(buf));
  LV2_Atom_Forge_Frame frame;
  if (!lv2_atom_forge_object(&ui->forge, &frame, 0, ui->uris.patch_Get)) {
    return;
  }
  if (property) {
    lv2_atom_forge_key(&ui->forge, ui->uris.patch_property);
    lv2_atom_forge_urid(&ui->forge, property);
  }
  lv2_atom_forge_pop(&ui->forge, &frame);
  send_atom(ui, (const LV2_Atom*)buf);
}

/* patch:Set of property to len bytes of text, as an atom of type (the forge's String
 * or Path).  False if the message could not be made. */
static bool send_set_text(TandemUi* ui, LV2_URID property, LV2_URID type,
                          const char* text, size_t len)
{
  uint8_t buf[UI_TEXT_MAX + 256];
  lv2_atom_forge_set_buffer(&ui->forge, buf, sizeof(buf));
  LV2_Atom_Forge_Frame frame;
  if (!lv2_atom_forge_object(&ui->forge, &frame, 0, ui->uris.patch_Set) ||
      !lv2_atom_forge_key(&ui->forge, ui->uris.patch_property) ||
      !lv2_atom_forge_urid(&ui->forge, property) ||
      !lv2_atom_forge_key(&ui->forge, ui->uris.patch_value) ||
      !lv2_atom_forge_typed_string(&ui->forge, type, text, (uint32_t)len)) {
    return false;
  }
  lv2_atom_forge_pop(&ui->forge, &frame);
  send_atom(ui, (const LV2_Atom*)buf);
  return true;
}

/* Sends the request once, as the prompt property, and keeps it in the history. */
static void send_request(TandemUi* ui)
{
  if (ui->text_len == 0 || !send_set_text(ui, ui->uris.tandem_prompt, ui->forge.String,
                                          ui->text, ui->text_len)) {
    return;
  }
  memcpy(ui->last_sent, ui->text, ui->text_len + 1);
  memmove(ui->history[1], ui->history[0], sizeof(ui->history[0]) * (UI_HISTORY - 1));
  memcpy(ui->history[0], ui->text, ui->text_len + 1);
  if (ui->n_history < UI_HISTORY) {
    ++ui->n_history;
  }
  ui->history_pos = -1;
  ui->text_len = 0;
  ui->text[0] = '\0';
  ui->dirty = true;
}

/* patch:Set of a path property to the file field's text. */
static void send_path(TandemUi* ui, LV2_URID property)
{
  send_set_text(ui, property, ui->forge.Path, ui->file, ui->file_len);
}

/* Sets the path, then presses the trigger a little later, so that the plugin has
 * the path before the press even if the host delivers them in different blocks. */
static void path_then_trigger(TandemUi* ui, LV2_URID property, uint32_t trigger)
{
  send_path(ui, property);
  ui->trigger_on_ms[trigger] = now_ms() + 4.0 * UI_TRIGGER_MS;
}

/* ---- Messages from the plugin ---- */

static const LV2_Atom_Vector* int_vector(const TandemUi* ui, const LV2_Atom* a)
{
  if (!a || a->type != ui->uris.atom_Vector || a->size < sizeof(LV2_Atom_Vector_Body)) {
    return NULL;
  }
  const LV2_Atom_Vector* v = (const LV2_Atom_Vector*)a;
  if (v->body.child_type != ui->uris.feed.atom_Int ||
      v->body.child_size != sizeof(int32_t)) {
    return NULL;
  }
  return v;
}

static bool get_int(const TandemUi* ui, const LV2_Atom* a, int32_t* out)
{
  if (!a || a->type != ui->uris.feed.atom_Int || a->size < sizeof(int32_t)) {
    return false;
  }
  *out = ((const LV2_Atom_Int*)a)->body;
  return true;
}

static void ask_pattern(TandemUi* ui)
{
  const double now = now_ms();
  if (now - ui->last_pattern_get_ms >= 1000.0) {
    ui->last_pattern_get_ms = now;
    send_get(ui, ui->uris.feed.tandem_uiPattern);
  }
}

/* Appends the notes of one UiNotes vector (TANDEM_UI_NOTE_INTS ints a note: tick,
 * length, pitch | velocity << 8) to notes[*received ..], up to count in all. */
static void read_notes(const LV2_Atom_Vector* v, RollNote* notes, uint32_t* received,
                       uint32_t count)
{
  const uint32_t ints = (v->atom.size - sizeof(LV2_Atom_Vector_Body)) / sizeof(int32_t);
  const int32_t* data = (const int32_t*)(&v->body + 1);
  for (uint32_t i = 0; i + TANDEM_UI_NOTE_INTS <= ints && *received < count;
       i += TANDEM_UI_NOTE_INTS) {
    RollNote* note = &notes[(*received)++];
    note->tick = data[i] > 0 ? (uint32_t)data[i] : 0;
    note->length = data[i + 1] > 0 ? (uint32_t)data[i + 1] : 1;
    note->pitch = (uint8_t)(data[i + 2] & 0x7f);
    note->velocity = (uint8_t)((data[i + 2] >> 8) & 0x7f);
  }
}

/* Notes of the pattern queued for the next bar line, put together like the one
 * playing. */
static void on_pending_notes(TandemUi* ui, int32_t s, int32_t t, int32_t n, int32_t f,
                             const LV2_Atom_Vector* v)
{
  if (f == 0) {
    ui->pending_serial = (uint32_t)s;
    ui->pending_ticks_per_bar = (uint32_t)t;
    ui->pending_count = (uint32_t)n;
    ui->pending_received = 0;
  } else if ((uint32_t)s != ui->pending_serial || (uint32_t)f != ui->pending_received) {
    ask_pattern(ui);
    return;
  }
  read_notes(v, ui->pending_notes, &ui->pending_received, ui->pending_count);
  ui->dirty = true;
}

static void on_notes(TandemUi* ui, const LV2_Atom_Object* obj)
{
  const TandemUiFeedURIs* u = &ui->uris.feed;
  const LV2_Atom *serial = NULL, *role = NULL, *bars = NULL, *tpb = NULL, *bpb = NULL,
                 *count = NULL, *first = NULL, *notes = NULL, *pending = NULL;
  lv2_atom_object_get(obj, u->tandem_serial, &serial, u->tandem_role, &role,
                      u->tandem_bars, &bars, u->tandem_ticksPerBar, &tpb,
                      u->tandem_beatsPerBar, &bpb, u->tandem_noteCount, &count,
                      u->tandem_first, &first, u->tandem_notes, &notes, u->tandem_pending,
                      &pending, 0);
  int32_t s, r, b, t, beats, n, f;
  const LV2_Atom_Vector* v = int_vector(ui, notes);
  if (!get_int(ui, serial, &s) || !get_int(ui, role, &r) || !get_int(ui, bars, &b) ||
      !get_int(ui, tpb, &t) || !get_int(ui, bpb, &beats) || !get_int(ui, count, &n) ||
      !get_int(ui, first, &f) || !v || n < 0 || n > TANDEM_MAX_NOTES || f < 0 || b < 1 ||
      b > TANDEM_MAX_BARS || t < 1) {
    return;
  }
  if (pending && pending->type == u->atom_Bool && pending->size >= sizeof(int32_t) &&
      ((const LV2_Atom_Bool*)pending)->body) {
    on_pending_notes(ui, s, t, n, f, v);
    return;
  }
  if (f == 0) {
    ui->serial = (uint32_t)s;
    ui->role = r;
    ui->bars = (uint32_t)b;
    ui->ticks_per_bar = (uint32_t)t;
    ui->beats_per_bar = (uint32_t)(beats > 0 ? beats : 4);
    ui->n_notes = (uint32_t)n;
    ui->received = 0;
  } else if ((uint32_t)s != ui->serial || (uint32_t)f != ui->received) {
    ask_pattern(ui); /* a piece went missing */
    return;
  }
  read_notes(v, ui->notes, &ui->received, ui->n_notes);
  ui->dirty = true;
}

static void on_play(TandemUi* ui, const LV2_Atom_Object* obj)
{
  const TandemUiFeedURIs* u = &ui->uris.feed;
  const LV2_Atom *serial = NULL, *position = NULL, *rolling = NULL, *onsets = NULL,
                 *plan = NULL, *next = NULL, *pending_now = NULL, *alts = NULL;
  lv2_atom_object_get(obj, u->tandem_serial, &serial, u->tandem_position, &position,
                      u->tandem_rolling, &rolling, u->tandem_onsets, &onsets,
                      u->tandem_planChord, &plan, u->tandem_nextChord, &next,
                      u->tandem_pendingSerial, &pending_now, u->tandem_alternatives,
                      &alts, 0);
  int32_t s = 0, p = -1;
  if (!get_int(ui, serial, &s) || !get_int(ui, position, &p)) {
    return;
  }
  int32_t plan_chord = -1, next_chord = -1, pending_serial = 0;
  get_int(ui, plan, &plan_chord);
  get_int(ui, next, &next_chord);
  get_int(ui, pending_now, &pending_serial);
  if ((uint32_t)pending_serial != ui->pending_now) {
    ui->pending_now = (uint32_t)pending_serial;
    ui->dirty = true;
  }
  const LV2_Atom_Vector* alt_vector = int_vector(ui, alts);
  if (alt_vector) {
    uint32_t n = (alt_vector->atom.size - sizeof(LV2_Atom_Vector_Body)) / sizeof(int32_t);
    n = n < TANDEM_UI_MAX_ALTS ? n : TANDEM_UI_MAX_ALTS;
    const int32_t* data = (const int32_t*)(&alt_vector->body + 1);
    for (uint32_t i = 0; i < n; ++i) {
      const int32_t pct = data[i] < 0 ? 0 : data[i] > 100 ? 100 : data[i];
      if (pct != ui->alt_percent[i] || n != ui->n_alt_percent) {
        ui->dirty = true;
      }
      ui->alt_percent[i] = pct;
    }
    ui->dirty |= n != ui->n_alt_percent;
    ui->n_alt_percent = n;
  }
  if (plan_chord != ui->plan_chord || next_chord != ui->next_chord) {
    ui->plan_chord = plan_chord;
    ui->next_chord = next_chord;
    ui->dirty = true;
  }
  if ((uint32_t)s != ui->serial || ui->received < ui->n_notes) {
    ask_pattern(ui);
  }
  const bool roll = rolling && rolling->type == u->atom_Bool &&
                    rolling->size >= sizeof(int32_t) &&
                    ((const LV2_Atom_Bool*)rolling)->body;
  if (p != ui->position || roll != ui->rolling) {
    ui->dirty = true;
  }
  ui->position = p;
  ui->rolling = roll;
  const LV2_Atom_Vector* v = int_vector(ui, onsets);
  if (v) {
    const uint32_t ints = (v->atom.size - sizeof(LV2_Atom_Vector_Body)) / sizeof(int32_t);
    const int32_t* data = (const int32_t*)(&v->body + 1);
    const double now = now_ms();
    for (uint32_t i = 0; i + 2 <= ints; i += 2) {
      RollOnset* o = &ui->onsets[ui->onset_head];
      o->tick = data[i];
      o->drums = (uint8_t)data[i + 1];
      o->time_ms = now;
      ui->onset_head = (ui->onset_head + 1) % UI_ONSETS;
      ui->n_onsets += ui->n_onsets < UI_ONSETS;
      ui->dirty = true;
    }
  }
}

static void on_set(TandemUi* ui, const LV2_Atom_Object* obj)
{
  const LV2_Atom *property = NULL, *value = NULL;
  lv2_atom_object_get(obj, ui->uris.patch_property, &property, ui->uris.patch_value,
                      &value, 0);
  if (!property || property->type != ui->uris.feed.atom_URID || !value ||
      value->type != ui->uris.atom_String) {
    return;
  }
  if (((const LV2_Atom_URID*)property)->body == ui->uris.tandem_status) {
    const char* text = (const char*)LV2_ATOM_BODY_CONST(value);
    size_t n = 0;
    while (n < value->size && n + 1 < sizeof(ui->status) && text[n]) {
      ui->status[n] = text[n];
      ++n;
    }
    ui->status[n] = '\0';
    ui->dirty = true;
  }
}

static void port_event(LV2UI_Handle handle, uint32_t port, uint32_t size, uint32_t format,
                       const void* buffer)
{
  TandemUi* ui = (TandemUi*)handle;
  if (format == 0) {
    if (port < P_COUNT && size == sizeof(float)) {
      const float v = *(const float*)buffer;
      if (isfinite(v) && v != ui->port[port]) {
        ui->port[port] = v;
        ui->dirty = true;
      }
    }
    return;
  }
  if (format != ui->uris.atom_eventTransfer || size < sizeof(LV2_Atom)) {
    return;
  }
  const LV2_Atom* atom = (const LV2_Atom*)buffer;
  if ((atom->type != ui->uris.atom_Object && atom->type != ui->uris.atom_Blank) ||
      atom->size < sizeof(LV2_Atom_Object_Body) || atom->size > size - sizeof(LV2_Atom)) {
    return;
  }
  const LV2_Atom_Object* obj = (const LV2_Atom_Object*)atom;
  if (!tandem_atom_object_fits(obj)) {
    return;
  }
  if (obj->body.otype == ui->uris.feed.tandem_UiNotes) {
    on_notes(ui, obj);
  } else if (obj->body.otype == ui->uris.feed.tandem_UiPlay) {
    on_play(ui, obj);
  } else if (obj->body.otype == ui->uris.patch_Set) {
    on_set(ui, obj);
  }
}

/* ---- Drawing ---- */

static void set_rgb(cairo_t* cr, uint32_t rgb)
{
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                       (rgb & 0xff) / 255.0);
}

static void text_at(cairo_t* cr, double x, double y, double size, uint32_t rgb,
                    const char* text)
{
  cairo_set_font_size(cr, size);
  set_rgb(cr, rgb);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text);
}

static void button(cairo_t* cr, Rect r, const char* label, bool on)
{
  set_rgb(cr, on ? 0x3d7bd9 : 0x2a2d35);
  cairo_rectangle(cr, r.x, r.y, r.w, r.h);
  cairo_fill(cr);
  set_rgb(cr, 0x4a4f5c);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, r.x + 0.5, r.y + 0.5, r.w - 1.0, r.h - 1.0);
  cairo_stroke(cr);
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, 12.0);
  cairo_text_extents(cr, label, &ext);
  text_at(cr, r.x + (r.w - ext.x_advance) / 2.0, r.y + r.h / 2.0 + 4.0, 12.0,
          on ? 0xffffff : 0xd0d4dc, label);
}

static void velocity_colour(cairo_t* cr, int velocity)
{
  const double v = velocity < 1 ? 0.0 : velocity > 127 ? 1.0 : (velocity - 1) / 126.0;
  cairo_set_source_rgb(cr, 0.25 + 0.75 * v, 0.55 + 0.1 * v, 0.95 - 0.75 * v);
}

/* off and idle grey, waiting yellow, ok, cached and repaired green, fallback
 * orange, error red. */
static uint32_t status_colour(float v)
{
  static const uint32_t colours[TANDEM_UI_N_STATUS] = {
      0x60646e, 0x60646e, 0xe0c030, 0x30c050, 0x30c050, 0x30c050, 0xe08020, 0xe03030};
  const int i = (int)lrintf(v);
  return i >= 0 && i < TANDEM_UI_N_STATUS ? colours[i] : 0x60646e;
}

static const char* status_name(float v)
{
  const int i = (int)lrintf(v);
  return i >= 0 && i < TANDEM_UI_N_STATUS ? tandem_ui_status_names[i] : "?";
}

/* How a text field draws its text: the size, where the baseline and the caret sit
 * in its box, and a hint shown while it is empty and without the focus. */
typedef struct {
  double font_size;
  double baseline;    /* below the box's top */
  double caret_inset; /* the caret's gap to the box's top and to its bottom */
  const char* hint;   /* NULL: none */
} FieldLook;

static const FieldLook request_look = {14.0, 20.0, 6.0, NULL};
static const FieldLook file_look = {
    12.0, 17.0, 5.0, "a file name for Export MIDI, Save profile or Load style"};

/* A text field in box r: brighter with the focus, the text clipped to the box with
 * its end kept in view, and a caret after it while it has the focus. */
static void text_field(cairo_t* cr, Rect r, const FieldLook* look, const char* text,
                       bool focus)
{
  set_rgb(cr, focus ? 0x1b1e25 : 0x16181d);
  cairo_rectangle(cr, r.x, r.y, r.w, r.h);
  cairo_fill(cr);
  set_rgb(cr, focus ? 0x3d7bd9 : 0x4a4f5c);
  cairo_rectangle(cr, r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
  cairo_stroke(cr);
  cairo_save(cr);
  cairo_rectangle(cr, r.x + 2, r.y, r.w - 4, r.h);
  cairo_clip(cr);
  cairo_set_font_size(cr, look->font_size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text, &ext);
  const double shift = ext.x_advance > r.w - 20 ? ext.x_advance - (r.w - 20) : 0.0;
  if (look->hint && !text[0] && !focus) {
    text_at(cr, r.x + 8, r.y + look->baseline, 11.0, 0x5a6070, look->hint);
  }
  text_at(cr, r.x + 8 - shift, r.y + look->baseline, look->font_size, 0xf0f0f0, text);
  if (focus) {
    set_rgb(cr, 0x3d7bd9);
    cairo_rectangle(cr, r.x + 9 - shift + ext.x_advance, r.y + look->caret_inset, 2,
                    r.h - 2 * look->caret_inset);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

static void draw_request(TandemUi* ui, cairo_t* cr)
{
  text_at(cr, 12, 24, 16.0, 0xffffff, "Tandem");
  text_at(cr, 90, 24, 11.0, 0x8a90a0,
          ui->text_focus ? "type a request, Enter sends it (Up/Down: history)"
                         : "click the box and type a request");
  text_field(cr, r_text, &request_look, ui->text, ui->text_focus);
  button(cr, r_send, "Send", false);

  char line[UI_TEXT_MAX + 64];
  /* The status chip: its colour is the model's state at a glance. */
  set_rgb(cr, status_colour(ui->port[P_LLM_STATUS]));
  cairo_rectangle(cr, r_chip.x, r_chip.y, r_chip.w, r_chip.h);
  cairo_fill(cr);
  snprintf(line, sizeof(line), "Model: %s", status_name(ui->port[P_LLM_STATUS]));
  text_at(cr, 34, 91, 13.0, 0xf0f0f0, line);
  cairo_save(cr);
  cairo_rectangle(cr, 130, 74, 310, 24);
  cairo_clip(cr);
  text_at(cr, 130, 90, 11.0, 0xa8aebb, ui->status);
  cairo_restore(cr);
  const int alt = (int)lrintf(ui->port[P_ALTERNATIVE]);
  /* Each alternative with the confidence the model gave it. */
  for (int i = 0; i < 3; ++i) {
    char label[16];
    if ((uint32_t)i < ui->n_alt_percent) {
      snprintf(label, sizeof(label), "%d  %d%%", i + 1, ui->alt_percent[i]);
    } else {
      snprintf(label, sizeof(label), "%d", i + 1);
    }
    button(cr, alt_rect(i), label, alt == i);
  }
  button(cr, like_rect(0), "Like", ui->trigger_off_ms[P_LIKE] > 0.0);
  button(cr, like_rect(1), "Dislike", ui->trigger_off_ms[P_DISLIKE] > 0.0);
  text_at(cr, 12, 124, 12.0, 0x8a90a0, "File");
  text_field(cr, r_file, &file_look, ui->file, ui->file_focus);
  button(cr, file_button_rect(0), "Export MIDI", ui->trigger_off_ms[P_EXPORT] > 0.0);
  button(cr, file_button_rect(1), "Save profile",
         ui->trigger_off_ms[P_SAVE_PROFILE] > 0.0);
  button(cr, file_button_rect(2), "Load style", false);
  button(cr, file_button_rect(3),
         ui->port[P_LEARN] > 0.5f ? "Learning..." : "Learn groove",
         ui->port[P_LEARN] > 0.5f);
  if (ui->last_sent[0]) {
    snprintf(line, sizeof(line), "sent: %s", ui->last_sent);
    cairo_save(cr);
    cairo_rectangle(cr, 750, 36, 126, 30);
    cairo_clip(cr);
    text_at(cr, 750, 55, 10.0, 0x8a90a0, line);
    cairo_restore(cr);
  }
}

static void draw_roll(TandemUi* ui, cairo_t* cr)
{
  set_rgb(cr, 0x14161b);
  cairo_rectangle(cr, r_roll.x, r_roll.y, r_roll.w, r_roll.h + r_onsets.h + 6);
  cairo_fill(cr);
  const bool have = ui->bars > 0 && ui->ticks_per_bar > 0;
  char line[128];
  if (have && ui->role >= 0 && ui->role < TANDEM_UI_N_ROLES) {
    snprintf(line, sizeof(line), "Playing: %s, %u bar%s, %u notes",
             tandem_ui_role_names[ui->role], ui->bars, ui->bars == 1 ? "" : "s",
             ui->n_notes);
  } else {
    snprintf(line, sizeof(line), "No part yet");
  }
  if (have && ui->pending_now != 0) {
    const size_t used = strlen(line);
    snprintf(line + used, sizeof(line) - used, "  (a new part from the next bar line)");
  }
  text_at(cr, r_roll.x, r_roll.y - 6, 12.0, 0xd0d4dc, line);
  if (!have) {
    return;
  }
  const double length = (double)ui->bars * ui->ticks_per_bar;
  const double beat_ticks =
      (double)ui->ticks_per_bar / (ui->beats_per_bar ? ui->beats_per_bar : 4);
  cairo_set_line_width(cr, 1.0);
  for (double t = 0.0; t < length; t += beat_ticks) {
    const bool bar_line = fmod(t, ui->ticks_per_bar) < 0.5;
    set_rgb(cr, bar_line ? 0x505668 : 0x262a33);
    const double x = floor(r_roll.x + r_roll.w * t / length) + 0.5;
    cairo_move_to(cr, x, r_roll.y);
    cairo_line_to(cr, x, r_onsets.y + r_onsets.h);
    cairo_stroke(cr);
  }
  /* A part queued for the next bar line: its first bar is drawn, dimmed, over the
   * bar after the playhead's. */
  const bool next_part = ui->pending_now != 0 && ui->pending_serial == ui->pending_now &&
                         ui->pending_received == ui->pending_count &&
                         ui->pending_ticks_per_bar == ui->ticks_per_bar;
  const uint32_t next_bar =
      ui->position >= 0 ? ((uint32_t)ui->position / ui->ticks_per_bar + 1) % ui->bars : 0;
  int lo = 127, hi = 0;
  for (uint32_t i = 0; i < ui->received; ++i) {
    lo = ui->notes[i].pitch < lo ? ui->notes[i].pitch : lo;
    hi = ui->notes[i].pitch > hi ? ui->notes[i].pitch : hi;
  }
  for (uint32_t i = 0; next_part && i < ui->pending_received; ++i) {
    if (ui->pending_notes[i].tick < ui->ticks_per_bar) {
      lo = ui->pending_notes[i].pitch < lo ? ui->pending_notes[i].pitch : lo;
      hi = ui->pending_notes[i].pitch > hi ? ui->pending_notes[i].pitch : hi;
    }
  }
  if (lo <= hi) {
    lo = lo > 1 ? lo - 1 : 0;
    hi = hi < 126 ? hi + 1 : 127;
    const double row = r_roll.h / (hi - lo + 1);
    for (uint32_t i = 0; i < ui->received; ++i) {
      const RollNote* n = &ui->notes[i];
      const double x = r_roll.x + r_roll.w * n->tick / length;
      double w = r_roll.w * n->length / length;
      w = w < 2.0 ? 2.0 : w;
      velocity_colour(cr, n->velocity);
      cairo_rectangle(cr, x, r_roll.y + (hi - n->pitch) * row, w,
                      row > 2 ? row - 1 : row);
      cairo_fill(cr);
    }
    if (next_part) {
      const double bar_x = r_roll.x + r_roll.w * next_bar * ui->ticks_per_bar / length;
      const double bar_w = r_roll.w * ui->ticks_per_bar / length;
      cairo_set_source_rgba(cr, 0.08, 0.09, 0.11, 0.85);
      cairo_rectangle(cr, bar_x, r_roll.y, bar_w, r_roll.h);
      cairo_fill(cr);
      text_at(cr, bar_x + 3, r_roll.y + 11, 9.0, 0x8a90a0, "next");
      cairo_push_group(cr);
      for (uint32_t i = 0; i < ui->pending_received; ++i) {
        const RollNote* n = &ui->pending_notes[i];
        if (n->tick >= ui->ticks_per_bar) {
          continue;
        }
        const double x = bar_x + r_roll.w * n->tick / length;
        double w = r_roll.w * n->length / length;
        w = w < 2.0 ? 2.0 : w;
        velocity_colour(cr, n->velocity);
        cairo_rectangle(cr, x, r_roll.y + (hi - n->pitch) * row, w,
                        row > 2 ? row - 1 : row);
        cairo_fill(cr);
      }
      cairo_pop_group_to_source(cr);
      cairo_paint_with_alpha(cr, 0.55);
    }
  }
  /* Onsets heard, faded over 4 s: kick, snare, hat. */
  static const char* const names[3] = {"kick", "snare", "hat"};
  static const uint32_t colours[3] = {0xff6b4a, 0xffd14a, 0x6fd3ff};
  const double row = r_onsets.h / 3.0;
  const double now = now_ms();
  for (int d = 0; d < 3; ++d) {
    text_at(cr, r_onsets.x + 2, r_onsets.y + row * d + row - 5, 9.0, 0x5a6070, names[d]);
  }
  for (uint32_t i = 0; i < ui->n_onsets; ++i) {
    const RollOnset* o = &ui->onsets[i];
    const double age = (now - o->time_ms) / 4000.0;
    if (age >= 1.0 || o->tick < 0) {
      continue;
    }
    const double x = r_onsets.x + r_onsets.w * fmod(o->tick, length) / length;
    for (int d = 0; d < 3; ++d) {
      if (o->drums & (1u << d)) {
        const uint32_t c = colours[d];
        cairo_set_source_rgba(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                              (c & 0xff) / 255.0, 1.0 - age);
        cairo_rectangle(cr, x - 1.5, r_onsets.y + d * row + 1, 3, row - 2);
        cairo_fill(cr);
      }
    }
  }
  if (ui->rolling && ui->position >= 0) {
    const double x =
        floor(r_roll.x + r_roll.w * fmod(ui->position, length) / length) + 0.5;
    set_rgb(cr, 0xffffff);
    cairo_move_to(cr, x, r_roll.y);
    cairo_line_to(cr, x, r_onsets.y + r_onsets.h);
    cairo_stroke(cr);
  }
}

static void draw_readouts(TandemUi* ui, cairo_t* cr)
{
  static const char* const quality[9] = {"",     "m",    "7",   "maj7", "m7",
                                         "sus2", "sus4", "dim", "aug"};
  static const char* const pitch[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                        "F#", "G",  "G#", "A",  "A#", "B"};
  const Rect r = r_readouts;
  set_rgb(cr, 0x14161b);
  cairo_rectangle(cr, r.x, r.y, r.w, r.h);
  cairo_fill(cr);
  /* One row per reading, its value "-" until the plugin reports one. */
  enum { ROW_TEMPO, ROW_KEY, ROW_CHORD, ROW_SECTION, ROW_GENRE, ROW_INPUT, N_ROWS };
  static const char* const labels[N_ROWS] = {"Tempo",   "Key",   "Chord",
                                             "Section", "Genre", "Input"};
  char v[N_ROWS][96];
  for (int i = 0; i < N_ROWS; ++i) {
    snprintf(v[i], sizeof(v[i]), "-");
  }
  const float bpm = ui->port[P_BPM];
  if (bpm > 0.0f) {
    snprintf(v[ROW_TEMPO], sizeof(v[ROW_TEMPO]), "%.1f bpm  (%.0f%%)", bpm,
             100.0f * ui->port[P_BPM_CONFIDENCE]);
  }
  const int key = (int)lrintf(ui->port[P_KEY]);
  if (key >= 0 && key < 24) {
    snprintf(v[ROW_KEY], sizeof(v[ROW_KEY]), "%s %s  (%.0f%%)", pitch[key % 12],
             key < 12 ? "major" : "minor", 100.0f * ui->port[P_KEY_CONFIDENCE]);
  }
  /* The chord the part plays now and the one predicted for the next bar's beat 1,
   * else (no window feed yet) the chord heard. */
  const int chord = (int)lrintf(ui->port[P_CHORD]);
  if (ui->plan_chord >= 0 && ui->plan_chord < 108) {
    const int now = ui->plan_chord, next = ui->next_chord;
    if (next >= 0 && next < 108) {
      snprintf(v[ROW_CHORD], sizeof(v[ROW_CHORD]), "%s%s \xe2\x86\x92 %s%s",
               pitch[now / 9], quality[now % 9], pitch[next / 9], quality[next % 9]);
    } else {
      snprintf(v[ROW_CHORD], sizeof(v[ROW_CHORD]), "%s%s \xe2\x86\x92 ?", pitch[now / 9],
               quality[now % 9]);
    }
  } else if (chord >= 0 && chord < 108) {
    snprintf(v[ROW_CHORD], sizeof(v[ROW_CHORD]), "%s%s", pitch[chord / 9],
             quality[chord % 9]);
  }
  const int section = (int)lrintf(ui->port[P_SECTION]);
  if (section >= 0 && section < TANDEM_UI_N_SECTIONS) {
    snprintf(v[ROW_SECTION], sizeof(v[ROW_SECTION]), "%s",
             tandem_ui_section_names[section]);
  }
  const int genre = (int)lrintf(ui->port[P_GENRE]);
  if (genre > 0 && genre < TANDEM_UI_N_STYLES) {
    snprintf(v[ROW_GENRE], sizeof(v[ROW_GENRE]), "%s  (%.0f%%)",
             tandem_ui_style_names[genre], 100.0f * ui->port[P_GENRE_CONFIDENCE]);
  } else {
    snprintf(v[ROW_GENRE], sizeof(v[ROW_GENRE]), "listening");
  }
  snprintf(v[ROW_INPUT], sizeof(v[ROW_INPUT]), "%.0f dB rms, %.0f dB peak",
           ui->port[P_RMS_DB], ui->port[P_PEAK_DB]);
  for (int i = 0; i < N_ROWS; ++i) {
    const double y = r.y + 22 + 24.0 * i;
    text_at(cr, r.x + 10, y, 11.0, 0x8a90a0, labels[i]);
    text_at(cr, r.x + 90, y, 13.0, 0xf0f0f0, v[i]);
  }
  /* The 7 bands, -80 to 0 dBFS. */
  static const char* const bands[7] = {"sub",    "bass", "lo-mid", "mid",
                                       "hi-mid", "pres", "brill"};
  const double top = r.y + 22 + 24.0 * (N_ROWS - 1) + 14, height = r.y + r.h - top - 22;
  for (int b = 0; b < 7; ++b) {
    const double db = ui->port[P_BAND_FIRST + b];
    double level = (db + 80.0) / 80.0;
    level = level < 0.0 ? 0.0 : level > 1.0 ? 1.0 : level;
    const double x = r.x + 12 + b * 37.0;
    set_rgb(cr, 0x262a33);
    cairo_rectangle(cr, x, top, 28, height);
    cairo_fill(cr);
    set_rgb(cr, 0x5ec27a);
    cairo_rectangle(cr, x, top + height * (1.0 - level), 28, height * level);
    cairo_fill(cr);
    text_at(cr, x, r.y + r.h - 8, 9.0, 0x8a90a0, bands[b]);
  }
}

static void draw_controls(TandemUi* ui, cairo_t* cr)
{
  text_at(cr, 12, 466, 12.0, 0x8a90a0, "Role");
  const int role = (int)lrintf(ui->port[P_ROLE]);
  for (int i = 0; i < TANDEM_UI_N_ROLES; ++i) {
    button(cr, role_rect(i), tandem_ui_role_names[i], role == i);
  }
  text_at(cr, 12, 498, 12.0, 0x8a90a0, "Style");
  const int style = (int)lrintf(ui->port[P_STYLE]);
  for (int i = 0; i < TANDEM_UI_N_STYLES; ++i) {
    button(cr, style_rect(i), tandem_ui_style_names[i], style == i);
  }
  button(cr, hold_rect(), "Hold", ui->port[P_HOLD] > 0.5f);
  button(cr, regen_rect(), "Regenerate", ui->trigger_off_ms[P_REGENERATE] > 0.0);
  for (size_t i = 0; i < N_SLIDERS; ++i) {
    const Rect r = slider_rect((int)i);
    text_at(cr, r.x - 80, r.y + 14, 12.0, 0x8a90a0, sliders[i].label);
    set_rgb(cr, 0x262a33);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_fill(cr);
    double v = ui->port[sliders[i].port];
    v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    set_rgb(cr, 0x3d7bd9);
    cairo_rectangle(cr, r.x, r.y, r.w * v, r.h);
    cairo_fill(cr);
    char label[16];
    snprintf(label, sizeof(label), "%.2f", v);
    text_at(cr, r.x + r.w - 34, r.y + 14, 11.0, 0xffffff, label);
  }
}

static void draw(TandemUi* ui)
{
  cairo_t* cr = cairo_create(ui->surface);
  cairo_push_group(cr);
  cairo_scale(cr, ui->scale, ui->scale);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_NORMAL);
  set_rgb(cr, 0x1e2027);
  cairo_paint(cr);
  draw_request(ui, cr);
  draw_roll(ui, cr);
  draw_readouts(ui, cr);
  draw_controls(ui, cr);
  cairo_pop_group_to_source(cr);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(ui->surface);
  XFlush(ui->dpy);
}

/* ---- Input ---- */

static void set_slider(TandemUi* ui, int i, double x)
{
  const Rect r = slider_rect(i);
  double v = (x - r.x) / r.w;
  v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
  write_port(ui, sliders[i].port, (float)v);
}

static void on_click(TandemUi* ui, double x, double y)
{
  ui->text_focus = inside(r_text, x, y);
  ui->file_focus = inside(r_file, x, y);
  if (ui->text_focus || ui->file_focus) {
    /* An embedded window gets keys only once it has the focus. */
    XSetInputFocus(ui->dpy, ui->win, RevertToParent, CurrentTime);
  }
  ui->dirty = true;
  if (inside(r_send, x, y)) {
    send_request(ui);
    return;
  }
  for (int i = 0; i < 3; ++i) {
    if (inside(alt_rect(i), x, y)) {
      write_port(ui, P_ALTERNATIVE, (float)i);
    }
  }
  if (inside(file_button_rect(0), x, y) && ui->file_len > 0) {
    path_then_trigger(ui, ui->uris.tandem_exportPath, P_EXPORT);
  } else if (inside(file_button_rect(1), x, y) && ui->file_len > 0) {
    path_then_trigger(ui, ui->uris.tandem_profilePath, P_SAVE_PROFILE);
  } else if (inside(file_button_rect(2), x, y)) {
    send_path(ui, ui->uris.tandem_styleFile); /* empty: back to the style control */
  } else if (inside(file_button_rect(3), x, y)) {
    write_port(ui, P_LEARN, ui->port[P_LEARN] > 0.5f ? 0.0f : 1.0f);
  }
  if (inside(like_rect(0), x, y)) {
    press_trigger(ui, P_LIKE);
  } else if (inside(like_rect(1), x, y)) {
    press_trigger(ui, P_DISLIKE);
  }
  for (int i = 0; i < TANDEM_UI_N_ROLES; ++i) {
    if (inside(role_rect(i), x, y)) {
      write_port(ui, P_ROLE, (float)i);
    }
  }
  for (int i = 0; i < TANDEM_UI_N_STYLES; ++i) {
    if (inside(style_rect(i), x, y)) {
      write_port(ui, P_STYLE, (float)i);
    }
  }
  if (inside(hold_rect(), x, y)) {
    write_port(ui, P_HOLD, ui->port[P_HOLD] > 0.5f ? 0.0f : 1.0f);
  } else if (inside(regen_rect(), x, y)) {
    press_trigger(ui, P_REGENERATE);
  }
  for (size_t i = 0; i < N_SLIDERS; ++i) {
    if (inside(slider_rect((int)i), x, y)) {
      ui->dragging = (int)i;
      set_slider(ui, (int)i, x);
    }
  }
}

static void recall_history(TandemUi* ui, int step)
{
  int pos = ui->history_pos + step;
  if (pos < -1 || pos >= ui->n_history) {
    return;
  }
  ui->history_pos = pos;
  const char* src = pos < 0 ? "" : ui->history[pos];
  ui->text_len = strlen(src);
  memcpy(ui->text, src, ui->text_len + 1);
  ui->dirty = true;
}

/* Appends one Unicode character as UTF-8 (the model gets UTF-8) to the field with
 * the focus. */
static void type_char(TandemUi* ui, unsigned c)
{
  char* text = ui->file_focus ? ui->file : ui->text;
  size_t* len = ui->file_focus ? &ui->file_len : &ui->text_len;
  char utf8[2];
  size_t n = 0;
  if (c < 0x80) {
    utf8[n++] = (char)c;
  } else if (c < 0x100) {
    utf8[n++] = (char)(0xc0 | (c >> 6));
    utf8[n++] = (char)(0x80 | (c & 0x3f));
  }
  if (n == 0 || *len + n + 1 > UI_TEXT_MAX) {
    return;
  }
  memcpy(text + *len, utf8, n);
  *len += n;
  text[*len] = '\0';
  ui->dirty = true;
}

static void on_key(TandemUi* ui, XKeyEvent* ev)
{
  if (!ui->text_focus && !ui->file_focus) {
    return;
  }
  char buf[8] = "";
  KeySym sym = NoSymbol;
  const int n = XLookupString(ev, buf, sizeof(buf), &sym, NULL);
  char* text = ui->file_focus ? ui->file : ui->text;
  size_t* len = ui->file_focus ? &ui->file_len : &ui->text_len;
  if ((sym == XK_Return || sym == XK_KP_Enter) && ui->text_focus) {
    send_request(ui);
  } else if (sym == XK_BackSpace) {
    /* Drop a whole UTF-8 character. */
    while (*len > 0) {
      const unsigned char c = (unsigned char)text[--*len];
      if ((c & 0xc0) != 0x80) {
        break;
      }
    }
    text[*len] = '\0';
    ui->dirty = true;
  } else if (sym == XK_Escape) {
    ui->text_focus = ui->file_focus = false;
    ui->dirty = true;
  } else if (sym == XK_Up && ui->text_focus) {
    recall_history(ui, 1);
  } else if (sym == XK_Down && ui->text_focus) {
    recall_history(ui, -1);
  } else if (n == 1 && (unsigned char)buf[0] >= 0x20 && (unsigned char)buf[0] != 0x7f) {
    type_char(ui, (unsigned char)buf[0]);
  }
}

static void handle_event(TandemUi* ui, XEvent* ev)
{
  switch (ev->type) {
  case Expose:
    ui->dirty = true;
    break;
  case ConfigureNotify:
    if (ev->xconfigure.width != ui->width || ev->xconfigure.height != ui->height) {
      ui->width = ev->xconfigure.width;
      ui->height = ev->xconfigure.height;
      cairo_xlib_surface_set_size(ui->surface, ui->width, ui->height);
      ui->dirty = true;
    }
    break;
  case ButtonPress:
    if (ev->xbutton.button == Button1) {
      on_click(ui, ev->xbutton.x / ui->scale, ev->xbutton.y / ui->scale);
    }
    break;
  case ButtonRelease:
    ui->dragging = -1;
    break;
  case MotionNotify:
    if (ui->dragging >= 0 && (ev->xmotion.state & Button1Mask)) {
      set_slider(ui, ui->dragging, ev->xmotion.x / ui->scale);
    }
    break;
  case KeyPress:
    on_key(ui, &ev->xkey);
    break;
  default:
    break;
  }
}

static int idle(LV2UI_Handle handle)
{
  TandemUi* ui = (TandemUi*)handle;
  /* Only events already here: XNextEvent never waits after XPending. */
  while (XPending(ui->dpy) > 0) {
    XEvent ev;
    XNextEvent(ui->dpy, &ev);
    handle_event(ui, &ev);
  }
  const double now = now_ms();
  if (now - ui->last_get_ms >= UI_FEED_MS) {
    ui->last_get_ms = now;
    send_get(ui, ui->uris.feed.tandem_uiFeed);
  }
  for (uint32_t p = 0; p < P_COUNT; ++p) {
    if (ui->trigger_on_ms[p] > 0.0 && now >= ui->trigger_on_ms[p]) {
      ui->trigger_on_ms[p] = 0.0;
      press_trigger(ui, p);
    }
    if (ui->trigger_off_ms[p] > 0.0 && now >= ui->trigger_off_ms[p]) {
      ui->trigger_off_ms[p] = 0.0;
      write_port(ui, p, 0.0f);
    }
  }
  /* Onsets fade: keep drawing while some are recent. */
  if (ui->n_onsets > 0 || ui->rolling) {
    ui->dirty = true;
  }
  if (ui->dirty && now - ui->last_draw_ms >= 1000.0 / UI_MAX_FPS) {
    ui->dirty = false;
    ui->last_draw_ms = now;
    draw(ui);
  }
  return 0;
}

/* ---- Instantiation ---- */

/* The host's scale factor, else the X resource Xft.dpi over 96, else 1. */
static double find_scale(Display* dpy, const LV2_Options_Option* options,
                         LV2_URID_Map* map)
{
  const LV2_URID scale_factor = map->map(map->handle, LV2_UI__scaleFactor);
  const LV2_URID atom_Float = map->map(map->handle, LV2_ATOM__Float);
  for (const LV2_Options_Option* o = options; o && o->key; ++o) {
    if (o->key == scale_factor && o->type == atom_Float && o->size == sizeof(float) &&
        o->value) {
      const float s = *(const float*)o->value;
      if (isfinite(s) && s >= 0.5f && s <= 4.0f) {
        return s;
      }
    }
  }
  const char* resources = XResourceManagerString(dpy);
  double scale = 1.0;
  if (resources) {
    XrmInitialize();
    XrmDatabase db = XrmGetStringDatabase(resources);
    char* type = NULL;
    XrmValue value;
    if (db && XrmGetResource(db, "Xft.dpi", "Xft.Dpi", &type, &value) && value.addr) {
      const double dpi = atof(value.addr);
      if (dpi >= 48.0 && dpi <= 384.0) {
        scale = dpi / 96.0;
      }
    }
    if (db) {
      XrmDestroyDatabase(db);
    }
  }
  return scale;
}

static void cleanup(LV2UI_Handle handle)
{
  TandemUi* ui = (TandemUi*)handle;
  if (ui->surface) {
    cairo_surface_destroy(ui->surface);
  }
  if (ui->dpy) {
    if (ui->win) {
      XDestroyWindow(ui->dpy, ui->win);
    }
    XCloseDisplay(ui->dpy);
  }
  free(ui);
}

static LV2UI_Handle instantiate(const LV2UI_Descriptor* descriptor,
                                const char* plugin_uri, const char* bundle_path,
                                LV2UI_Write_Function write_function,
                                LV2UI_Controller controller, LV2UI_Widget* widget,
                                const LV2_Feature* const* features)
{
  (void)descriptor;
  (void)bundle_path;
  if (strcmp(plugin_uri, TANDEM_URI) != 0) {
    return NULL;
  }
  TandemUi* ui = calloc(1, sizeof(TandemUi));
  if (!ui) {
    return NULL;
  }
  void* parent = NULL;
  const LV2_Options_Option* options = NULL;
  for (const LV2_Feature* const* f = features; f && *f; ++f) {
    if (!strcmp((*f)->URI, LV2_URID__map)) {
      ui->map = (LV2_URID_Map*)(*f)->data;
    } else if (!strcmp((*f)->URI, LV2_UI__parent)) {
      parent = (*f)->data;
    } else if (!strcmp((*f)->URI, LV2_UI__resize)) {
      ui->resize = (LV2UI_Resize*)(*f)->data;
    } else if (!strcmp((*f)->URI, LV2_OPTIONS__options)) {
      options = (const LV2_Options_Option*)(*f)->data;
    }
  }
  if (!ui->map) {
    fprintf(stderr, "Tandem UI: the host gives no urid:map; cannot open the window\n");
    free(ui);
    return NULL;
  }
  ui->write = write_function;
  ui->controller = controller;
  LV2_URID_Map* map = ui->map;
  UiURIs* u = &ui->uris;
  u->atom_eventTransfer = map->map(map->handle, LV2_ATOM__eventTransfer);
  u->atom_String = map->map(map->handle, LV2_ATOM__String);
  u->atom_Object = map->map(map->handle, LV2_ATOM__Object);
  u->atom_Blank = map->map(map->handle, LV2_ATOM__Blank);
  u->atom_Vector = map->map(map->handle, LV2_ATOM__Vector);
  u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
  u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
  u->patch_property = map->map(map->handle, LV2_PATCH__property);
  u->patch_value = map->map(map->handle, LV2_PATCH__value);
  u->tandem_exportPath = map->map(map->handle, TANDEM__exportPath);
  u->tandem_profilePath = map->map(map->handle, TANDEM__profilePath);
  u->tandem_styleFile = map->map(map->handle, TANDEM__styleFile);
  u->tandem_prompt = map->map(map->handle, TANDEM__prompt);
  u->tandem_status = map->map(map->handle, TANDEM__status);
  tandem_ui_feed_map(&u->feed, map);
  lv2_atom_forge_init(&ui->forge, map);

  ui->dpy = XOpenDisplay(NULL);
  if (!ui->dpy) {
    fprintf(stderr, "Tandem UI: cannot open the X display\n");
    free(ui);
    return NULL;
  }
  ui->scale = find_scale(ui->dpy, options, map);
  ui->width = (int)lrint(UI_WIDTH * ui->scale);
  ui->height = (int)lrint(UI_HEIGHT * ui->scale);
  const Window parent_win =
      parent ? (Window)(uintptr_t)parent : DefaultRootWindow(ui->dpy);
  const int screen = DefaultScreen(ui->dpy);
  ui->win = XCreateSimpleWindow(ui->dpy, parent_win, 0, 0, (unsigned)ui->width,
                                (unsigned)ui->height, 0, BlackPixel(ui->dpy, screen),
                                BlackPixel(ui->dpy, screen));
  /* A name of its own, so that tests find the window inside the host's. */
  XStoreName(ui->dpy, ui->win, "Tandem plugin window");
  XSelectInput(ui->dpy, ui->win,
               ExposureMask | StructureNotifyMask | ButtonPressMask | ButtonReleaseMask |
                   Button1MotionMask | KeyPressMask | FocusChangeMask);
  XMapRaised(ui->dpy, ui->win);
  ui->surface = cairo_xlib_surface_create(
      ui->dpy, ui->win, DefaultVisual(ui->dpy, screen), ui->width, ui->height);
  if (cairo_surface_status(ui->surface) != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "Tandem UI: cannot draw in the window (cairo)\n");
    cleanup(ui);
    return NULL;
  }
  if (ui->resize) {
    ui->resize->ui_resize(ui->resize->handle, ui->width, ui->height);
  }
  XFlush(ui->dpy);

  /* Defaults until the host reports the ports. */
  ui->port[P_ENERGY] = ui->port[P_DENSITY] = ui->port[P_COMPLEXITY] = 0.5f;
  ui->port[P_FILL] = 0.25f;
  ui->port[P_KEY] = ui->port[P_CHORD] = -1.0f;
  ui->port[P_RMS_DB] = ui->port[P_PEAK_DB] = -120.0f;
  for (int b = 0; b < 7; ++b) {
    ui->port[P_BAND_FIRST + b] = -120.0f;
  }
  ui->dragging = -1;
  ui->history_pos = -1;
  ui->position = -1;
  ui->plan_chord = ui->next_chord = -1;
  ui->dirty = true;

  /* Ask for the status and the part now, and for the feed. */
  send_get(ui, 0);
  send_get(ui, u->feed.tandem_uiPattern);
  ui->last_get_ms = ui->last_pattern_get_ms = now_ms();

  *widget = (LV2UI_Widget)(uintptr_t)ui->win;
  return (LV2UI_Handle)ui;
}

static const void* extension_data(const char* uri)
{
  static const LV2UI_Idle_Interface idle_iface = {idle};
  if (!strcmp(uri, LV2_UI__idleInterface)) {
    return &idle_iface;
  }
  return NULL;
}

static const LV2UI_Descriptor descriptor = {UI_URI, instantiate, cleanup, port_event,
                                            extension_data};

LV2_SYMBOL_EXPORT const LV2UI_Descriptor* lv2ui_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
