/* bpv-render-tiles.c — BpvRenderCache: each bundle painted once per
 * change into an image tile in device pixels and blitted every frame.  A
 * tile is keyed by a hash of everything that shows in it (the values, the
 * layout, view, theme, normaliser and device scale), so the cache notices
 * changes by itself.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <math.h>
#include <string.h>

/* Tiles kept per bundle: current W, ∂C/∂W, old W, and one spare. */
#define CACHE_SLOTS 4

struct _BpvRenderCache
{
  Tile    tiles[BP_MAX_LAYERS + 1][CACHE_SLOTS];
  guint64 clock;
};

/* The hashes' constants are the usual ones: the golden ratio (boost's
 * hash_combine), MurmurHash3's finaliser, FNV-1a's 64-bit prime, and the
 * first hex digits of π as independent seeds. */
#define HASH_GOLDEN   0x9e3779b97f4a7c15ull
#define HASH_MURMUR   0xff51afd7ed558ccdull
#define HASH_FNV      0x100000001b3ull
#define HASH_SEED     0x5bd1e995ull   /* MurmurHash2's multiplier */

static guint64
hash_mix (guint64 h,
          guint64 v)
{
  h ^= v + HASH_GOLDEN + (h << 6) + (h >> 2);
  return h * HASH_MURMUR;
}

static guint64
hash_double (guint64 h,
             double  d)
{
  guint64 u;

  memcpy (&u, &d, sizeof u);
  return hash_mix (h, u);
}

/* A hash of n doubles: four independent lanes, so it runs at memory speed
 * (≈ 0.1 ms for the 100 k weights of a 784×128 layer). */
static guint64
hash_doubles (const double *v,
              gsize         n)
{
  guint64 h[4] = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull,   /* π */
                   0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull };
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++)
      {
        guint64 u;

        memcpy (&u, v + i + l, sizeof u);
        h[l] = (h[l] ^ u) * HASH_FNV;
      }
  for (; i < n; i++)
    h[0] = hash_double (h[0], v[i]);
  return hash_mix (hash_mix (h[0], h[1]), hash_mix (h[2], h[3])) ^ n;
}

/* The cached tile of bundle n from `src`, painted if missing.  Tiles are
 * positioned in widget units; NULL when the bundle is off screen. */
Tile *
_bpv_render_tile_get (const Paint *p,
                      gsize        n,
                      EdgeSource   src)
{
  BpvRenderCache *cache = p->st->cache;
  const BpvLayout *layout = p->layout;
  const BpvBundle *b = &layout->bundles[n];
  double ds = p->st->device_scale > 0 ? p->st->device_scale : 1.0;
  double x0, y0, x1, y1;
  guint64 key = HASH_SEED;
  Tile *tile = NULL;
  cairo_t *tcr;
  int pw, ph;

  bpv_layout_to_widget (layout, b->bounds.x, b->bounds.y, &x0, &y0);
  bpv_layout_to_widget (layout, b->bounds.x + b->bounds.width,
                        b->bounds.y + b->bounds.height, &x1, &y1);
  x0 = floor (MAX (x0, 0));
  y0 = floor (MAX (y0, 0));
  x1 = ceil (MIN (x1, layout->params.width));
  y1 = ceil (MIN (y1, layout->params.height));
  if (x1 <= x0 || y1 <= y0)
    return NULL;

  key = hash_mix (key, layout->serial);
  key = hash_mix (key, n);
  key = hash_mix (key, src);
  key = hash_mix (key, p->st->theme);
  key = hash_double (key, _bpv_render_source_max (p, n, src));
  key = hash_double (key, ds);
  key = hash_double (key, p->unit);
  {
    const double *values = _bpv_render_layer_values (p, n, src);

    key = hash_mix (key, values != NULL ? hash_doubles (values, _bpv_render_layer_n_values (p, n)) : 0);
  }

  cache->clock++;
  for (int i = 0; i < CACHE_SLOTS; i++)
    if (cache->tiles[n][i].surface != NULL && cache->tiles[n][i].key == key)
      {
        cache->tiles[n][i].used = cache->clock;
        return &cache->tiles[n][i];
      }

  /* Replace the least recently used slot. */
  for (int i = 0; i < CACHE_SLOTS; i++)
    if (tile == NULL || cache->tiles[n][i].used < tile->used)
      tile = &cache->tiles[n][i];
  g_clear_pointer (&tile->surface, cairo_surface_destroy);

  pw = (int) ceil ((x1 - x0) * ds);
  ph = (int) ceil ((y1 - y0) * ds);
  tile->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
  cairo_surface_set_device_scale (tile->surface, ds, ds);
  tile->x = x0;
  tile->y = y0;
  tile->key = key;
  tile->used = cache->clock;

  tcr = cairo_create (tile->surface);
  cairo_translate (tcr, -x0, -y0);
  _bpv_render_apply_view (tcr, layout);
  _bpv_render_paint_bundle (p, tcr, n, src);
  cairo_destroy (tcr);
  return tile;
}

BpvRenderCache *
bpv_render_cache_new (void)
{
  return g_new0 (BpvRenderCache, 1);
}

void
bpv_render_cache_prepare (BpvRenderCache       *cache,
                          const BpvLayout      *layout,
                          const BpvRenderState *state)
{
  BpvRenderState st;
  Paint p;

  g_return_if_fail (cache != NULL && layout != NULL && state != NULL && state->net != NULL);
  g_return_if_fail (bpv_layout_fits (layout, state->net));

  st = *state;
  st.cache = cache;
  _bpv_render_paint_init (&p, NULL, layout, &st);
  for (gsize n = 1; n < layout->n_columns; n++)
    {
      _bpv_render_tile_get (&p, n, SRC_WEIGHTS);
      _bpv_render_tile_get (&p, n, SRC_GRADIENTS);
      if (st.old_params != NULL)
        _bpv_render_tile_get (&p, n, SRC_OLD);
    }
}

void
bpv_render_cache_invalidate (BpvRenderCache *cache)
{
  g_return_if_fail (cache != NULL);

  for (gsize n = 0; n <= BP_MAX_LAYERS; n++)
    for (int i = 0; i < CACHE_SLOTS; i++)
      {
        g_clear_pointer (&cache->tiles[n][i].surface, cairo_surface_destroy);
        cache->tiles[n][i].key = 0;
        cache->tiles[n][i].used = 0;
      }
}

void
bpv_render_cache_free (BpvRenderCache *cache)
{
  if (cache == NULL)
    return;
  bpv_render_cache_invalidate (cache);
  g_free (cache);
}
