/* Tandem fuzzing — the style-profile Turtle loader (worker/style.h).
 *
 * tandem_style_load_file reads a path, so each input is written to one
 * temporary file per process and loaded from there.  A profile that loads must
 * hold values inside the ranges the loader promises.
 *
 * Threads: the fuzzer's thread only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "style.h"

static char path[256];

int LLVMFuzzerInitialize(int* argc, char*** argv)
{
  (void)argc;
  (void)argv;
  const char* dir = getenv("TMPDIR");
  snprintf(path, sizeof(path), "%s/tandem-fuzz-style-%ld.ttl", dir ? dir : "/tmp",
           (long)getpid());
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  FILE* f = fopen(path, "wb");
  if (!f) {
    abort();
  }
  fwrite(data, 1, size, f);
  fclose(f);
  TandemStyle style;
  memset(&style, 0xA5, sizeof(style));
  char err[512] = "";
  if (tandem_style_load_file(path, &style, err, sizeof(err))) {
    if (style.n_steps == 0 || style.n_steps > TANDEM_STYLE_MAX_STEPS ||
        style.n_scales == 0 || style.n_scales > TANDEM_STYLE_MAX_SCALES ||
        !isfinite(style.swing_pct) || !isfinite(style.tempo_min_bpm) ||
        !isfinite(style.tempo_max_bpm) ||
        memchr(style.name, '\0', sizeof(style.name)) == NULL) {
      abort(); /* accepted a profile outside the loader's promises */
    }
  } else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
    abort(); /* a failure must say why */
  }
  unlink(path);
  return 0;
}
