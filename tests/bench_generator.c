/* Tandem — generator benchmark: microseconds per generated bar for every shipped
 * style and role.  Prints figures; never part of the default test run. */
#include "generator.h"
#include "style.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char** argv)
{
  const char* dir = argc > 1 ? argv[1] : getenv("TANDEM_STYLES_DIR");
  static TandemStyleSet set;
  char err[1024];
  if (tandem_style_load_shipped(dir ? dir : "ttl/styles", &set, err, sizeof(err)) !=
      TANDEM_STYLE_SHIPPED_COUNT) {
    fprintf(stderr, "bench_generator: %s\n", err);
    return 1;
  }
  static const char* const roles[] = {"drums", "bass", "chords", "melody"};
  const int runs = 200;
  double worst = 0.0, total = 0.0;
  int cells = 0;
  static TandemPattern pat;
  printf("%-9s %8s %8s %8s %8s   (microseconds per bar, 16-bar patterns, %d runs)\n",
         "style", roles[0], roles[1], roles[2], roles[3], runs);
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    printf("%-9s", set.styles[k].name);
    for (int role = 0; role < TANDEM_ROLE_TRIGGER; ++role) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, 1);
      prm.bars = TANDEM_MAX_BARS;
      prm.fill = 0.5f;
      const double t0 = now_s();
      for (int r = 0; r < runs; ++r) {
        prm.seed = (uint32_t)r + 1;
        if (!tandem_generate(&set.styles[k], &prm, &pat)) {
          fprintf(stderr, "bench_generator: generation failed\n");
          return 1;
        }
      }
      const double us_per_bar = (now_s() - t0) * 1e6 / runs / TANDEM_MAX_BARS;
      worst = us_per_bar > worst ? us_per_bar : worst;
      total += us_per_bar;
      ++cells;
      printf(" %8.2f", us_per_bar);
    }
    printf("\n");
  }
  printf("mean %.2f us per bar, worst %.2f us per bar (target: well under 1000)\n",
         total / cells, worst);
  return 0;
}
