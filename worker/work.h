/* Tandem — the jobs the LV2 worker does for the plugin (work()).
 *
 * run() sends small POD requests (messages.h) through the host's worker; work()
 * does each one here, quickly: pattern generation with the built-in generator,
 * loading a user's style profile.  Finished patterns go to the audio thread
 * through the plugin's own pattern ring (the worker thread is its only
 * producer); a status line goes back through respond().
 *
 * Threads: tandem_work_init and tandem_work_cleanup — instantiate/cleanup;
 * tandem_work_do — the host's worker thread (or run()'s thread when the host
 * runs the worker synchronously, e.g. in freewheel), never concurrently with
 * itself.  tandem_work_auto_style — any.
 */
#ifndef TANDEM_WORK_H
#define TANDEM_WORK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "feedback.h"
#include "llm_work.h"
#include "style.h"
#include "genre.h"
#include "sections.h"
#include "intent.h"
#include "groove.h"

typedef struct {
  TandemStyleSet styles;  /* shipped profiles, loaded at instantiate */
  int n_styles;           /* how many loaded */
  TandemStyle user_style; /* a profile the user loaded from a file */
  bool has_user_style;
  char user_style_path[TANDEM_PATH_MAX];
  /* The last plain-language request run() sent (the prompt property), kept for the
   * state; restore puts it back here and run()'s copy is set from it. */
  char prompt[TANDEM_LLM_TEXT_MAX];
  TandemPattern scratch; /* the pattern being made */
  TandemRing* patterns;  /* to the audio thread; this side is the producer */
  LV2_Log_Logger* logger;

  /* Held by tandem_work_do for each job and by state save/restore (worker/state.h),
   * which hosts call from another non-realtime thread.  Never taken in run(). */
  pthread_mutex_t lock;
  bool lock_ready;
  TandemPattern current; /* the last pattern sent to run(): what plays (or will, at
                            the next bar line); saved in state, liked, exported */
  bool has_current;
  TandemGenerateMsg current_request; /* what made current, for export variations */
  bool has_current_request;
  TandemFeedback feedback; /* learned from like/dislike; biases generation */
  TandemLlmWork llm;       /* prompts, the model thread, model patterns */
  /* Genre and section detection from run()'s bar snapshots (worker-owned). */
  TandemGenre genre;
  TandemGenreAuto genre_auto;
  TandemSectionTracker sections;
  int genre_style; /* what "auto" plays by genre: 1..12, 0 until one is adopted */
  /* The last part made for each section label, so that a repeated section brings
   * its part back; valid only for the request settings kept beside it. */
  TandemPattern section_parts[TANDEM_SECTION_LABELS];
  TandemGenerateMsg section_requests[TANDEM_SECTION_LABELS];
  bool has_section_part[TANDEM_SECTION_LABELS];
  TandemFeel section_feels[TANDEM_SECTION_LABELS]; /* the feel each kept part had */
  /* The feel plain-language requests left (half/double time, ghost notes): applied
   * to every built-in pattern until a request changes it (worker/intent.h). */
  TandemFeel feel;
  /* Section marks (work.c): the drums fill the predicted last bar of a section and
   * crash into the next.  Bars count bar snapshots: bar_now is the bar playing now
   * (the snapshot of bar_now - 1 came last); a pattern written now takes over at
   * bar_now + 1.  current_anchor is the bar where current's bar 0 plays (or
   * played), -1 when unknown (a restored pattern). */
  int64_t bar_now;
  int64_t current_anchor;
  bool current_keep;    /* current is a model's or restored part: marks keep it */
  TandemPattern marked; /* scratch: current with the marks, sent to run() */
  int64_t marked_bar;   /* the bar the last marked part took over at */
  bool input_heard;     /* the latest bar had onsets: there is a song to follow */
  uint32_t heard_bars;  /* bars with onsets so far; none: no section is reported */
  int64_t mark_bar;     /* the bar the last marks were planned for, -1 none */
  bool mark_fill, mark_crash;
  bool mark_serials;      /* the last snapshot came with a serial for marked parts */
  int64_t fill_bar;       /* the last bar given a section fill, -1 none */
  bool marks_out;         /* the last pattern sent carried marks: send a plain one */
  uint32_t section_fills; /* fills played into sections, for status and tests */
  /* A repeated section's part sent ahead, to take over at its predicted first bar
   * (the section that followed this one last time): ahead_bar is that bar, -1
   * none pending; until the tracker confirms a section began there, before_ahead
   * (anchored at before_ahead_anchor) is what goes back if it does not.
   * ahead_section is the label whose kept part current is, 0 once current changes
   * otherwise, so a request for that section leaves it playing. */
  int64_t last_bar_predicted; /* the latest bar predicted to end a section, -1 none */
  int64_t ahead_bar;
  int ahead_section;
  TandemPattern before_ahead;
  int64_t before_ahead_anchor;
  int before_ahead_section;               /* its ahead_section */
  TandemGenerateMsg before_ahead_request; /* and the request that made it */
  int64_t ahead_refused;   /* the section (its first bar) a guess was taken back in */
  uint32_t sections_ahead; /* parts sent ahead, for tests */
  uint32_t sections_back;  /* of those, taken back (the section did not change) */
  /* Groove capture (the learn toggle): bar snapshots go in while learning;
   * save_profile writes what was learned (worker/groove.h). */
  TandemGrooveCapture groove;
  bool learning;
} TandemWork;

