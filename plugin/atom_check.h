/* Tandem — checks an atom from outside (a host, a UI) before lv2/atom/util.h walks
 * it: lv2_atom_object_get trusts every size inside an object, so a truncated
 * object from a broken host or UI would make the reader run past it.
 *
 * Used by the plugin (plugin/tandem.c, audio thread) and the plugin window
 * (ui/tandem_ui.c, the host's GUI thread); header only, so the window links
 * nothing of the plugin's libraries.
 * Threads: any (pure, realtime-safe: no allocation, no locks).
 */
#ifndef TANDEM_ATOM_CHECK_H
#define TANDEM_ATOM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lv2/atom/atom.h>

/* True if every property header and value of obj lies within obj->atom.size
 * (the caller has already checked that the object's header and body size lie
 * within its buffer). */
static inline bool tandem_atom_object_fits(const LV2_Atom_Object* obj)
{
  const uint8_t* p = (const uint8_t*)(&obj->body + 1);
  const uint8_t* end = (const uint8_t*)&obj->body + obj->atom.size;
  while (p < end) {
    if ((size_t)(end - p) < sizeof(LV2_Atom_Property_Body)) {
      return false;
    }
    const LV2_Atom_Property_Body* prop = (const LV2_Atom_Property_Body*)p;
    if (prop->value.size > (size_t)(end - p) - sizeof(LV2_Atom_Property_Body)) {
      return false;
    }
    p += sizeof(LV2_Atom_Property_Body) + (((size_t)prop->value.size + 7u) & ~(size_t)7u);
  }
  return true;
}

#endif
