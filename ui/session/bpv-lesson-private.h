/* bpv-lesson-private.h — what the bpv-lesson*.c family shares: the lesson
 * itself and the one way its messages name a place.  Not for the widgets:
 * they use bpv-lesson.h.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "bpv-lesson.h"

G_BEGIN_DECLS

struct _BpvLesson
{
  char          *file_name;   /* what messages call the file */
  char          *id;
  char          *title;
  char          *summary;
  BpModel       *model;       /* the lesson's own, or NULL (step 1 has one) */
  gsize          n_steps;
  BpvLessonStep *steps;
  /* The network as it was when step i was applied (NULL before): what an
   * "edit" condition compares against. */
  BpNetwork    **entered;
};

/* The place a message is about: "FILE: step 3 (‘Title’), field ‘F’: "
 * (step is 0-based here and shown 1-based; step < 0: the lesson's own
 * fields; title or field NULL: left out).  Free with g_free. */
char    *_bpv_lesson_place       (const char *file_name,
                                  gssize      step,
                                  const char *title,
                                  const char *field);
/* Sets `error` to that place followed by the formatted message. */
void     _bpv_lesson_set_error   (GError    **error,
                                  int         code,
                                  const char *file_name,
                                  gssize      step,
                                  const char *title,
                                  const char *field,
                                  const char *format,
                                  ...) G_GNUC_PRINTF (7, 8);
/* The same for a step of a loaded lesson (its title is known). */
void     _bpv_lesson_step_error  (GError         **error,
                                  int              code,
                                  const BpvLesson *lesson,
                                  gsize            step,
                                  const char      *field,
                                  const char      *format,
                                  ...) G_GNUC_PRINTF (6, 7);

/* bpv-lesson-read.c: fills `lesson` (its file_name set) from the parsed
 * file; texts in the first of `languages` they have (NULL: the user's). */
gboolean _bpv_lesson_read        (BpvLesson           *lesson,
                                  JsonNode            *root,
                                  const char          *base_dir,
                                  const char * const  *languages,
                                  GError             **error);

/* bpv-lesson-play.c: is `hit` (a neuron or a weight, as a step names it)
 * in the network?  FALSE with the error on `field` of step i. */
gboolean _bpv_lesson_check_hit   (BpvLesson        *lesson,
                                  gsize             i,
                                  const char       *field,
                                  const BpNetwork  *net,
                                  const BpvHit     *hit,
                                  GError          **error);

G_END_DECLS