/* Loads the shipped profiles from <bundle_path>/styles.  Returns false, with a
 * message in err, if none could be loaded (the plugin still runs; it can only
 * trigger then).  Non-realtime. */
bool tandem_work_init(TandemWork* w, const char* bundle_path, TandemRing* patterns,
                      LV2_Log_Logger* logger, char* err, size_t err_size);

/* Frees what tandem_work_init made (the lock).  Cleanup only. */
void tandem_work_cleanup(TandemWork* w);

/* Records p as the current pattern (the worker calls this for every pattern it
 * sends to run(), built-in or from a model).  Caller holds w->lock.  Worker. */
void tandem_work_keep_pattern(TandemWork* w, const TandemPattern* p);

/* Does one request.  Returns LV2_WORKER_ERR_UNKNOWN for a malformed message.
 * A generate request's section field carries the song section (TandemSectionLabel,
 * 0 unknown): a chorus is made busier and louder, an intro sparser, and a section
 * label heard before with the same settings gets its earlier part again.  Every
 * built-in pattern also takes the feel that plain-language requests left (half or
 * double time, ghost notes); a request that changes that feel (TANDEM_MSG_LLM_REQUEST)
 * remakes the current part at once under the request's serial.
 *
 * Sections are known only after they have begun, so fills into them are predicted:
 * with each bar snapshot, if the bar after the one playing is the predicted last
 * bar of the current section (tandem_section_tracker_predict), a drums part with
 * the fill control above 0 gets a fill there and a crash on beat 1 of the bar after,
 * and a section found without a fill before it gets a crash on the next bar that
 * can still be reached.  These marked parts go to the ring under the serial run()
 * reserved in the snapshot's `serial` field (0: no marks), then a plain one the bar
 * after; what is kept as current, for sections, likes and export, stays plain.  Only
 * 4-beat parts are marked, and only from bars counted on the beat grid.
 *
 * A section that follows a repeated one is predicted too (last time the verse was
 * followed by the chorus): at the predicted first bar, the part kept for it (same
 * settings) takes over under the snapshot's serial, any role, so the second chorus
 * starts on its first bar and not when it is heard.  If the tracker has found no
 * section beginning there after two bars of it, the part that played before comes
 * back on the third, in its own bars. */
LV2_Worker_Status tandem_work_do(TandemWork* w, LV2_Worker_Respond_Function respond,
                                 LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data);

/* The shipped style (1..12) that "auto" plays for a tempo: the one whose tempo range
 * is nearest: what "auto" plays until genre detection is confident (see
 * tandem_work_auto_style_now).  A tempo of 0 (unknown) gives rock (1).  Only loaded
 * styles are considered. */
int tandem_work_auto_style(const TandemStyleSet* set, float bpm);

/* The style "auto" plays: the detected genre once one has been adopted
 * (genre.h: confident, with hysteresis), else the tempo choice above.
 * Worker thread. */
int tandem_work_auto_style_now(const TandemWork* w, float bpm);

#endif
